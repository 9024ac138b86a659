"""The emulator's model catalogue (`GET /v1/models`), US and EU.

The entries follow the live catalogue's shape (spec section 8) and the capability
rules of spec section 10.3: every model streams except `gpt-oss-*`; every model
takes tools except `qwen3.5-4b-32k-fast`; `response_format` is missing for
`claude-sonnet-5`, `gpt-4.1`, `gpt-oss-*` and `qwen3.5-4b-32k-fast`;
`claude-sonnet-5` takes no `temperature` either. Prices are USD per 1M tokens.
The EU catalogue holds only the Claude and Gemini models (spec section 10.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Family = Literal["anthropic", "google", "openai"]
"""Which provider's native `finish_reason` values a model uses."""

_CLAUDE = (
    "max_tokens",
    "temperature",
    "top_p",
    "stop",
    "tools",
    "tool_choice",
    "response_format",
    "stream",
)
_CLAUDE_5 = ("max_tokens", "stop", "tools", "tool_choice", "stream")
_GPT = (
    "max_tokens",
    "temperature",
    "top_p",
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "stream",
)
_GPT_41 = tuple(p for p in _GPT if p != "response_format")
_GPT_OSS = ("max_tokens", "temperature", "top_p", "stop", "tools", "tool_choice")
_GEMINI = (
    "max_tokens",
    "temperature",
    "top_p",
    "stop",
    "seed",
    "tools",
    "tool_choice",
    "response_format",
    "stream",
)
_QWEN_FAST = (
    "max_tokens",
    "temperature",
    "top_p",
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "stream",
)
_KIMI = (
    "max_tokens",
    "temperature",
    "top_p",
    "stop",
    "tools",
    "tool_choice",
    "response_format",
    "stream",
)

_PROVIDERS = {
    "anthropic": {"id": "bedrock", "name": "Amazon Bedrock"},
    "openai": {"id": "open_ai", "name": "OpenAI"},
    "google": {"id": "vertex", "name": "Google Vertex AI"},
    "qwen": {"id": "assemblyai", "name": "AssemblyAI"},
    "moonshotai": {"id": "fireworks", "name": "Fireworks"},
}
_FAMILIES: dict[str, Family] = {"anthropic": "anthropic", "google": "google"}
_EU_CREATORS = frozenset({"anthropic", "google"})


@dataclass(frozen=True)
class ModelSpec:
    """One catalogue entry, as the emulator needs it."""

    id: str
    name: str
    creator: str
    context_length: int
    max_completion_tokens: int
    supported_parameters: tuple[str, ...]
    prices: tuple[float, float]
    regions: tuple[str, ...] = ("us", "eu", "global")

    @property
    def family(self) -> Family:
        """The provider family whose `finish_reason` values this model uses."""
        return _FAMILIES.get(self.creator, "openai")

    def supports(self, parameter: str) -> bool:
        """Whether `parameter` is in the model's `supported_parameters`."""
        return parameter in self.supported_parameters

    def pricing(self) -> dict[str, Any]:
        """USD per 1M tokens: `global`, plus `us`/`eu` (10% more) where offered."""
        prompt, completion = self.prices
        cached = {"input_cache_read": round(prompt * 0.1, 4)}
        cached.update(input_cache_write=round(prompt * 1.25, 4))
        cached.update(input_cache_write_1h=round(prompt * 2, 4))
        pricing: dict[str, Any] = {
            "global": {"prompt": prompt, "completions": completion, **cached},
            "regional_increase_percent": 10,
        }
        for region in ("us", "eu"):
            if region in self.regions:
                pricing[region] = {
                    "prompt": round(prompt * 1.1, 4),
                    "completions": round(completion * 1.1, 4),
                }
        return pricing

    def to_wire(self) -> dict[str, Any]:
        """The model as `GET /v1/models` lists it."""
        provider = _PROVIDERS[self.creator]
        top = {"is_moderated": False, "context_length": self.context_length}
        top["max_completion_tokens"] = self.max_completion_tokens
        return {
            "id": self.id,
            "name": self.name,
            "description": f"{self.name} through AssemblyAI's LLM Gateway.",
            "creator": self.creator,
            "context_length": self.context_length,
            "supported_parameters": list(self.supported_parameters),
            "default_parameters": {
                "temperature": 1.0,
                "top_p": 1.0,
                "frequency_penalty": 0,
            },
            "top_provider": top,
            "pricing": self.pricing(),
            "retirement_date": 0,
            "available_regions": list(self.regions),
            "providers": [dict(provider)],
            "default_provider": dict(provider),
        }


_US_ONLY = ("us", "global")
MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "claude-opus-4-6",
        "Claude Opus 4.6",
        "anthropic",
        200_000,
        32_000,
        _CLAUDE,
        (5.0, 25.0),
    ),
    ModelSpec(
        "claude-sonnet-4-6",
        "Claude Sonnet 4.6",
        "anthropic",
        200_000,
        64_000,
        _CLAUDE,
        (3.0, 15.0),
    ),
    ModelSpec(
        "claude-sonnet-4-5-20250929",
        "Claude Sonnet 4.5",
        "anthropic",
        200_000,
        64_000,
        _CLAUDE,
        (3.0, 15.0),
    ),
    ModelSpec(
        "claude-haiku-4-5-20251001",
        "Claude Haiku 4.5",
        "anthropic",
        200_000,
        64_000,
        _CLAUDE,
        (1.0, 5.0),
    ),
    ModelSpec(
        "claude-sonnet-5",
        "Claude Sonnet 5",
        "anthropic",
        400_000,
        64_000,
        _CLAUDE_5,
        (3.0, 15.0),
    ),
    ModelSpec(
        "gpt-5", "GPT-5", "openai", 400_000, 128_000, _GPT, (1.25, 10.0), _US_ONLY
    ),
    ModelSpec(
        "gpt-5-mini",
        "GPT-5 mini",
        "openai",
        400_000,
        128_000,
        _GPT,
        (0.25, 2.0),
        _US_ONLY,
    ),
    ModelSpec(
        "gpt-5-nano",
        "GPT-5 nano",
        "openai",
        400_000,
        128_000,
        _GPT,
        (0.05, 0.4),
        _US_ONLY,
    ),
    ModelSpec(
        "gpt-4.1", "GPT-4.1", "openai", 1_047_576, 32_768, _GPT_41, (2.0, 8.0), _US_ONLY
    ),
    ModelSpec(
        "gpt-oss-20b",
        "gpt-oss-20b",
        "openai",
        131_072,
        32_768,
        _GPT_OSS,
        (0.07, 0.3),
        _US_ONLY,
    ),
    ModelSpec(
        "gpt-oss-120b",
        "gpt-oss-120b",
        "openai",
        131_072,
        32_768,
        _GPT_OSS,
        (0.15, 0.6),
        _US_ONLY,
    ),
    ModelSpec(
        "gemini-2.5-flash",
        "Gemini 2.5 Flash",
        "google",
        1_048_576,
        65_535,
        _GEMINI,
        (0.3, 2.5),
    ),
    ModelSpec(
        "gemini-2.5-pro",
        "Gemini 2.5 Pro",
        "google",
        1_048_576,
        65_535,
        _GEMINI,
        (1.25, 10.0),
    ),
    ModelSpec(
        "gemini-3-pro-preview",
        "Gemini 3 Pro Preview",
        "google",
        1_048_576,
        65_535,
        _GEMINI,
        (2.0, 12.0),
    ),
    ModelSpec(
        "qwen3.5-4b-32k-fast",
        "Qwen3.5 4B 32K Fast",
        "qwen",
        32_768,
        8_192,
        _QWEN_FAST,
        (0.05, 0.2),
        ("us",),
    ),
    ModelSpec(
        "kimi-k2.5",
        "Kimi K2.5",
        "moonshotai",
        262_144,
        32_768,
        _KIMI,
        (0.6, 2.5),
        _US_ONLY,
    ),
)


def region_models(region: str) -> dict[str, ModelSpec]:
    """The models offered on the `region` host (`"us"` or `"eu"`), by id."""
    if region == "eu":
        return {m.id: m for m in MODELS if m.creator in _EU_CREATORS}
    return {m.id: m for m in MODELS}
