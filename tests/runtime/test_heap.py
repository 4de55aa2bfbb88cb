"""The moderating entry points freeze their start-up heap; the setting turns it off."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nigran.config import settings
from nigran.errors import ConfigError

PROBE = (
    "import gc; from nigran.runtime.heap import freeze_loaded; "
    "freeze_loaded(); n = gc.get_freeze_count(); freeze_loaded(); "
    "print(n, gc.get_freeze_count())"
)


def _probe(value: str | None) -> list[int]:
    env = {k: v for k, v in os.environ.items() if k != "NIGRAN_FREEZE_HEAP"}
    if value is not None:
        env["NIGRAN_FREEZE_HEAP"] = value
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return [int(v) for v in out.stdout.split()]


def test_freezes_once_by_default() -> None:
    first, second = _probe(None)
    assert first > 1000  # the imported modules at least
    assert second == first  # a second call freezes nothing more


@pytest.mark.parametrize("value", ["0", "false", "off", "No"])
def test_setting_turns_it_off(value: str) -> None:
    assert _probe(value) == [0, 0]


def test_a_bad_value_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIGRAN_FREEZE_HEAP", "maybe")
    with pytest.raises(ConfigError, match="NIGRAN_FREEZE_HEAP must be true or false"):
        settings()
