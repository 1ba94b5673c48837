"""Adapters are plug-ins: a distribution that declares an entry point in the
``saphan.adapters`` group is found without any change to the hub."""

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from saphan.errors import ConfigError, UnsupportedFormatError
from saphan.translate import registry


@pytest.fixture
def plugin_path(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    registry.refresh()
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("saphan_testfmt")]:
        del sys.modules[name]
    registry.refresh()


def _install(site: Path, dist: str, entry: str, module_src: str) -> None:
    info = site / f"{dist}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[saphan.adapters]\n{entry}\n")
    (site / "saphan_testfmt.py").write_text(textwrap.dedent(module_src))


def test_an_adapter_registered_from_outside_is_found(plugin_path: Path) -> None:
    _install(
        plugin_path,
        "saphan_testfmt",
        "echo = saphan_testfmt:Echo",
        """
        from saphan.testing import EchoAdapter
        class Echo(EchoAdapter):
            pass
        """,
    )
    assert "echo" in registry.formats()
    adapter = registry.get_adapter("echo")
    assert type(adapter).__name__ == "Echo"


def test_a_plugin_that_is_not_an_adapter_is_a_config_error(plugin_path: Path) -> None:
    _install(
        plugin_path,
        "saphan_testfmt",
        "bogus = saphan_testfmt:NotAnAdapter",
        "class NotAnAdapter: pass\n",
    )
    with pytest.raises(ConfigError, match="not an Adapter"):
        registry.formats()


def test_unknown_format_names_the_known_ones() -> None:
    registry.refresh()
    with pytest.raises(UnsupportedFormatError) as err:
        registry.get_adapter("telex")
    assert "telex" in str(err.value)
