"""The declared settings (`aai_gateway.adapters`) on LlamaIndex's `AssemblyAI`.

Every declared request field and client setting is a field with the declared
default, reaches the wire (or the core client it configures), and is checked at
construction with the message the core gives at the first call (cases shared with
the LangChain tests in `tests/langchain/_settings_cases.py`). Old names warn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from aai_gateway import TRANSCRIPT_TAG, APIError
from aai_gateway.adapters import (
    CLIENT_SETTING_NAMES,
    CLIENT_SETTINGS,
    REQUEST_FIELD_NAMES,
    REQUEST_FIELDS,
)
from llama_index_aai_gateway import AssemblyAI, AssemblyAITranscriptReader
from tests.langchain._settings_cases import (
    BAD_VALUES,
    PROBES,
    REQUEST_VALUES,
    TRANSCRIPT,
    Wire,
    check_the_new_url_names,
    check_the_old_url_names,
    core_message,
    read_timeout,
)
from tests.llama_index.conftest import Caller


@pytest.fixture
def wire() -> Iterator[Callable[..., Wire]]:
    made: list[Wire] = []

    def make(fail: bool = False) -> Wire:
        made.append(Wire(fail))
        return made[-1]

    yield make
    for wire in made:
        wire.close()


def _llm(wire: Wire, **settings: Any) -> AssemblyAI:
    return AssemblyAI(**{**wire.options(), **settings})


def test_the_shared_cases_cover_every_declaration() -> None:
    assert set(REQUEST_VALUES) == set(REQUEST_FIELD_NAMES)
    assert set(PROBES) == set(CLIENT_SETTING_NAMES)


def test_every_declaration_has_the_declared_default() -> None:
    llm = AssemblyAI()
    for declared in (*CLIENT_SETTINGS, *REQUEST_FIELDS):
        if declared.name != "model":  # a default model here
            assert getattr(llm, declared.name) == declared.default, declared.name
    constructor_only = {"http_client", "http_async_client"}
    for declared in (*CLIENT_SETTINGS, *REQUEST_FIELDS):
        if declared.name not in constructor_only:
            assert declared.name in AssemblyAI.model_fields, declared.name


@pytest.mark.parametrize("how", ["field", "call"])
def test_every_declared_request_field_reaches_the_body(
    call: Caller, wire: Any, how: str
) -> None:
    gateway = wire()
    if how == "field":
        call.complete(_llm(gateway, **REQUEST_VALUES), f"Q: {TRANSCRIPT_TAG}")
    else:
        call.complete(_llm(gateway), f"Q: {TRANSCRIPT_TAG}", **REQUEST_VALUES)
    [body] = gateway.bodies()
    for declared in REQUEST_FIELDS:
        assert body[declared.wire] == REQUEST_VALUES[declared.name], declared.name


@pytest.mark.parametrize("name", sorted(PROBES))
def test_every_declared_setting_reaches_the_core_client(
    call: Caller, wire: Any, name: str
) -> None:
    probe = PROBES[name]
    gateway = wire(probe.fail)
    llm = _llm(gateway, **probe.settings)
    run = call.stream_complete if probe.stream else call.complete
    if probe.fail:
        with pytest.raises(APIError):
            run(llm, probe.prompt)
    else:
        run(llm, probe.prompt)
    assert probe.check(gateway.requests), [str(r.url) for r in gateway.requests]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_bad_settings_fail_at_construction_as_the_core_says(
    name: str, value: Any
) -> None:
    message = core_message(name, value)
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        AssemblyAI(**{name: value})


# -- one vocabulary; old names warn ----------------------------------------------------


def test_the_old_names_are_taken_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match="`transcript_tag_placement` now"):
        llm = AssemblyAI(transcript_placement="auto")
    assert llm.transcript_tag_placement == "auto"
    with pytest.warns(DeprecationWarning, match="`with_transcript` now"):
        bound = llm.for_transcript(TRANSCRIPT)
    assert bound.transcript_id == TRANSCRIPT
    assert bound.transcript_tag_placement == "auto"


def test_the_old_async_client_name_is_used_with_a_warning(wire: Any) -> None:
    gateway = wire()
    options = {**gateway.options(), "async_http_client": gateway.http_async_client}
    del options["http_async_client"]
    with pytest.warns(DeprecationWarning, match="`http_async_client` now"):
        llm = AssemblyAI(**options)
    assert llm.http_async_client is gateway.http_async_client
    Caller("async").complete(llm, "Hi")
    assert len(gateway.requests) == 1  # through the client given under the old name


def test_an_old_name_beside_its_new_one_is_refused(wire: Any) -> None:
    http = wire().http_async_client
    with pytest.raises(TypeError, match="only `transcript_tag_placement`"):
        AssemblyAI(transcript_placement="auto", transcript_tag_placement="auto")
    with pytest.raises(TypeError, match="only `http_async_client`"):
        AssemblyAI(async_http_client=http, http_async_client=http)


def test_a_setting_of_the_model_is_refused_per_call(call: Caller, wire: Any) -> None:
    gateway = wire()
    with pytest.raises(TypeError, match="`transcript_tag_placement` is a setting"):
        call.complete(_llm(gateway), "Hi", transcript_tag_placement="auto")
    assert gateway.requests == []


def test_a_per_call_timeout_goes_to_the_core_call(call: Caller, wire: Any) -> None:
    gateway = wire()
    call.complete(_llm(gateway, timeout=60.0), "Hi", timeout=3.0)
    assert read_timeout(gateway.requests[0]) == 3.0
    assert "timeout" not in gateway.bodies()[0]


def test_the_reader_takes_the_old_url_names_with_a_warning(
    emulator_server: Any, emulator: Any
) -> None:
    check_the_old_url_names(AssemblyAITranscriptReader, emulator_server[1])


def test_the_reader_base_url_is_the_gateway(recwarn: pytest.WarningsRecorder) -> None:
    check_the_new_url_names(AssemblyAITranscriptReader, recwarn)
