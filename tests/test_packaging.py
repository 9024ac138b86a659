"""Package boundaries: what each import loads, public names, typing marker."""

from __future__ import annotations

import importlib
import json
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["aai_gateway", "langchain_aai_gateway", "llama_index_aai_gateway"]


def loaded_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return {name.split(".")[0] for name in json.loads(out.stdout)}


@pytest.mark.parametrize(
    ("statement", "forbidden"),
    [
        (
            "import aai_gateway",
            {
                "langchain_core",
                "langchain",
                "llama_index",
                "starlette",
                "uvicorn",
                "openai",
            },
        ),
        (
            "import langchain_aai_gateway",
            {"llama_index", "starlette", "uvicorn", "openai"},
        ),
        (
            "import llama_index_aai_gateway",
            {"langchain_core", "langchain", "starlette", "uvicorn", "openai"},
        ),
    ],
)
def test_imports_stay_within_their_framework(
    statement: str, forbidden: set[str]
) -> None:
    assert loaded_after(statement) & forbidden == set()


@pytest.mark.parametrize("package", PACKAGES)
def test_public_names_are_sorted_and_importable(package: str) -> None:
    module = importlib.import_module(package)
    names = list(module.__all__)
    assert names == sorted(
        names, key=lambda n: (not n.isupper(), n)
    ) or names == sorted(names)
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(module, name), name


@pytest.mark.parametrize("package", PACKAGES)
def test_typed_marker_shipped(package: str) -> None:
    assert (ROOT / package / "py.typed").is_file()


def test_constructing_a_client_loads_no_certificates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aai_gateway import AsyncGatewayClient, GatewayClient

    calls: list[object] = []
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: calls.append(a))
    GatewayClient(api_key="test-key")
    AsyncGatewayClient(region="eu")
    assert calls == []
