"""`AssemblyAILLM`: the gateway's `prompt` field, sync and async, streamed and not."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import PromptTemplate

from langchain_aai_gateway import TRANSCRIPT_TAG, AssemblyAILLM, ChatAssemblyAI
from langchain_aai_gateway._common import GatewayModelMixin
from tests.langchain.conftest import (
    MODEL,
    invoke_in,
    json_handler,
    stream_handler,
    stream_in,
)
from tests.langchain.test_chat_models import STREAM_EVENTS

TRANSCRIPT = "5d8e2c1a-4b7f-4e2a-9c3d-1f6a8b0e7d21"


class _Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:  # type: ignore[override]
        self.tokens.append(token)


def test_shares_the_chat_models_fields_and_plumbing() -> None:
    assert issubclass(AssemblyAILLM, GatewayModelMixin)
    assert issubclass(ChatAssemblyAI, GatewayModelMixin)
    assert set(AssemblyAILLM.model_fields) >= set(GatewayModelMixin.model_fields)


def test_prompt_field_and_overrides(mode: str, fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler())
    llm = AssemblyAILLM(
        model=MODEL, max_tokens=20, transcript_id=TRANSCRIPT, **gateway.options()
    )
    text = invoke_in(mode, llm, f"{TRANSCRIPT_TAG} Who?", model="gpt-5", stop=["x"])
    assert text == "Hello."
    assert gateway.bodies() == [
        {
            "model": "gpt-5",
            # With a transcript, the prompt goes as the user message it is
            # documented to become (tag substitution in `prompt` is unconfirmed).
            "messages": [{"role": "user", "content": f"{TRANSCRIPT_TAG} Who?"}],
            "max_tokens": 20,
            "stop": ["x"],
            "transcript_id": TRANSCRIPT,
        }
    ]


def test_generation_info(fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler())
    result = AssemblyAILLM(model=MODEL, **gateway.options()).generate(["Hi", "There"])
    assert len(result.generations) == 2
    info = result.generations[0][0].generation_info
    assert info is not None
    assert info["model_name"] == "claude-sonnet-4-6"
    assert info["finish_reason"] == "stop"
    assert info["usage_metadata"]["total_tokens"] == 7


def test_stream_fires_token_callbacks(mode: str, fake_gateway: Any) -> None:
    gateway = fake_gateway(stream_handler(*STREAM_EVENTS))
    handler = _Tokens()
    llm = AssemblyAILLM(model=MODEL, **gateway.options())
    pieces = stream_in(mode, llm, "Hi", config={"callbacks": [handler]})
    assert pieces == ["Hel", "lo", ""]
    assert handler.tokens == ["Hel", "lo", ""]


def test_invoke_streams_when_streaming_is_set(mode: str, fake_gateway: Any) -> None:
    gateway = fake_gateway(stream_handler(*STREAM_EVENTS))
    handler = _Tokens()
    llm = AssemblyAILLM(model=MODEL, streaming=True, **gateway.options())
    assert invoke_in(mode, llm, "Hi", config={"callbacks": [handler]}) == "Hello"
    assert handler.tokens[:2] == ["Hel", "lo"]


def test_prompt_template_chain_with_transcript(mode: str, fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler())
    prompt = PromptTemplate.from_template("{transcript} Who spoke first?").partial(
        transcript=TRANSCRIPT_TAG
    )
    chain = (
        prompt
        | AssemblyAILLM(model=MODEL, **gateway.options()).with_transcript(TRANSCRIPT)
        | StrOutputParser()
    )
    assert invoke_in(mode, chain, {}) == "Hello."
    assert gateway.bodies()[0]["messages"] == [
        {"role": "user", "content": f"{TRANSCRIPT_TAG} Who spoke first?"}
    ]


def test_fstring_mangled_tag_is_explained(fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler())
    prompt = PromptTemplate.from_template("{{ transcript }} Who spoke first?")
    chain = prompt | AssemblyAILLM(
        model=MODEL, transcript_id=TRANSCRIPT, **gateway.options()
    )
    with pytest.raises(ValueError, match=r"'\{ transcript \}'"):
        chain.invoke({})
    assert gateway.requests == []


def test_auto_tag_placement_for_prompts(fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler())
    llm = AssemblyAILLM(
        model=MODEL,
        transcript_id=TRANSCRIPT,
        transcript_tag_placement="auto",
        **gateway.options(),
    )
    llm.invoke("Who spoke first?")
    [message] = gateway.bodies()[0]["messages"]
    assert TRANSCRIPT_TAG in message["content"]


def test_ls_params_and_identity() -> None:
    llm = AssemblyAILLM(model=MODEL, temperature=0.0, api_key="sk-secret")  # type: ignore[arg-type]
    assert llm._get_ls_params(model="gpt-5")["ls_model_name"] == "gpt-5"
    assert llm._get_ls_params()["ls_model_type"] == "llm"
    assert llm._llm_type == "assemblyai-gateway-llm"
    assert llm._identifying_params["model_name"] == MODEL
    assert "sk-secret" not in repr(llm)
