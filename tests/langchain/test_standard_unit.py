"""LangChain's standard unit suite for `ChatAssemblyAI` (no network)."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_aai_gateway import ChatAssemblyAI


class TestChatAssemblyAIUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatAssemblyAI]:
        return ChatAssemblyAI

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "claude-sonnet-4-6"}

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"ASSEMBLYAI_API_KEY": "test-key"},
            {"model": "claude-sonnet-4-6"},
            {"api_key": "test-key"},
        )
