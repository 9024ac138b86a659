"""LangChain's standard unit suite for `ChatAssemblyAI` (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.unit_tests import ChatModelUnitTests
from syrupy.assertion import SnapshotAssertion

from langchain_aai_gateway import ChatAssemblyAI

# `test_bind_tool_pydantic` binds four tools with `tool_choice="any"`: the gateway
# documents no way to force one of several, so "auto" is sent with a UserWarning
# (asserted with `pytest.warns` in test_documented_body.py). The standard test only
# checks the binding, and the suite forbids wrapping it, so that one warning is let
# through here.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:`tool_choice='any'` with \d+ tools:UserWarning"
)


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

    @pytest.mark.xfail(
        reason="langchain-core 1.8.3's `load(..., allowed_objects='all')` lets "
        "through only the classes in its own mapping, so a third-party class "
        "cannot load this way; the explicit call (`allowed_objects=[ChatAssemblyAI]`, "
        "`valid_namespaces=['langchain_aai_gateway']`) is tested in "
        "tests/langchain/test_serialization.py",
        raises=ValueError,
        strict=True,
    )
    @pytest.mark.filterwarnings(
        # Before it reaches `load`, the standard test calls the deprecated
        # `model.dict()`, and `load` is in beta: neither is the failure shown.
        "ignore::langchain_core._api.deprecation.LangChainDeprecationWarning",
        "ignore::langchain_core._api.beta_decorator.LangChainBetaWarning",
    )
    def test_serdes(self, model: BaseChatModel, snapshot: SnapshotAssertion) -> None:
        super().test_serdes(model, snapshot)
