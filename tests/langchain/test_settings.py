"""The declared settings (`aai_gateway.adapters`) on the LangChain models.

Every declared request field and client setting is a field with the declared
default, reaches the wire (or the core client it configures), and is checked at
construction with the message the core gives at the first call (cases shared with
the LlamaIndex tests in `_settings_cases`). Old names warn.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from aai_gateway import APIError
from aai_gateway.adapters import (
    CLIENT_SETTING_NAMES,
    CLIENT_SETTINGS,
    REQUEST_FIELD_NAMES,
    REQUEST_FIELDS,
)
from langchain_aai_gateway import TRANSCRIPT_TAG, AssemblyAILLM, ChatAssemblyAI
from langchain_aai_gateway.document_loaders import AssemblyAITranscriptLoader
from tests.langchain._settings_cases import (
    BAD_VALUES,
    CALL_BAD_TYPES,
    FIELD_BAD_VALUES,
    MODEL,
    PROBES,
    REQUEST_VALUES,
    SAMPLING_FIELDS,
    Wire,
    check_the_new_url_names,
    check_the_old_url_names,
    core_message,
    read_timeout,
    sent_value,
)
from tests.langchain.conftest import invoke_in, stream_in

MODELS = [ChatAssemblyAI, AssemblyAILLM]


@pytest.fixture
def wire() -> Iterator[Callable[..., Wire]]:
    made: list[Wire] = []

    def make(fail: bool = False) -> Wire:
        made.append(Wire(fail))
        return made[-1]

    yield make
    for wire in made:
        wire.close()


def test_the_shared_cases_cover_every_declaration() -> None:
    assert set(REQUEST_VALUES) == set(REQUEST_FIELD_NAMES)
    assert set(PROBES) == set(CLIENT_SETTING_NAMES)


@pytest.mark.parametrize("cls", MODELS)
def test_every_declaration_is_a_field_with_the_declared_default(cls: Any) -> None:
    fields = cls.model_fields
    for declared in (*CLIENT_SETTINGS, *REQUEST_FIELDS):
        assert declared.name in fields, declared.name
        if declared.name != "model":  # required here
            default = fields[declared.name].get_default(call_default_factory=True)
            assert default == declared.default, declared.name


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize("how", ["field", "call"])
def test_every_declared_request_field_reaches_the_body(
    mode: str, wire: Any, cls: Any, how: str
) -> None:
    gateway = wire()
    if how == "field":
        llm = cls(**REQUEST_VALUES, **gateway.options())
        invoke_in(mode, llm, f"Q: {TRANSCRIPT_TAG}")
    else:
        llm = cls(model=MODEL, **gateway.options())
        invoke_in(mode, llm, f"Q: {TRANSCRIPT_TAG}", **REQUEST_VALUES)
    [body] = gateway.bodies()
    for declared in REQUEST_FIELDS:
        assert sent_value(body, declared) == REQUEST_VALUES[declared.name], declared


@pytest.mark.parametrize("name", sorted(PROBES))
def test_every_declared_setting_reaches_the_core_client(
    mode: str, wire: Any, name: str
) -> None:
    probe = PROBES[name]
    gateway = wire(probe.fail)
    llm = ChatAssemblyAI(model=MODEL, **{**gateway.options(), **probe.settings})
    run = stream_in if probe.stream else invoke_in
    if probe.fail:
        with pytest.raises(APIError):
            run(mode, llm, probe.prompt)
    else:
        run(mode, llm, probe.prompt)
    assert probe.check(gateway.requests), [str(r.url) for r in gateway.requests]


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_bad_settings_fail_at_construction_as_the_core_says(
    cls: Any, name: str, value: Any
) -> None:
    message = core_message(name, value)
    settings = {"model": MODEL, name: value}
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        cls(**settings)


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize(
    ("name", "value", "message"), FIELD_BAD_VALUES + CALL_BAD_TYPES
)
def test_bad_field_values_fail_at_construction_and_per_call(
    mode: str, wire: Any, cls: Any, name: str, value: Any, message: str
) -> None:
    if (name, value, message) in FIELD_BAD_VALUES:
        with pytest.raises(ValueError, match=re.escape(message)):
            cls(model=MODEL, **{name: value})
    gateway = wire()
    llm = cls(model=MODEL, **gateway.options())
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        invoke_in(mode, llm, "Hi", **{name: value})
    assert gateway.requests == []


# -- sampling fields and reasoning_effort -----------------------------------------------


@pytest.mark.parametrize("cls", MODELS)
def test_sampling_settings_are_fields_not_model_kwargs(cls: Any) -> None:
    # Before they were fields, these went to `model_kwargs` with a warning (an
    # error here: the suite turns warnings into errors).
    values = {name: REQUEST_VALUES[name] for name in SAMPLING_FIELDS}
    llm = cls(model=MODEL, reasoning_effort="high", **values)
    assert llm.model_kwargs == {}
    assert {name: getattr(llm, name) for name in SAMPLING_FIELDS} == values
    assert llm.reasoning_effort == "high"


def test_reasoning_effort_is_sent_as_the_gateway_reasoning_object(
    mode: str, wire: Any
) -> None:
    gateway = wire()
    llm = ChatAssemblyAI(
        model=MODEL,
        reasoning={"max_tokens": 2048},
        reasoning_effort="medium",
        **gateway.options(),
    )
    invoke_in(mode, llm, "Hi")
    invoke_in(mode, llm, "Hi", reasoning_effort="high")
    first, second = gateway.bodies()
    assert first["reasoning"] == {"max_tokens": 2048, "effort": "medium"}
    assert "reasoning_effort" not in first
    # Per call, as every per-call field, it replaces the model's `reasoning`.
    assert second["reasoning"] == {"effort": "high"}


def test_reasoning_effort_disagreeing_with_reasoning_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"`reasoning_effort` \('high'\) and `reasoning`"
    ):
        ChatAssemblyAI(
            model=MODEL, reasoning={"effort": "low"}, reasoning_effort="high"
        )


@pytest.mark.parametrize("name", ["seed", "frequency_penalty", "presence_penalty"])
def test_a_sampling_field_the_catalogue_refuses_is_named_before_sending(
    mode: str, wire: Any, name: str
) -> None:
    gateway = wire()
    llm = ChatAssemblyAI(model=MODEL, top_p=0.5, **gateway.options())
    # The model's own core client, with the catalogue fetched (`Wire.CATALOGUE`:
    # `top_p` listed, `seed` and the penalties not).
    if mode == "sync":
        llm._sync_client().list_models()
    else:
        asyncio.run(llm._async_client().alist_models())
    with pytest.raises(ValueError, match=f"does not take `{name}`"):
        invoke_in(mode, llm, "Hi", **{name: REQUEST_VALUES[name]})
    assert [r.url.path for r in gateway.requests] == ["/v1/models"]
    invoke_in(mode, llm, "Hi")
    assert gateway.bodies()[-1]["top_p"] == 0.5


# -- one vocabulary; old names warn ----------------------------------------------------


def test_the_llama_index_names_are_taken_with_a_warning(wire: Any) -> None:
    http = wire().http_async_client
    with pytest.warns(DeprecationWarning, match="`transcript_tag_placement` now"):
        llm = ChatAssemblyAI(model=MODEL, transcript_placement="auto")
    assert llm.transcript_tag_placement == "auto"
    with pytest.warns(DeprecationWarning, match="`http_async_client` now"):
        llm = ChatAssemblyAI(model=MODEL, async_http_client=http)
    assert llm.http_async_client is http
    with pytest.raises(TypeError, match="only `transcript_tag_placement`"):
        ChatAssemblyAI(
            model=MODEL, transcript_placement="auto", transcript_tag_placement="auto"
        )


def test_a_setting_of_the_model_is_refused_per_call(mode: str, wire: Any) -> None:
    gateway = wire()
    llm = ChatAssemblyAI(model=MODEL, **gateway.options())
    with pytest.raises(TypeError, match="`transcript_tag_placement` is a setting"):
        invoke_in(mode, llm, "Hi", transcript_tag_placement="auto")
    assert gateway.requests == []


def test_a_per_call_timeout_goes_to_the_core_call(mode: str, wire: Any) -> None:
    gateway = wire()
    llm = ChatAssemblyAI(model=MODEL, timeout=60.0, **gateway.options())
    invoke_in(mode, llm, "Hi", timeout=3.0)
    assert read_timeout(gateway.requests[0]) == 3.0
    assert "timeout" not in gateway.bodies()[0]


def test_the_loader_takes_the_old_url_names_with_a_warning(
    emulator_server: Any, emulator: Any
) -> None:
    check_the_old_url_names(AssemblyAITranscriptLoader, emulator_server[1])


def test_the_loader_base_url_is_the_gateway(recwarn: pytest.WarningsRecorder) -> None:
    check_the_new_url_names(AssemblyAITranscriptLoader, recwarn)
