"""The declared settings (`aai_gateway.adapters`) on LlamaIndex's `AssemblyAI`.

Every declared request field and client setting is a field with the declared
default, reaches the wire (or the core client it configures), and is checked at
construction with the message the core gives at the first call (cases shared with
the LangChain tests in `tests/langchain/_settings_cases.py`). Old names warn.
"""

from __future__ import annotations

import asyncio
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
    CALL_BAD_TYPES,
    FIELD_BAD_VALUES,
    MODEL,
    PROBES,
    REQUEST_VALUES,
    SAMPLING_FIELDS,
    TRANSCRIPT,
    Wire,
    check_the_new_url_names,
    check_the_old_url_names,
    core_message,
    read_timeout,
    sent_value,
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
        assert sent_value(body, declared) == REQUEST_VALUES[declared.name], declared


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


@pytest.mark.parametrize(
    ("name", "value", "message"), FIELD_BAD_VALUES + CALL_BAD_TYPES
)
def test_bad_field_values_fail_at_construction_and_per_call(
    call: Caller, wire: Any, name: str, value: Any, message: str
) -> None:
    if (name, value, message) in FIELD_BAD_VALUES:
        with pytest.raises(ValueError, match=re.escape(message)):
            AssemblyAI(**{name: value})
    gateway = wire()
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        call.complete(_llm(gateway), "Hi", **{name: value})
    assert gateway.requests == []


# -- sampling fields and reasoning_effort -----------------------------------------------


def test_sampling_settings_are_fields() -> None:
    values = {name: REQUEST_VALUES[name] for name in SAMPLING_FIELDS}
    llm = AssemblyAI(reasoning_effort="high", **values)
    assert llm.additional_kwargs == {}
    assert {name: getattr(llm, name) for name in SAMPLING_FIELDS} == values
    assert llm.reasoning_effort == "high"


def test_reasoning_effort_is_sent_as_the_gateway_reasoning_object(
    call: Caller, wire: Any
) -> None:
    gateway = wire()
    llm = _llm(gateway, reasoning={"max_tokens": 2048}, reasoning_effort="medium")
    call.complete(llm, "Hi")
    call.complete(llm, "Hi", reasoning_effort="high")
    first, second = gateway.bodies()
    assert first["reasoning"] == {"max_tokens": 2048, "effort": "medium"}
    assert "reasoning_effort" not in first
    # Per call, as every per-call field, it replaces the model's `reasoning`.
    assert second["reasoning"] == {"effort": "high"}


def test_reasoning_effort_disagreeing_with_reasoning_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"`reasoning_effort` \('high'\) and `reasoning`"
    ):
        AssemblyAI(reasoning={"effort": "low"}, reasoning_effort="high")


@pytest.mark.parametrize("name", ["seed", "frequency_penalty", "presence_penalty"])
def test_a_sampling_field_the_catalogue_refuses_is_named_before_sending(
    call: Caller, wire: Any, name: str
) -> None:
    gateway = wire()
    llm = _llm(gateway, model=MODEL, top_p=0.5)
    # The LLM's own core client, with the catalogue fetched (`Wire.CATALOGUE`:
    # `top_p` listed, `seed` and the penalties not).
    if call.mode == "sync":
        llm._sync_client().list_models()
    else:
        asyncio.run(llm._async_client().alist_models())
    with pytest.raises(ValueError, match=f"does not take `{name}`"):
        call.complete(llm, "Hi", **{name: REQUEST_VALUES[name]})
    assert [r.url.path for r in gateway.requests] == ["/v1/models"]
    call.complete(llm, "Hi")
    assert gateway.bodies()[-1]["top_p"] == 0.5


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
