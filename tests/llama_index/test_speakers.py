"""Speaker names and translations in LlamaIndex, against the emulator.

The emulator maps speaker labels to `known_values` in order of first appearance,
marks translations with `[<language>] `, and its scripted model echoes the prompt,
so an answer shows the context LlamaIndex built.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from llama_index.core import Settings, VectorStoreIndex
from llama_index.core.schema import Document

from aai_gateway.testing import MEETING_IDS
from llama_index_aai_gateway import (
    AssemblyAI,
    AssemblyAITranscriptReader,
    speaker_identification_tool,
)
from llama_index_aai_gateway.tools import SpeakerQuestion
from tests.conftest import TEST_KEY, understanding_bodies
from tests.llama_index.conftest import WordHashEmbedding, run_closing

pytestmark = pytest.mark.e2e

PLANNING = MEETING_IDS["product_planning"]
UNKNOWN = "00000000-0000-4000-8000-000000000000"
NAMES = ["Dana", "Lee", "Sam", "Priya"]


def read(server: Any, how: str, **options: Any) -> list[Document]:
    reader = AssemblyAITranscriptReader(
        [PLANNING],
        api_key=TEST_KEY,
        transcript_base_url=server.rest_base_url,
        base_url=server.base_url,
        **options,
    )
    if how == "sync":
        return list(reader.lazy_load_data())
    return asyncio.run(reader.aload_data())


# -- the reader ------------------------------------------------------------------------


def test_reader_names_and_translates(
    emulator_server: Any, emulator: Any, mode: str
) -> None:
    docs = read(
        emulator_server[1],
        mode,
        mode="utterances",
        identify_speakers={"speaker_type": "name", "known_values": NAMES},
        translate_to=["es"],
    )
    originals = [d for d in docs if "language" not in d.metadata]
    spanish = [d for d in docs if d.metadata.get("language") == "es"]
    assert len(originals) == len(spanish) > 0
    first = originals[0]
    assert first.metadata["speaker"] == "A"
    assert first.metadata["speaker_name"] == "Dana"
    assert first.text.startswith("Dana: Okay, let's get started.")
    assert spanish[0].id_ == f"{PLANNING}:utterances:es:0"
    assert spanish[0].text.startswith("Dana: [es] Okay, let's get started.")
    assert {d.metadata["speaker_name"] for d in docs} == set(NAMES)
    assert len(understanding_bodies(emulator)) == 1


# -- done when: a query answers with a person's name and a timestamp -------------------


@pytest.fixture
def index(emulator_server: Any, live_llm: AssemblyAI, emulator: Any) -> Any:
    docs = read(
        emulator_server[1],
        "sync",
        mode="utterances",
        identify_speakers={"known_values": NAMES},
    )
    # LlamaIndex's sync token estimate makes an event loop it never closes.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    embed = WordHashEmbedding()
    previous = (Settings._llm, Settings._embed_model)
    Settings.llm, Settings.embed_model = live_llm, embed
    try:
        yield VectorStoreIndex.from_documents(docs, embed_model=embed)
    finally:
        Settings._llm, Settings._embed_model = previous
        asyncio.set_event_loop(None)
        loop.close()


def test_query_answers_with_a_name_and_a_timestamp(
    index: Any, live_llm: AssemblyAI, mode: str
) -> None:
    engine = index.as_query_engine(similarity_top_k=1)
    question = "Who will have mockups for the sync indicator by next Wednesday?"
    if mode == "sync":
        response = engine.query(question)
    else:
        response = run_closing(live_llm, engine.aquery(question))
    source = response.source_nodes[0].node
    assert source.metadata["speaker_name"] == "Priya"
    assert source.metadata["timestamp"] == "01:48"
    # The scripted model quotes the passage LlamaIndex built, with name and time.
    answer = str(response)
    assert "Priya (01:48): I can have mockups for the sync indicator" in answer


# -- the tool --------------------------------------------------------------------------


def test_tool_schema_and_name(live_llm: AssemblyAI) -> None:
    tool = speaker_identification_tool(live_llm)
    assert tool.metadata.name == "identify_meeting_speakers"
    assert tool.metadata.fn_schema is SpeakerQuestion
    assert "speaker" in tool.metadata.description


def test_tool_returns_the_mapping(
    live_llm: AssemblyAI, emulator: Any, mode: str
) -> None:
    tool = speaker_identification_tool(live_llm)
    args = {"transcript_id": PLANNING, "known_values": ["Dana", "Lee"]}
    if mode == "sync":
        output = tool.call(**args)
    else:
        output = run_closing(live_llm, tool.acall(**args))
    assert json.loads(output.content) == {
        "transcript_id": PLANNING,
        "speaker_type": "name",
        "mapping": {"A": "Dana", "B": "Lee"},
        "unidentified": ["C", "D"],
    }
    (body,) = understanding_bodies(emulator)
    task = body["speech_understanding"]["request"]["speaker_identification"]
    assert task == {"speaker_type": "name", "known_values": ["Dana", "Lee"]}


def test_tool_from_client_options(emulator_url: str, emulator: Any) -> None:
    with httpx.Client() as http:
        tool = speaker_identification_tool(
            api_key=TEST_KEY, base_url=emulator_url, http_client=http
        )
        output = tool.call(
            transcript_id=PLANNING, known_values=["Ops"], speaker_type="role"
        )
    assert json.loads(output.content)["mapping"] == {"A": "Ops"}


@pytest.fixture
def llm_tool(live_llm: AssemblyAI) -> Any:
    return speaker_identification_tool(live_llm)


@pytest.mark.parametrize(
    ("transcript_id", "values", "expected"),
    [
        (PLANNING, [], "non-empty list"),
        (PLANNING, ["x" * 36], "at most 35 characters"),
        (UNKNOWN, ["Dana"], UNKNOWN),
        (MEETING_IDS["still_processing"], ["Dana"], "not completed (processing)"),
    ],
    ids=["empty", "too-long", "unknown", "processing"],
)
def test_tool_errors_go_back_to_the_agent(
    llm_tool: Any,
    live_llm: AssemblyAI,
    mode: str,
    transcript_id: str,
    values: Any,
    expected: str,
) -> None:
    args = {"transcript_id": transcript_id, "known_values": values}
    if mode == "sync":
        output = llm_tool.call(**args)
    else:
        output = run_closing(live_llm, llm_tool.acall(**args))
    assert output.content.startswith("Error: ")
    assert expected in output.content
