"""Rate limits: spec section 7."""

from __future__ import annotations

import pytest

from aai_gateway.testing._ratelimit import RateLimiter
from tests.testing.helpers import chat, sse_events

BODY = {"model": "gpt-5-mini", "prompt": "hi"}


def test_headers_on_every_chat_response(serve) -> None:
    _, client = serve(rate_limit=5)
    json_response = chat(client, **BODY)
    stream_response = chat(client, **BODY, stream=True)
    for response, remaining in ((json_response, "4"), (stream_response, "3")):
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "5"
        assert response.headers["x-ratelimit-remaining"] == remaining
        assert response.headers["x-ratelimit-reset"] == "60"
        assert response.headers["x-ratelimit-model"] == "gpt-5-mini"
        assert response.headers["x-ratelimit-service"] == "llmgw"
    assert sse_events(stream_response)[-1] == "[DONE]"


def test_429_after_the_limit_and_remaining_goes_negative(serve) -> None:
    _, client = serve(rate_limit=2)
    responses = [chat(client, **BODY) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 429, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in responses] == [
        "1",
        "0",
        "-1",
        "-2",
    ]
    body = responses[2].json()
    assert body["code"] == 429
    assert body["message"] == "too many requests for this action"
    assert 1 <= int(responses[2].headers["retry-after"]) <= 60


def test_limits_are_per_model_and_per_key(serve) -> None:
    _, client = serve(rate_limit=1, api_keys=("test-key", "other-key"))
    assert chat(client, **BODY).status_code == 200
    assert chat(client, **BODY).status_code == 429
    assert chat(client, model="gpt-5", prompt="hi").status_code == 200
    other = client.post(
        "/chat/completions", json=BODY, headers={"Authorization": "other-key"}
    )
    assert other.status_code == 200


def test_reset_clears_counts(serve) -> None:
    emulator, client = serve(rate_limit=1)
    assert chat(client, **BODY).status_code == 200
    assert chat(client, **BODY).status_code == 429
    emulator.reset()
    assert chat(client, **BODY).status_code == 200


def test_no_limit(emu, gateway) -> None:
    statuses = {chat(gateway, **BODY).status_code for _ in range(40)}
    assert statuses == {200}


def test_rate_limiter_window(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("aai_gateway.testing._ratelimit.time.monotonic", lambda: now[0])
    limiter = RateLimiter(2)
    assert limiter.count("k", "m").allowed
    now[0] += 30
    assert limiter.count("k", "m").allowed
    third = limiter.count("k", "m")
    assert not third.allowed
    assert third.retry_after == 30
    now[0] += 31  # the first request leaves the window
    assert limiter.count("k", "m").remaining == -1  # the rejected one still counts
    now[0] += 60
    assert limiter.count("k", "m").remaining == 1
