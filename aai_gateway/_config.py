"""Names, hosts and defaults shared by every part of the client."""

from __future__ import annotations

import ssl
from functools import lru_cache
from typing import Literal

import httpx

Region = Literal["us", "eu"]

API_KEY_ENV = "ASSEMBLYAI_API_KEY"
"""The environment variable the API key is read from when none is passed."""

BASE_URL_ENV = "ASSEMBLYAI_LLM_GATEWAY_BASE_URL"
"""Optional override of the gateway base URL (for example an emulator)."""

GATEWAY_BASE_URLS: dict[Region, str] = {
    "us": "https://llm-gateway.assemblyai.com/v1",
    "eu": "https://llm-gateway.eu.assemblyai.com/v1",
}
TRANSCRIPT_API_BASE_URLS: dict[Region, str] = {
    "us": "https://api.assemblyai.com",
    "eu": "https://api.eu.assemblyai.com",
}

TRANSCRIPT_TAG = "{{ transcript }}"
"""The exact tag the gateway replaces with a transcript's text (spec section 3.4)."""

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_STREAM_CHUNK_TIMEOUT = 120.0
"""The longest wait for the next event of a stream, in seconds (as langchain-openai)."""
DEFAULT_MAX_TOKENS = 1000
"""What the gateway uses when a request sets no `max_tokens`."""

MAX_RETRY_AFTER = 60.0
"""A server-requested wait longer than this (seconds) is not waited for."""

DEFAULT_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)

USER_AGENT = "aai-gateway-python"


@lru_cache(maxsize=1)
def shared_ssl_context() -> ssl.SSLContext:
    """One SSL context for every client this process builds.

    Loading the certificate store costs tens of milliseconds, so it is done once,
    on the first request that needs it, and never in a constructor.
    """
    return ssl.create_default_context()


def resolve_base_url(base_url: str | None, region: Region | None) -> str:
    """The gateway base URL: an explicit one wins, then the region's host.

    Raises:
        ValueError: `region` is neither `"us"` nor `"eu"`.
    """
    if region is not None and region not in GATEWAY_BASE_URLS:
        msg = f"`region` must be 'us' or 'eu', got {region!r}"
        raise ValueError(msg)
    if base_url:
        return base_url.rstrip("/")
    return GATEWAY_BASE_URLS[region or "us"]


def coerce_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    """Turn a float (seconds for every phase but connect) into an `httpx.Timeout`.

    Raises:
        ValueError: a number that is not positive.
    """
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or timeout <= 0
    ):
        msg = f"`timeout` must be a positive number of seconds or an httpx.Timeout, got {timeout!r}"
        raise ValueError(msg)
    return httpx.Timeout(float(timeout), connect=min(float(timeout), 5.0))
