"""The package's public names and import boundaries."""

from __future__ import annotations

import subprocess
import sys

import langchain_aai_gateway

EXPECTED_ALL = ["TRANSCRIPT_TAG", "AssemblyAILLM", "ChatAssemblyAI", "__version__"]


def test_all_is_sorted_and_complete() -> None:
    # Sorted the way ruff's RUF022 sorts (constants, classes, then the rest), as the core.
    assert langchain_aai_gateway.__all__ == EXPECTED_ALL
    for name in EXPECTED_ALL:
        assert hasattr(langchain_aai_gateway, name)


def test_transcript_tag_is_exact() -> None:
    assert langchain_aai_gateway.TRANSCRIPT_TAG == "{{ transcript }}"


def test_import_loads_no_llama_index_and_no_network_objects() -> None:
    code = (
        "import sys, langchain_aai_gateway as m\n"
        "m.ChatAssemblyAI(model='claude-sonnet-4-6')\n"
        "m.AssemblyAILLM(model='claude-sonnet-4-6')\n"
        "bad = [n for n in sys.modules if n.startswith(('llama_index', 'openai'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


def test_py_typed_shipped() -> None:
    from pathlib import Path

    assert (Path(langchain_aai_gateway.__file__).parent / "py.typed").exists()
