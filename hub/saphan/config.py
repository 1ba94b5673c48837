"""Settings of a hub process (pydantic-settings), validated once at start.

Values come from arguments, the environment (``SAPHAN_*``) or files named by the
environment (``SAPHAN_MASTER_KEY_FILE``); never from the repository. In production mode
(``SAPHAN_PRODUCTION=1``) the hub refuses to start with development defaults: a data
folder inside the source tree, hub keys or a master key it would generate itself, an
http:// public URL, signatures switched off, the example log origin.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from saphan.errors import ConfigError, Problem
from saphan.paths import PROJECT_ROOT, mappings_dir


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAPHAN_", extra="ignore")

    data_dir: Path = Field(default=Path("saphan-data"), description="state, keys, database")
    db_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite in data_dir")
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(default=None, description="base URL agencies sign against")
    production: bool = False
    group_commit: bool = Field(
        default=True,
        description="share one commit among concurrent writes (store.group)",
    )

    log_origin: str = Field(default="saphan.example/log", description="C2SP checkpoint origin")
    checkpoint_interval_s: float = 2.0

    # Delivery
    delivery_workers: bool = True
    delivery_batch: int = 16
    delivery_concurrency: int = 16
    delivery_timeout_s: float = 10.0
    delivery_lease_s: float = 30.0
    retry_base_s: float = 2.0
    retry_cap_s: float = 600.0
    retry_max_attempts: int = 8
    poll_interval_s: float = 0.2

    # Scheduled jobs
    overdue_interval_s: float = 60.0

    # Authentication
    signature_skew_s: int = 30
    signature_max_validity_s: int = 3600
    require_signatures: bool = True

    # Data files
    mappings: Path = Field(default_factory=mappings_dir)
    directory_files: list[Path] = Field(default_factory=list)

    # Limits
    max_body_bytes: int = 40 * 1024 * 1024

    @model_validator(mode="after")
    def _lease_outlasts_push(self) -> Settings:
        # A claim whose lease ran out while its push was still waiting for an answer would
        # be taken over and sent a second time: the lease must outlast the push timeout.
        if self.delivery_lease_s <= self.delivery_timeout_s:
            raise ValueError(
                f"delivery_lease_s ({self.delivery_lease_s}) must be longer than "
                f"delivery_timeout_s ({self.delivery_timeout_s})"
            )
        return self

    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.data_dir / 'saphan.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url().startswith("sqlite")

    def master_key_path(self) -> Path:
        """Where the master key is read: ``SAPHAN_MASTER_KEY_FILE``, else the data folder."""
        named = os.environ.get("SAPHAN_MASTER_KEY_FILE")
        return Path(named) if named else self.data_dir / "keys" / "master.key"

    def check_production(self) -> None:
        """Refuse development defaults when running in production mode, naming each."""
        if not self.production:
            return
        problems: list[Problem] = []
        if self.data_dir.resolve().is_relative_to(PROJECT_ROOT):
            problems.append(
                Problem("data_dir", "inside the source tree; state and secrets live outside it")
            )
        # KeyRing.save writes the pointer to the current key as keys/hub/CURRENT.
        if not (self.data_dir / "keys" / "hub" / "CURRENT").is_file():
            problems.append(
                Problem("data_dir", "no provisioned hub keys; production never generates keys")
            )
        master = self.master_key_path()
        if not master.is_file():
            problems.append(
                Problem(
                    "master_key",
                    "no master key file (SAPHAN_MASTER_KEY_FILE); production never creates one",
                )
            )
        elif master.resolve().is_relative_to(PROJECT_ROOT):
            problems.append(Problem("master_key", "inside the source tree; keep it outside"))
        if self.public_url is None or not self.public_url.startswith("https://"):
            problems.append(Problem("public_url", "production needs an https:// public URL"))
        if not self.require_signatures:
            problems.append(Problem("require_signatures", "signatures cannot be off"))
        if self.log_origin == "saphan.example/log":
            problems.append(Problem("log_origin", "set the log origin to the hub's own name"))
        if problems:
            raise ConfigError("refusing to start with development settings", problems)
