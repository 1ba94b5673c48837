"""What one hub process works with, built once from :class:`~saphan.config.Settings`."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime

from saphan.clock import Clock, SystemClock
from saphan.config import Settings
from saphan.directory.source import DirectorySource
from saphan.errors import ConfigError
from saphan.ledger.keys import KeyRing
from saphan.metrics import Metrics
from saphan.routing.policy import Policy, load_policy
from saphan.store import log as transfer_log
from saphan.store.db import Database
from saphan.store.migrate import upgrade
from saphan.store.vault import Vault

HUB_CODE = "SAPHAN"


@dataclass
class Services:
    settings: Settings
    db: Database
    vault: Vault
    keys: KeyRing
    directory: DirectorySource
    policy: Policy
    clock: Clock = field(default_factory=SystemClock)
    metrics: Metrics = field(default_factory=Metrics)
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    #: last outcome of each scheduled job, for /healthz
    job_status: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    def close(self) -> None:
        self.db.dispose()


def master_key(settings: Settings) -> bytes:
    """The key that wraps every data key: from ``SAPHAN_MASTER_KEY_FILE`` or the data
    folder (created there, mode 0600, outside production only)."""
    path = settings.master_key_path()
    if path.exists():
        data = path.read_bytes()
        if len(data) != 32:
            raise ConfigError(f"the master key in {path} must be 32 bytes")
        return data
    if settings.production:
        raise ConfigError("no master key: production never creates one (SAPHAN_MASTER_KEY_FILE)")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return data


def build(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Services:
    """Open the database (migrating it), load keys, directory and policy."""
    settings.check_production()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url(), group_commit=settings.group_commit)
    if migrate:
        upgrade(db.writer)
        with db.writer.begin() as conn:
            transfer_log.ensure_state(conn)
    key_dir = settings.data_dir / "keys" / "hub"
    keys = KeyRing.load(key_dir) if settings.production else KeyRing.load_or_create(key_dir)
    files = [settings.mappings / "agencies.yaml", *settings.directory_files]
    # The data folder's own directory file (the demo writes its simulators there) is
    # watched even before it exists.
    local = settings.data_dir / "agencies.local.yaml"
    if local not in files:
        files.append(local)
    directory = DirectorySource(files, optional=[local])
    policy = load_policy(settings.mappings / "routing.yaml")
    return Services(
        settings=settings,
        db=db,
        vault=Vault(master_key(settings)),
        keys=keys,
        directory=directory,
        policy=policy,
        clock=clock or SystemClock(),
    )
