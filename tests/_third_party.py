"""Warnings raised by the frameworks' own code while docs and examples run.

Only these are ignored there, so a socket or event loop our code leaves open
still fails the run.
"""

from __future__ import annotations

import pytest

THIRD_PARTY_WARNINGS = pytest.mark.filterwarnings(
    # LlamaIndex's agent workflows touch pydantic's deprecated attributes.
    "ignore::pydantic.warnings.PydanticDeprecatedSince20",
    "ignore::pydantic.warnings.PydanticDeprecatedSince211",
    "ignore:is_running called from within a step:DeprecationWarning",
    # LlamaIndex counts tokens through `asyncio_run`, which makes an event loop it
    # never closes (llama_index/core/async_utils.py): the loop and its
    # self-pipe (a pair of AF_UNIX sockets, family 1) are reported when collected.
    # TCP sockets (family 2 and 10) are not ignored.
    "ignore:unclosed event loop:ResourceWarning",
    r"ignore:unclosed <socket\.socket fd=\d+, family=1,:ResourceWarning",
    r"ignore:Exception ignored in. <socket\.socket fd=\d+, family=1,"
    ":pytest.PytestUnraisableExceptionWarning",
    "ignore:Exception ignored in. <function BaseEventLoop.__del__"
    ":pytest.PytestUnraisableExceptionWarning",
)
