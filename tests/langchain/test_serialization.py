"""LangChain serialization (`dumpd` / `dumps` / `load`) of both LangChain models.

langchain-core 1.x loads a third-party class only when the caller names it
(`allowed_objects=[ChatAssemblyAI]`) and its package (`valid_namespaces`); the key
is dumped as a reference to `ASSEMBLYAI_API_KEY` and comes back from `secrets_map`
or, with `secrets_from_env=True`, from the environment. This is the equivalent of
the standard `test_serdes`, which cannot pass with a third-party class (see
`test_standard_unit.py`).
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from langchain_core.load import dumpd, dumps, load, loads

from langchain_aai_gateway import AssemblyAILLM, ChatAssemblyAI
from tests.conftest import TEST_KEY
from tests.langchain._settings_cases import MODEL, Wire
from tests.langchain.conftest import invoke_in

# `load` is in beta in langchain-core 1.x and says so, once per process.
pytestmark = pytest.mark.filterwarnings(
    "ignore::langchain_core._api.beta_decorator.LangChainBetaWarning"
)

MODELS = [ChatAssemblyAI, AssemblyAILLM]
SETTINGS: dict[str, Any] = {
    "model": MODEL,
    "temperature": 0.2,
    "top_p": 0.9,
    "reasoning_effort": "low",
    "max_retries": 4,
    "base_url": "https://gw.test/v1",
    "fallbacks": [{"model": "gpt-5"}],
}
_SECRET = {"lc": 1, "type": "secret", "id": ["ASSEMBLYAI_API_KEY"]}


def _load(data: Any, cls: type, **options: Any) -> Any:
    return load(
        data,
        allowed_objects=[cls],
        valid_namespaces=["langchain_aai_gateway"],
        **options,
    )


@pytest.mark.parametrize("cls", MODELS)
def test_the_dump_names_the_class_and_keeps_the_key_out(cls: Any) -> None:
    model = cls(api_key=TEST_KEY, **SETTINGS)
    data = dumpd(model)
    module = "chat_models" if cls is ChatAssemblyAI else "llms"
    assert cls.is_lc_serializable()
    assert cls.get_lc_namespace() == ["langchain_aai_gateway", module]
    assert data["id"] == ["langchain_aai_gateway", module, cls.__name__]
    assert data["kwargs"]["api_key"] == _SECRET
    assert TEST_KEY not in json.dumps(data)
    assert TEST_KEY not in dumps(model)
    for name, value in SETTINGS.items():
        assert data["kwargs"][name] == value, name


@pytest.mark.parametrize("cls", MODELS)
def test_a_round_trip_with_the_key_from_secrets_map(cls: Any) -> None:
    model = cls(api_key=TEST_KEY, **SETTINGS)
    again = _load(dumpd(model), cls, secrets_map={"ASSEMBLYAI_API_KEY": "other-key"})
    assert type(again) is cls
    assert again.api_key.get_secret_value() == "other-key"
    for name, value in SETTINGS.items():
        assert getattr(again, name) == value, name


@pytest.mark.parametrize("cls", MODELS)
def test_a_round_trip_with_the_key_from_the_environment(
    cls: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = dumps(cls(api_key=TEST_KEY, **SETTINGS))
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "env-key")
    again = loads(
        text,
        allowed_objects=[cls],
        valid_namespaces=["langchain_aai_gateway"],
        secrets_from_env=True,
    )
    assert again.api_key.get_secret_value() == "env-key"
    assert again.top_p == SETTINGS["top_p"]


def test_the_loaded_model_sends_its_settings_with_the_given_key(mode: str) -> None:
    wire = Wire()
    model = ChatAssemblyAI(model=MODEL, api_key=TEST_KEY, top_p=0.9, seed=3)
    again = _load(
        dumpd(model), ChatAssemblyAI, secrets_map={"ASSEMBLYAI_API_KEY": "k2"}
    )
    # The user's HTTP clients are never dumped: the copy is given the wire's.
    options = {k: v for k, v in wire.options().items() if k != "api_key"}
    try:
        invoke_in(mode, again.model_copy(update=options), "Hi")
    finally:
        wire.close()
    [request] = wire.requests
    assert request.headers["authorization"] == "k2"
    body = json.loads(request.content)
    assert (body["top_p"], body["seed"]) == (0.9, 3)


def test_load_without_naming_the_class_is_refused() -> None:
    data = dumpd(ChatAssemblyAI(model=MODEL, api_key=TEST_KEY))
    with pytest.raises(ValueError, match="is not allowed"):
        load(data, allowed_objects="all", valid_namespaces=["langchain_aai_gateway"])


@pytest.mark.parametrize("cls", MODELS)
def test_pickles_still_carry_no_key_and_no_client(cls: Any) -> None:
    model = cls(model=MODEL, api_key=TEST_KEY)
    dumpd(model)  # serializing first changes nothing about the pickle
    blob = pickle.dumps(model)
    assert TEST_KEY.encode() not in blob
    again = pickle.loads(blob)
    assert again.api_key is None
    assert again.http_client is None
