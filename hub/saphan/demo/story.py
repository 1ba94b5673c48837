"""The demo story, step by step, with progress a person can follow in the terminal.

1. a district Damrongtham center (Warin Chamrap) escalates a case beyond its authority:
   it goes to the Ombudsman, with a copy to the provincial center;
2. a 1111 batch: a police complaint goes to the Police Inspector General, a land matter to
   the Department of Lands (whose system fails twice and is retried), a road repair with no
   target to the provincial Damrongtham center of Chon Buri;
3. a legal-aid case goes to the Attorney General's office of Chon Buri;
4. statuses travel back: the Ombudsman and the police report progress in their own codes
   and the earlier holders receive them in theirs;
5. a citizen tracks the escalated case; the log is verified from its public API.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from saphan.demo.world import World
from saphan.errors import HubError, IntegrityError, Problem
from saphan.paths import PROJECT_ROOT
from saphan.simulate.client import HubClient

EXAMPLES = Path(__file__).resolve().parent / "examples"


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)

    def check(self, ok: bool, path: str, message: str) -> bool:
        if not ok:
            self.problems.append(Problem(path, message))
        return ok


def _example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


async def _submit(world: World, console: Console, code: str, fmt: str, name: str) -> dict[str, Any]:
    async with HubClient(world.hub_url, code, world.keys[code]) as client:
        answer = await client.submit(fmt, _example(name))
    body: dict[str, Any] = answer.body if isinstance(answer.body, dict) else {}
    if answer.status not in (200, 201):
        raise HubError(
            f"{code} could not submit {name}: HTTP {answer.status}",
            [Problem(name, str(body)[:300])],
        )
    records = body.get("records") or [body]
    for r in records:
        dests = (
            ", ".join(
                f"{t['to']}{' (copy)' if t['kind'] == 'copy' else ''} by {t['rule']}"
                for t in r.get("transfers", [])
            )
            or "stays with the sender"
        )
        console.print(f"  [bold]{code}[/] sent [cyan]{r.get('tracking_no')}[/] → {dests}")
    return body


async def _wait_delivered(
    world: World, console: Console, code: str, case_ids: list[str], timeout: float = 60
) -> bool:
    """Until every transfer of these cases is delivered (pull agencies pull meanwhile)."""
    deadline = time.monotonic() + timeout
    async with HubClient(world.hub_url, code, world.keys[code]) as client:
        while time.monotonic() < deadline:
            await world.pull_all()
            states = []
            for case_id in case_ids:
                answer = await client.get_case(case_id)
                states += [t["state"] for t in answer.body["transfers"]]
            if states and all(s == "delivered" for s in states):
                return True
            await asyncio.sleep(0.3)
    return False


async def _story(world: World, console: Console, out: Outcome) -> None:
    async with httpx.AsyncClient() as http:
        await http.post(f"{world.urls['DOL']}/_control", json={"fail_next": 2})

    console.rule("1. A district center escalates to the Ombudsman")
    esc = await _submit(
        world, console, "MOI-DRT-3415", "damrongtham", "escalation-warin-chamrap.xml"
    )
    console.rule("2. A 1111 batch: police, Department of Lands, a province")
    batch = await _submit(world, console, "PSC", "pmo1111", "batch-three-records.json")
    console.rule("3. Legal aid in a civil dispute")
    legal = await _submit(world, console, "MOI-DRT-2009", "damrongtham", "legal-aid-sattahip.xml")

    console.print("  delivering (the Department of Lands fails twice, then the retry succeeds)...")
    ok = await _wait_delivered(world, console, "MOI-DRT-3415", [esc["case_id"]])
    ok &= await _wait_delivered(world, console, "PSC", [r["case_id"] for r in batch["records"]])
    ok &= await _wait_delivered(world, console, "MOI-DRT-2009", [legal["case_id"]])
    out.check(ok, "/delivery", "not every transfer was delivered with a verified receipt")
    async with httpx.AsyncClient() as http:
        dol = (await http.get(f"{world.urls['DOL']}/_state")).json()
    console.print(
        f"  every transfer delivered with a verified receipt; DOL answered: {dol.get('totals', dol)}"
    )

    console.rule("4. Statuses travel back")
    now = datetime.now(UTC)
    async with HubClient(world.hub_url, "OMB", world.keys["OMB"]) as omb:
        answer = await omb.report_status(esc["case_id"], "INVESTIGATING", now)
        out.check(answer.status == 200, "/status/OMB", f"HTTP {answer.status}")
        console.print(
            f"  OMB reports INVESTIGATING → to {[t['to'] for t in answer.body.get('transfers', [])]}"
        )
    police_case = batch["records"][0]["case_id"]
    async with HubClient(world.hub_url, "RTP-IG", world.keys["RTP-IG"]) as police:
        answer = await police.report_status(police_case, "3", now)
        out.check(answer.status == 200, "/status/RTP-IG", f"HTTP {answer.status}")
        console.print(
            f"  RTP-IG reports 3 (in progress) → to {[t['to'] for t in answer.body.get('transfers', [])]}"
        )
    ok = await _wait_delivered(world, console, "MOI-DRT-3415", [esc["case_id"]])
    ok &= await _wait_delivered(world, console, "PSC", [police_case])
    out.check(ok, "/status", "status changes were not delivered back")
    console.print("  the Warin Chamrap center and 1111 received the news in their own formats")

    console.rule("5. A citizen tracks the case; the log is verified")
    async with httpx.AsyncClient(base_url=world.hub_url) as http:
        track = (await http.get(f"/v1/track/{esc['tracking_no']}")).json()
    table = Table("from", "to", "kind", "state", "deadline")
    for h in track["handovers"]:
        table.add_row(h["from"], h["to"], h["kind"], h["state"], h["deadline"] or "")
    console.print(
        f"  {track['tracking_no']}: [bold]{track['status_en']}[/] ({track['status_th']}), held by {track['holder']}"
    )
    console.print(table)
    out.check(len(track["handovers"]) == 2, "/track", "expected two hand-overs")


def verify_log(world: World, console: Console, out: Outcome) -> None:
    """Wait for a checkpoint covering every entry, then run the auditors' own tool against
    the live hub: ``saphan audit verify --url ... --key ...`` trusts nothing but the key."""
    from saphan.cli import run as cli

    key = httpx.get(f"{world.hub_url}/v1/log/key", timeout=5).text.strip()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        size = httpx.get(f"{world.hub_url}/metrics", timeout=5).text
        checkpoint = httpx.get(f"{world.hub_url}/v1/log/checkpoint", timeout=5).text
        covered = checkpoint.split("\n")[1] if checkpoint.count("\n") > 2 else ""
        if covered and f"saphan_log_size {float(covered)}" in size:
            break
        time.sleep(0.5)  # a checkpoint is signed every second while entries arrive
    code = cli(["audit", "verify", "--url", world.hub_url, "--key", key])
    out.check(code == 0, "/log", f"saphan audit verify exited {code}")
    if code == 0:
        console.print(
            "  the transfer log verifies against its signed checkpoint (saphan audit verify)"
        )


def run(data: Path, console: Console | None = None) -> int:
    console = console or Console(stderr=False)
    world = World(data)
    out = Outcome()
    console.print(f"[bold]Saphan demo[/] in {data} (project {PROJECT_ROOT.name})")
    world.prepare()
    try:
        world.start_agencies()
        world.start_hub(
            {
                "SAPHAN_RETRY_BASE_S": "0.5",
                "SAPHAN_CHECKPOINT_INTERVAL_S": "1",
                "SAPHAN_POLL_INTERVAL_S": "0.1",
            }
        )
        console.print(
            f"  hub on {world.hub_url}; simulated agencies: {', '.join(c for c in world.keys)}"
        )
        asyncio.run(_main(world, console, out))
        verify_log(world, console, out)
    finally:
        world.stop()
    if out.problems:
        raise IntegrityError("the demo did not complete", out.problems)
    console.print(
        f"[green]Demo complete.[/] `saphan serve --data {data}` brings the same hub back;"
        f" agency keys are in {data / 'agency-keys'}."
    )
    return 0


async def _main(world: World, console: Console, out: Outcome) -> None:
    try:
        await _story(world, console, out)
    finally:
        await world.close_pullers()
