"""The model catalogue: `GET /v1/models` parsed, and a bundled offline table.

The live catalogue changes often (models come and go within the hour), so nothing
here treats the bundled table as the truth about which models exist: it only lets
the adapters report context windows and capabilities without a network call. The
live catalogue, when a client has fetched it, wins.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One catalogue entry.

    Attributes:
        id: The model id to send as `model`.
        supported_parameters: The request parameters the gateway accepts for this
            model, or `None` when unknown.
        available_regions: Where it runs (`us`, `eu`, `global`).
        raw: The entry as sent, unknown keys included.
    """

    id: str
    name: str | None = None
    creator: str | None = None
    context_length: int | None = None
    max_completion_tokens: int | None = None
    supported_parameters: frozenset[str] | None = None
    available_regions: tuple[str, ...] = ()
    retirement_date: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def supports(self, parameter: str) -> bool | None:
        """Whether the model takes `parameter`; `None` when the catalogue does not say."""
        if self.supported_parameters is None:
            return None
        return parameter in self.supported_parameters


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: object) -> tuple[str, ...]:
    # The gateway's encoder sends null for empty lists.
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def parse_model(entry: Mapping[str, Any]) -> ModelInfo | None:
    """Parse one entry; entries without a string `id` are skipped."""
    model_id = entry.get("id")
    if not isinstance(model_id, str) or not model_id:
        return None
    top = entry.get("top_provider")
    top = top if isinstance(top, Mapping) else {}
    params = entry.get("supported_parameters")
    return ModelInfo(
        id=model_id,
        name=_opt_str(entry.get("name")),
        creator=_opt_str(entry.get("creator")),
        context_length=_opt_int(entry.get("context_length"))
        or _opt_int(top.get("context_length")),
        max_completion_tokens=_opt_int(top.get("max_completion_tokens")),
        supported_parameters=frozenset(_strings(params))
        if isinstance(params, list)
        else None,
        available_regions=_strings(entry.get("available_regions")),
        retirement_date=_opt_int(entry.get("retirement_date")),
        raw=entry,
    )


def parse_models(body: object) -> list[ModelInfo]:
    """Parse a `GET /v1/models` body (`{"data": [...]}`; `data` may be null).

    Raises:
        ValueError: the body is not a JSON object.
    """
    if not isinstance(body, Mapping):
        msg = "the model catalogue is not a JSON object"
        raise ValueError(msg)
    entries = body.get("data")
    if not isinstance(entries, list):
        return []
    parsed = (parse_model(e) for e in entries if isinstance(e, Mapping))
    return [m for m in parsed if m is not None]


@dataclass(frozen=True, slots=True)
class ModelCapabilities:
    """What is known about a model family without asking the gateway.

    Attributes:
        context_window: Input plus output tokens.
        max_output_tokens: The provider's output cap.
        unsupported: Request parameters the gateway rejects for this family.
    """

    context_window: int
    max_output_tokens: int | None = None
    unsupported: frozenset[str] = frozenset()

    def supports(self, parameter: str) -> bool:
        """Whether the family takes `parameter` (unknown parameters count as taken)."""
        return parameter not in self.unsupported


_NO_JSON_SCHEMA = frozenset({"response_format"})
_NO_STREAM = frozenset({"stream", "response_format"})

# Longest matching prefix wins. Figures from the providers' published limits and the
# gateway catalogue snapshots in the wire notes (section 10).
_FAMILIES: tuple[tuple[str, ModelCapabilities], ...] = (
    ("claude-opus-5", ModelCapabilities(200_000, 64_000, _NO_JSON_SCHEMA)),
    (
        "claude-sonnet-5",
        ModelCapabilities(
            200_000, 64_000, frozenset({"response_format", "temperature"})
        ),
    ),
    ("claude-opus-4-7", ModelCapabilities(200_000, 64_000, _NO_JSON_SCHEMA)),
    ("claude-opus-4-8", ModelCapabilities(200_000, 64_000, _NO_JSON_SCHEMA)),
    ("claude-opus-4", ModelCapabilities(200_000, 32_000)),
    ("claude-sonnet-4", ModelCapabilities(200_000, 64_000)),
    ("claude-haiku-4", ModelCapabilities(200_000, 64_000)),
    ("claude-3", ModelCapabilities(200_000, 4_096, _NO_JSON_SCHEMA)),
    ("gpt-oss-", ModelCapabilities(131_072, 32_768, _NO_STREAM)),
    ("gpt-4.1", ModelCapabilities(1_047_576, 32_768, _NO_JSON_SCHEMA)),
    ("gpt-5", ModelCapabilities(400_000, 128_000)),
    ("gpt-6-astra", ModelCapabilities(400_000, 128_000, _NO_JSON_SCHEMA)),
    ("gpt-6", ModelCapabilities(400_000, 128_000)),
    ("gemini-2.5", ModelCapabilities(1_048_576, 65_536)),
    ("gemini-3", ModelCapabilities(1_048_576, 65_536)),
    ("gemma-4", ModelCapabilities(131_072, 8_192)),
    (
        "qwen3.5-4b-32k-fast",
        ModelCapabilities(
            32_768, 8_192, frozenset({"tools", "tool_choice", "response_format"})
        ),
    ),
    ("qwen3-next-80b", ModelCapabilities(262_144, 32_768)),
    ("qwen3-32b", ModelCapabilities(131_072, 32_768)),
    ("kimi-k2", ModelCapabilities(262_144, 32_768)),
)


@functools.lru_cache(maxsize=256)
def known_capabilities(model: str) -> ModelCapabilities | None:
    """The bundled capabilities of a model id, or `None` for an unknown family.

    Cached: every request asks, and an application uses a handful of model ids.
    """
    lowered = model.lower()
    best: tuple[int, ModelCapabilities] | None = None
    for prefix, caps in _FAMILIES:
        if lowered.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), caps)
    return best[1] if best else None
