"""Every script in `examples/` runs against the emulator, as `__main__`.

They run in this process (the frameworks are imported once for all of them),
with every `ASSEMBLYAI_*` variable removed so that they never reach the real
gateway, whatever the developer's shell has set.
"""

from __future__ import annotations

import gc
import os
import runpy
import sys
from pathlib import Path

import pytest

from tests._third_party import THIRD_PARTY_WARNINGS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def test_there_are_examples() -> None:
    assert len(SCRIPTS) >= 5


# Collected at the end of the test, so whatever it left open is reported here.
@THIRD_PARTY_WARNINGS
@pytest.mark.parametrize("name", SCRIPTS)
def test_example_runs(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in [k for k in os.environ if k.startswith("ASSEMBLYAI_")]:
        monkeypatch.delenv(key)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.setattr(sys, "argv", [name])
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    gc.collect()
    assert capsys.readouterr().out.strip(), f"{name} printed nothing"
