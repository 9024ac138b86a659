"""Everything the emulator's routes share: settings, stores, queues and auth."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from aai_gateway.testing._catalog_data import ModelSpec, region_models
from aai_gateway.testing._chat import Shape
from aai_gateway.testing._faults import FaultQueue
from aai_gateway.testing._ratelimit import RateLimiter
from aai_gateway.testing._recording import RequestLog
from aai_gateway.testing._transcription import AudioLibrary
from aai_gateway.testing._transcripts import TranscriptStore
from aai_gateway.testing._unconfirmed import STRICT, Profile

Region = Literal["us", "eu"]


def read_api_key(headers: Mapping[str, str]) -> str | None:
    """The key in `Authorization: <key>` or `Authorization: Bearer <key>`, or `None`."""
    value = headers.get("authorization", "").strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value or None


@dataclass
class EmulatorState:
    """The mutable state behind one emulator and its settings."""

    api_keys: frozenset[str]
    region: Region
    shape: Shape
    rate_limit: int | None
    response_delay: float = 0.0
    retry_delay: float = 0.5
    profile: Profile = STRICT
    faults: FaultQueue = field(default_factory=FaultQueue)
    log: RequestLog = field(default_factory=RequestLog)
    store: TranscriptStore = field(default_factory=TranscriptStore)
    audio: AudioLibrary = field(default_factory=AudioLibrary)
    queue_delay: float = 0.0
    transcription_delay: float = 0.0
    limiter: RateLimiter = field(init=False)
    models: dict[str, ModelSpec] = field(init=False)

    def __post_init__(self) -> None:
        if self.region not in ("us", "eu"):
            msg = f"`region` must be 'us' or 'eu', got {self.region!r}"
            raise ValueError(msg)
        self.limiter = RateLimiter(self.rate_limit)
        self.models = region_models(self.region)

    def authenticate(self, headers: Mapping[str, str]) -> str | None:
        """The caller's key when it is one of the emulator's keys, else `None`."""
        key = read_api_key(headers)
        return key if key is not None and key in self.api_keys else None
