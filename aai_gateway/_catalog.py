"""The model catalogue: `GET /v1/models` parsed, and a bundled offline table.

The live catalogue changes often (models come and go within the hour), so nothing
here treats the bundled tables as the truth about which models exist: they only let
the adapters report context windows and capabilities without a network call, and an
error for an unknown model suggest a close id ("did you mean"). The live catalogue,
when a client has fetched it, wins.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aai_gateway._config import Region

PriceRegion = Literal["us", "eu", "global"]
"""Where a request ran, for its price: in-region (`us`, `eu`) or `global` routing."""


@dataclass(frozen=True, slots=True)
class TokenPrices:
    """One pricing tier of a model, USD per 1M tokens (gateway-spec section 8).

    Attributes:
        prompt: Uncached prompt tokens.
        completion: Output tokens (the catalogue's `completions`).
        cache_read: Prompt tokens read from the cache (`input_cache_read`).
        cache_write: Prompt tokens written with the 5-minute TTL (`input_cache_write`).
        cache_write_1h: Prompt tokens written with the 1-hour TTL.
    """

    prompt: float
    completion: float
    cache_read: float | None = None
    cache_write: float | None = None
    cache_write_1h: float | None = None


@dataclass(frozen=True, slots=True)
class ModelPricing:
    """A model's `pricing` object: its tiers and the in-region increase.

    Attributes:
        tiers: `global` and, where listed, `us` and `eu`.
        regional_increase: The in-region increase as a fraction (`0.1` is 10 %),
            or `None` when the catalogue does not state it.
    """

    tiers: Mapping[str, TokenPrices]
    regional_increase: float | None = None


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
    pricing: ModelPricing | None = field(default=None, compare=False)
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
        pricing=parse_pricing(entry.get("pricing")),
        raw=entry,
    )


def _price(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if value >= 0 else None


def _tier(value: object) -> TokenPrices | None:
    tier = value if isinstance(value, Mapping) else {}
    prompt, completion = _price(tier.get("prompt")), _price(tier.get("completions"))
    if prompt is None or completion is None:
        return None
    return TokenPrices(
        prompt=prompt,
        completion=completion,
        cache_read=_price(tier.get("input_cache_read")),
        cache_write=_price(tier.get("input_cache_write")),
        cache_write_1h=_price(tier.get("input_cache_write_1h")),
    )


def _increase(value: object) -> float | None:
    """`regional_increase_percent` as a fraction.

    Its unit is open (gateway-spec section 16.13: `10` and `0.1` were both
    seen): 1 or more reads as a percentage, less than 1 as a fraction.
    """
    number = _price(value)
    if number is None:
        return None
    return number / 100 if number >= 1 else number


def parse_pricing(value: object) -> ModelPricing | None:
    """A catalogue entry's `pricing` (USD per 1M tokens), or `None` without prices."""
    if not isinstance(value, Mapping):
        return None
    tiers = {
        name: tier
        for name in ("global", "us", "eu")
        if (tier := _tier(value.get(name))) is not None
    }
    if not tiers:
        return None
    return ModelPricing(tiers, _increase(value.get("regional_increase_percent")))


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


# Model ids per region host, from the wire notes (sections 10.1, 10.2 and 10.4):
# the EU host offers the Claude and Gemini models only. Retired ids are left out,
# so no suggestion points at a model that is gone.
_CLAUDE_IDS = (
    "claude-opus-5-5",
    "claude-opus-5",
    "claude-sonnet-5",
    "claude-opus-4-8",
    "claude-opus-4-7",
    "claude-opus-4-6",
    "claude-sonnet-4-6",
    "claude-opus-4-5-20251101",
    "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5-20251001",
)
_GEMINI_IDS = (
    "gemini-3.7-flash",
    "gemini-3.6-flash",
    "gemini-3.5-flash",
    "gemini-3.5-flash-lite",
    "gemini-3-pro-preview",
    "gemini-3-flash-preview",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
)
_US_ONLY_IDS = (
    "gemini-3.1-flash-lite-preview",
    "gpt-5.6-sol",
    "gpt-5.6-terra",
    "gpt-5.6-luna",
    "gpt-5.5",
    "gpt-5.2",
    "gpt-5.1",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "gpt-4.1",
    "gpt-oss-120b",
    "gpt-oss-20b",
    "qwen3.5-4b-32k-fast",
    "qwen3-next-80b-a3b",
    "qwen3-32B",
    "kimi-k2.5",
    "gemma-4-31b",
)
BUNDLED_MODEL_IDS: Mapping[Region, tuple[str, ...]] = {
    "us": (*_CLAUDE_IDS, *_GEMINI_IDS, *_US_ONLY_IDS),
    "eu": (*_CLAUDE_IDS, *_GEMINI_IDS),
}
"""The model ids each region's gateway offered when this release was made."""


def bundled_model_ids(region: Region | None = None) -> tuple[str, ...]:
    """The bundled model ids of `region`; of every region for `None` (another host)."""
    if region is not None:
        return BUNDLED_MODEL_IDS[region]
    return tuple(dict.fromkeys(i for ids in BUNDLED_MODEL_IDS.values() for i in ids))


_NEAR_BEST = 0.05
"""How much less alike than the best match another suggestion may be."""


def suggest_models(
    model: str, candidates: Iterable[str], *, limit: int = 3
) -> list[str]:
    """The ids among `candidates` closest to `model`, best first (`difflib`).

    Case is ignored when comparing. Only ids about as close as the closest one are
    kept, so a plain typo gets one answer; `model` itself is never suggested.
    """
    folded = model.casefold()
    by_folded = {c.casefold(): c for c in candidates}
    close = difflib.get_close_matches(folded, by_folded, n=limit, cutoff=0.6)
    scores = [difflib.SequenceMatcher(None, folded, c).ratio() for c in close]
    best = max(scores, default=0.0)
    return [
        by_folded[c]
        for c, score in zip(close, scores, strict=True)
        if score >= best - _NEAR_BEST and by_folded[c] != model
    ]


def unknown_model_hint(
    model: str,
    region: Region | None = None,
    *,
    model_ids: Iterable[str] | None = None,
) -> str | None:
    """What to tell a caller whose `model` the gateway did not take: one sentence, or `None`.

    A model the bundled catalogue places in another region gets that said; an id
    it does not know gets the closest known ids; an id it knows gets nothing.

    Args:
        model: The id the gateway refused.
        region: The region of the host that refused it (`None`: another host, such
            as an emulator or a proxy).
        model_ids: The ids to suggest from (a fetched catalogue); default the
            bundled ones of `region`.
    """
    ids = tuple(model_ids) if model_ids is not None else bundled_model_ids(region)
    homes = [r for r, known in BUNDLED_MODEL_IDS.items() if model in known]
    where = "/".join(homes).upper()
    if model in ids:
        if region is None and 0 < len(homes) < len(BUNDLED_MODEL_IDS):
            return (
                f"The bundled catalogue has `{model}` in the {where} region only: "
                "is the client pointed at that region's gateway?"
            )
        return None
    if region is not None and homes:
        return (
            f"`{model}` is offered in the {where} region only, not in "
            f"{region.upper()}: set `region` (or `base_url`) to match."
        )
    matches = suggest_models(model, ids)
    if not matches:
        return None
    names = " or ".join(f"`{m}`" for m in matches)
    return f"Instead of `{model}`, did you mean {names}?"
