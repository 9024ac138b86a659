"""Names, hosts and defaults shared by every part of the client.

Three environment variables move a whole program without code (an emulator, a
proxy). The official `assemblyai` SDK reads the same names, so a value set for
one works for the other:

| Variable | Meaning | Overridden by |
| --- | --- | --- |
| `ASSEMBLYAI_LLM_GATEWAY_BASE_URL` | the gateway, with or without `/v1` | `base_url=` |
| `ASSEMBLYAI_LLM_GATEWAY_HTTP_TIMEOUT` | seconds per request | `timeout=` |
| `ASSEMBLYAI_BASE_URL` | the transcript REST API root (no `/v2`) | `transcript_base_url=` |

Each wins over `region`, which only picks the default hosts.
"""

from __future__ import annotations

import math
import os
import ssl
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

import httpx

Region = Literal["us", "eu"]

API_KEY_ENV = "ASSEMBLYAI_API_KEY"
"""The environment variable the API key is read from when none is passed."""

BASE_URL_ENV = "ASSEMBLYAI_LLM_GATEWAY_BASE_URL"
"""Optional override of the gateway URL, with or without `/v1` (the SDK's name)."""

TIMEOUT_ENV = "ASSEMBLYAI_LLM_GATEWAY_HTTP_TIMEOUT"
"""Optional default timeout in seconds for clients given none (the SDK's name)."""

TRANSCRIPT_BASE_URL_ENV = "ASSEMBLYAI_BASE_URL"
"""Optional override of the transcript REST API root (the SDK's `base_url` setting)."""

GATEWAY_API_PATH = "/v1"
"""Every gateway path sits under this; our base URLs include it, the SDK's do not."""

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


def read_env(name: str) -> str | None:
    """The value of environment variable `name`, stripped; `None` when unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


def _check_region(region: Region | None) -> Region:
    if region is not None and region not in GATEWAY_BASE_URLS:
        msg = f"`region` must be 'us' or 'eu', got {region!r}"
        raise ValueError(msg)
    return region or "us"


def _given_url(base_url: str | None, env: str, argument: str) -> tuple[str, str] | None:
    """The URL that overrides the region's host and where it came from, if any.

    Blank counts as not given; surrounding whitespace (a pasted value) is dropped.
    """
    if base_url and base_url.strip():
        return base_url.strip(), f"`{argument}`"
    from_env = read_env(env)
    return (from_env, f"the {env} environment variable") if from_env else None


def _checked_url(url: str, source: str, example: str) -> str:
    """`url` without trailing slashes, once it is seen to be an http(s) URL.

    Raises:
        ValueError: `url` has no `http://` or `https://` scheme.
    """
    if not url.lower().startswith(("http://", "https://")):
        msg = f"{source} must be an http:// or https:// URL such as {example!r}, got {url!r}"
        raise ValueError(msg)
    return url.rstrip("/")


def with_api_path(url: str) -> str:
    """A gateway URL in the one form the clients use: ending in `/v1`, no slash.

    The official SDK takes the host alone and appends `/v1` itself; OpenAI-style
    clients take it with `/v1`. Both spellings of a URL end up the same here.
    """
    url = url.rstrip("/")
    return url if url.endswith(GATEWAY_API_PATH) else url + GATEWAY_API_PATH


def resolve_base_url(base_url: str | None, region: Region | None) -> str:
    """The gateway base URL, ending in `/v1`.

    An explicit `base_url` wins, then `ASSEMBLYAI_LLM_GATEWAY_BASE_URL`, then the
    region's host. Either may be given with or without `/v1` and a trailing slash.

    Raises:
        ValueError: `region` is neither `"us"` nor `"eu"`, or the URL (argument or
            variable, named in the message) is not an http(s) URL.
    """
    region = _check_region(region)
    given = _given_url(base_url, BASE_URL_ENV, "base_url")
    if given is None:
        return GATEWAY_BASE_URLS[region]
    return with_api_path(_checked_url(*given, GATEWAY_BASE_URLS["us"]))


def resolve_transcript_base_url(base_url: str | None, region: Region | None) -> str:
    """The transcript REST API root (the `/v2/...` paths go after it).

    An explicit `base_url` wins, then `ASSEMBLYAI_BASE_URL`, then the region's host.
    A trailing `/v2` or slash is dropped, so the root may be given either way.

    Raises:
        ValueError: `region` is neither `"us"` nor `"eu"`, or the URL (argument or
            variable, named in the message) is not an http(s) URL.
    """
    region = _check_region(region)
    given = _given_url(base_url, TRANSCRIPT_BASE_URL_ENV, "transcript_base_url")
    if given is None:
        return TRANSCRIPT_API_BASE_URLS[region]
    url = _checked_url(*given, TRANSCRIPT_API_BASE_URLS["us"])
    return url.removesuffix("/v2").rstrip("/")


def region_of_host(host: str) -> Region | None:
    """The region whose gateway runs on `host`; `None` for any other host."""
    for region, url in GATEWAY_BASE_URLS.items():
        if urlsplit(url).hostname == host.lower():
            return region
    return None


def _seconds_timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


def default_timeout() -> httpx.Timeout:
    """The timeout of a client given none.

    `ASSEMBLYAI_LLM_GATEWAY_HTTP_TIMEOUT` seconds when that is set (as the SDK
    reads it), else `DEFAULT_TIMEOUT`.

    Raises:
        ValueError: the variable is set to something other than a positive,
            finite number of seconds.
    """
    text = read_env(TIMEOUT_ENV)
    if text is None:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        msg = (
            f"the {TIMEOUT_ENV} environment variable must be a positive number of "
            f"seconds such as '30', got {text!r}"
        )
        raise ValueError(msg)
    return _seconds_timeout(seconds)


def coerce_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    """Turn a float (seconds for every phase but connect) into an `httpx.Timeout`.

    `None` gives `default_timeout()` (the environment variable, else 600 s).

    Raises:
        ValueError: a number that is not positive, or a bad environment value.
    """
    if timeout is None:
        return default_timeout()
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or timeout <= 0
    ):
        msg = f"`timeout` must be a positive number of seconds or an httpx.Timeout, got {timeout!r}"
        raise ValueError(msg)
    return _seconds_timeout(float(timeout))
