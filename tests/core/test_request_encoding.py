"""Bodies are valid JSON text: NaN, infinities and lone surrogates are refused, named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aai_gateway._http.body import encode_json
from tests.conftest import USER_HI, completion_body


def _never_sent(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request was sent: {request.content!r}")


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"top_p": float("nan")}, "`top_p` is nan"),
        ({"temperature": float("inf")}, "`temperature`"),
        ({"seed": float("-inf")}, "`seed` is -inf"),
        ({"metadata": {"scores": [1.0, float("nan")]}}, "`metadata.scores[1]`"),
        ({"model": "claude-sonnet-4-6\udc00"}, "`model` holds a lone surrogate"),
        (
            {"messages": [{"role": "user", "content": "Hi \ud800"}]},
            "`messages[0].content` holds a lone surrogate",
        ),
    ],
)
def test_unencodable_values_are_refused_before_sending(
    gateway: Callable[..., Any], extra: dict[str, Any], named: str
) -> None:
    client = gateway(_never_sent)
    with pytest.raises(ValueError) as info:
        client.chat({**USER_HI, **extra})
    assert named in str(info.value)
    assert client.requests == []


def test_finite_values_and_real_text_go_out_unchanged(
    gateway: Callable[..., Any],
) -> None:
    client = gateway(lambda request: httpx.Response(200, json=completion_body()))
    client.chat(
        {
            **USER_HI,
            "temperature": 0.5,
            "messages": [{"role": "user", "content": "h\u00e9 \U0001f600"}],
        }
    )
    assert client.bodies()[0]["messages"][0]["content"] == "h\u00e9 \U0001f600"
    assert client.bodies()[0]["temperature"] == 0.5


def test_a_surrogate_in_a_key_is_named() -> None:
    with pytest.raises(ValueError, match="lone surrogate"):
        encode_json({"extra": {"k\udc80": 1}})
