"""The package's public names and import boundaries."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import pytest

import langchain_aai_gateway
from langchain_aai_gateway import (
    AssemblyAITranscriptLoader,
    AssemblyAITranscriptQATool,
    asummarize_transcripts,
    summarize_transcripts,
)

EXPECTED_ALL = [
    "TRANSCRIPT_TAG",
    "AssemblyAICallbackHandler",
    "AssemblyAILLM",
    "AssemblyAISpeakerIdentificationTool",
    "AssemblyAITranscriptLoader",
    "AssemblyAITranscriptQATool",
    "ChatAssemblyAI",
    "TranscriptSummaries",
    "__version__",
    "aindex_transcripts",
    "asummarize_transcripts",
    "get_assemblyai_callback",
    "index_transcripts",
    "summarize_transcripts",
    "transcript_ref",
]


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
        "m.AssemblyAITranscriptLoader(['abc'], mode='text', region='eu')\n"
        "m.AssemblyAITranscriptQATool(model='claude-sonnet-4-6')\n"
        "bad = [n for n in sys.modules if n.startswith(('llama_index', 'openai'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_py_typed_shipped() -> None:
    from pathlib import Path

    assert (Path(langchain_aai_gateway.__file__).parent / "py.typed").exists()


def test_transcript_ref_is_the_core_function() -> None:
    import aai_gateway

    assert langchain_aai_gateway.transcript_ref is aai_gateway.transcript_ref


def _parameters(function: Any) -> list[tuple[str, Any, Any]]:
    signature = inspect.signature(function)
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize(
    ("sync", "async_"),
    [
        (summarize_transcripts, asummarize_transcripts),
        (AssemblyAITranscriptLoader.lazy_load, AssemblyAITranscriptLoader.alazy_load),
        (AssemblyAITranscriptQATool._run, AssemblyAITranscriptQATool._arun),
    ],
    ids=["summarize", "loader", "tool"],
)
def test_every_sync_behaviour_has_an_async_twin(sync: Any, async_: Any) -> None:
    params = _parameters(sync)
    twin = _parameters(async_)
    assert [p[:2] for p in params if p[0] != "run_manager"] == [
        p[:2] for p in twin if p[0] != "run_manager"
    ]
    assert [p[2] for p in params] == [p[2] for p in twin]


def test_chat_model_import_leaves_the_rest_for_first_use() -> None:
    code = (
        "import sys, langchain_aai_gateway as m\n"
        "lazy = ['llms', 'tools', 'document_loaders', 'chains']\n"
        "loaded = lambda: [n for n in lazy if f'langchain_aai_gateway.{n}' in sys.modules]\n"
        "assert loaded() == [], loaded()\n"
        "assert set(m.__all__) <= set(dir(m))\n"
        "from langchain_aai_gateway import AssemblyAILLM\n"
        "assert loaded() == ['llms'], loaded()\n"
        "from langchain_aai_gateway.llms import AssemblyAILLM as direct\n"
        "assert AssemblyAILLM is direct is m.AssemblyAILLM\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        langchain_aai_gateway.nope  # noqa: B018
    with pytest.raises(ImportError):
        from langchain_aai_gateway import nope  # type: ignore[attr-defined]  # noqa: F401
