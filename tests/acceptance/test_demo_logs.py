"""No personal data in the hub's logs: ``saphan demo`` runs as its own process, then every
file under ``DIR/logs/`` is read and searched for the demo people's names, citizen IDs,
phones, e-mails, addresses and the text of their complaints.

The people are taken from the example messages the demo itself sends, read by the adapters
(so the test looks for exactly what the hub had in hand), in every spelling a log could
carry: UTF-8, TIS-620, JSON-escaped, phones in E.164, local and dashed forms.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from securehub import cases_of, found_in, personal_strings

from saphan.demo.story import EXAMPLES as DEMO_EXAMPLES

FORMAT_OF = {".xml": "damrongtham"}  # the demo's JSON examples are 1111 batches


def demo_people() -> set[str]:
    strings: set[str] = set()
    files = sorted(DEMO_EXAMPLES.iterdir())
    assert files, f"the demo has no examples in {DEMO_EXAMPLES}"
    for path in files:
        cases = cases_of(FORMAT_OF.get(path.suffix, "pmo1111"), path.read_bytes())
        assert cases, f"{path.name} holds no valid case"
        for case in cases:
            strings |= personal_strings(case)
    # a name of three letters could occur by chance; everything looked for is specific
    return {s for s in strings if len(s) >= 4}


def test_demo_logs_hold_no_personal_data(tmp_path: Path) -> None:
    people = demo_people()
    assert len(people) >= 20  # names, IDs, phones and texts of at least five people
    data = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "saphan", "demo", "--data", str(data)],
        capture_output=True,
        timeout=600,
    )
    logs = sorted(p for p in (data / "logs").rglob("*") if p.is_file())
    assert logs, f"the demo wrote no logs (exit {done.returncode})"
    text = {p.name: p.read_bytes() for p in logs}
    hub_log = text.get("hub.log", b"")
    # the story really ran through the hub: intakes, deliveries and receipts were logged
    assert hub_log.count(b'"accepted ') >= 5, hub_log[:2000]
    assert b"receipt verified" in hub_log
    leaks = {name: found_in(content, people) for name, content in text.items()}
    assert all(not hits for hits in leaks.values()), leaks
    # and nothing a client or operator should not see in a log: no tracebacks with text
    for name, content in text.items():
        assert b"Traceback" not in content, f"{name} holds a traceback"
    assert done.returncode == 0, done.stdout.decode(errors="replace")[-3000:]
