"""The directory follows its files while the hub runs, checking at most once per interval."""

import os
from pathlib import Path

import pytest

from saphan.directory import DirectorySource
from saphan.errors import ConfigError


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _write(path: Path, text: str, mtime_ns: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


ENTRY = "agencies:\n  - code: {code}\n    name_th: ก\n    name_en: A\n    format: occ\n"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_a_changed_file_is_reloaded_after_the_interval(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "agencies.yaml"
    _write(path, ENTRY.format(code="AAA"), 1_000_000_000)
    source = DirectorySource([path], clock=clock)
    assert source.exists("AAA")

    _write(path, ENTRY.format(code="BBB"), 2_000_000_000)
    clock.now += 0.5
    assert source.exists("AAA"), "no second look within the interval"
    clock.now += 0.6
    assert source.exists("BBB")
    assert not source.exists("AAA")
    assert source.last_error is None


def test_an_unchanged_file_is_not_read_again(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "agencies.yaml"
    _write(path, ENTRY.format(code="AAA"), 1_000_000_000)
    source = DirectorySource([path], clock=clock)
    first = source.current()
    clock.now += 5
    assert source.current() is first


def test_a_broken_reload_keeps_the_last_good_directory(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "agencies.yaml"
    _write(path, ENTRY.format(code="AAA"), 1_000_000_000)
    source = DirectorySource([path], clock=clock)
    _write(path, "agencies:\n  - code: BBB\n", 2_000_000_000)  # no names, no format
    clock.now += 2
    assert source.exists("AAA")
    assert isinstance(source.last_error, ConfigError)
    assert any("BBB" in p.path for p in source.last_error.problems)
    # fixed: picked up at the next look
    _write(path, ENTRY.format(code="CCC"), 3_000_000_000)
    clock.now += 2
    assert source.exists("CCC")
    assert source.last_error is None


def test_an_optional_overlay_is_merged_once_it_appears(tmp_path: Path, clock: FakeClock) -> None:
    base = tmp_path / "agencies.yaml"
    overlay = tmp_path / "demo-agencies.yaml"
    _write(base, ENTRY.format(code="OMB"), 1_000_000_000)
    source = DirectorySource([base, overlay], optional=[overlay], clock=clock)
    assert source.get("OMB").push_endpoint is None

    _write(
        overlay,
        "agencies:\n  - code: OMB\n    delivery: {mode: push, endpoint: 'http://127.0.0.1:8766/'}\n",
        1_500_000_000,
    )
    clock.now += 1
    assert source.get("OMB").push_endpoint == "http://127.0.0.1:8766/"
    assert source.get("OMB").name_en == "A"

    overlay.unlink()
    clock.now += 1
    assert source.get("OMB").push_endpoint is None


def test_a_required_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing"):
        DirectorySource([tmp_path / "absent.yaml"])


def test_reload_reads_at_once(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "agencies.yaml"
    _write(path, ENTRY.format(code="AAA"), 1_000_000_000)
    source = DirectorySource([path], clock=clock)
    _write(path, ENTRY.format(code="BBB"), 2_000_000_000)
    assert source.reload().exists("BBB")


def test_the_default_source_reads_the_shipped_file() -> None:
    source = DirectorySource()
    assert source.get("MOI-DRT-3415").format == "damrongtham"
    assert len(source) > 1000
