"""Scripted faults: every kind, matching, FIFO order and `times`."""

from __future__ import annotations

import itertools
import json
import time

import httpx
import pytest

from aai_gateway.testing import Fault
from tests.testing.helpers import chat, request, sse_events

BODY = {"model": "gpt-5", "prompt": "one two three"}
STREAM = {**BODY, "stream": True}


def stream_lines(client: httpx.Client, body: dict[str, object] = STREAM) -> list[str]:
    with client.stream("POST", "/chat/completions", json=body) as response:
        return list(response.iter_lines())


def test_status_fault_uses_envelope_a(emu, gateway) -> None:
    emu.add_fault(Fault(status=503, headers={"retry-after": "1"}))
    response = chat(gateway, **BODY)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert body["code"] == 503
    assert body["message"] == "service unavailable"
    assert set(body) == {"code", "message", "request_id"}
    assert chat(gateway, **BODY).status_code == 200  # used once


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "invalid request body"),
        (429, "too many requests for this action"),
        (500, "something went wrong"),
        (502, "bad gateway"),
        (504, "gateway timeout"),
    ],
)
def test_status_messages(emu, gateway, status: int, message: str) -> None:
    emu.add_fault(Fault(status=status))
    response = chat(gateway, **BODY)
    assert response.status_code == status
    assert response.json()["message"] == message


def test_401_fault_uses_envelope_b(emu, gateway) -> None:
    emu.add_fault(Fault(status=401))
    body = chat(gateway, **BODY).json()
    assert body["error"] == "Authentication error, API token missing/invalid"
    assert body["status"] == "error"


def test_status_fault_answers_before_auth_and_validation(emu, server) -> None:
    emu.add_fault(Fault(status=500))
    response = request(
        "POST", server.base_url + "/chat/completions", content=b"not json"
    )
    assert response.status_code == 500


def test_custom_bodies(emu, gateway) -> None:
    emu.add_fault(
        Fault(status=400, body={"error": {"code": 400, "message": "old shape"}})
    )
    emu.add_fault(
        Fault(status=502, body=b"<html>bad gateway</html>", content_type="text/html")
    )
    first = chat(gateway, **BODY)
    assert first.json() == {"error": {"code": 400, "message": "old shape"}}
    second = chat(gateway, **BODY)
    assert second.status_code == 502
    assert second.headers["content-type"] == "text/html"
    assert second.text == "<html>bad gateway</html>"


def test_retry_after_ms_and_should_retry_headers(emu, gateway) -> None:
    emu.add_fault(
        Fault(status=500, headers={"x-should-retry": "false", "retry-after-ms": "20"})
    )
    response = chat(gateway, **BODY)
    assert response.headers["x-should-retry"] == "false"
    assert response.headers["retry-after-ms"] == "20"


def test_content_type_override_on_a_200(emu, gateway) -> None:
    emu.add_fault(Fault(content_type="text/html"))
    response = chat(gateway, **STREAM)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html"
    assert sse_events(response)[-1] == "[DONE]"


def test_malformed_json_body(emu, gateway) -> None:
    emu.add_fault(Fault(malformed=True))
    response = chat(gateway, **BODY)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_malformed_stream_event(emu, gateway) -> None:
    emu.add_fault(Fault(malformed=True))
    events = sse_events(chat(gateway, **STREAM))
    json.loads(events[0])
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[1])
    assert events[-1] == "[DONE]"


def test_body_on_a_200(emu, gateway) -> None:
    emu.add_fault(Fault(body={"unexpected": True}, headers={"x-extra": "1"}))
    response = chat(gateway, **BODY)
    assert response.status_code == 200
    assert response.json() == {"unexpected": True}
    assert response.headers["x-extra"] == "1"
    assert response.headers["x-ratelimit-service"] == "llmgw"


def test_first_byte_delay(emu, gateway) -> None:
    emu.add_fault(Fault(first_byte_delay=0.3))
    with pytest.raises(httpx.ReadTimeout):
        gateway.post("/chat/completions", json=BODY, timeout=0.1)
    emu.add_fault(Fault(first_byte_delay=0.2))
    assert chat(gateway, **BODY).elapsed.total_seconds() >= 0.2


def test_drop_after_events(emu, gateway) -> None:
    emu.add_fault(Fault(drop_after_events=2))
    seen: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        gateway.stream("POST", "/chat/completions", json=STREAM) as response,
    ):
        seen.extend(line for line in response.iter_lines() if line)
    assert len(seen) == 2
    assert all(line.startswith("data: {") for line in seen)
    assert chat(gateway, **BODY).status_code == 200  # the server survives


def test_drop_after_zero_events(emu, gateway) -> None:
    emu.add_fault(Fault(drop_after_events=0))
    with (
        pytest.raises(httpx.RemoteProtocolError),
        gateway.stream("POST", "/chat/completions", json=STREAM) as response,
    ):
        response.read()


def test_drop_after_more_events_than_sent_still_cuts(emu, gateway) -> None:
    emu.add_fault(Fault(drop_after_events=100))
    seen: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        gateway.stream("POST", "/chat/completions", json=STREAM) as response,
    ):
        seen.extend(line for line in response.iter_lines() if line)
    assert seen[-1] == "data: [DONE]"


def test_stall_mid_stream(emu, gateway) -> None:
    emu.add_fault(Fault(stall_after_events=2, stall_seconds=0.3))
    arrivals: list[float] = []
    with gateway.stream("POST", "/chat/completions", json=STREAM) as response:
        for line in response.iter_lines():
            if line:
                arrivals.append(time.monotonic())
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert gaps[1] >= 0.25
    assert max(gaps[:1] + gaps[2:]) < 0.2


def test_stall_beats_a_read_timeout(emu, gateway) -> None:
    emu.add_fault(Fault(stall_after_events=1, stall_seconds=0.5))
    with (
        pytest.raises(httpx.ReadTimeout),
        gateway.stream(
            "POST", "/chat/completions", json=STREAM, timeout=httpx.Timeout(5, read=0.1)
        ) as response,
    ):
        response.read()


def test_error_event_after(emu, gateway) -> None:
    emu.add_fault(Fault(error_event_after=2))
    events = sse_events(chat(gateway, **STREAM))
    assert len(events) == 3
    error = json.loads(events[-1])
    assert error["error"] == {"code": 500, "message": "upstream provider error"}
    assert "request_id" in error
    assert "[DONE]" not in events


def test_no_done(emu, gateway) -> None:
    emu.add_fault(Fault(no_done=True))
    events = sse_events(chat(gateway, **STREAM))
    assert events[-1] != "[DONE]"
    assert json.loads(events[-1])["choices"][0]["finish_reason"] == "stop"


def test_keepalive_comments(emu, gateway) -> None:
    emu.add_fault(Fault(keepalive_comments=True))
    lines = stream_lines(gateway)
    comments = [line for line in lines if line.startswith(":")]
    data = [line for line in lines if line.startswith("data: ")]
    assert comments
    assert len(comments) == len(data)
    assert set(comments) == {": keep-alive"}


def test_crlf(emu, gateway) -> None:
    emu.add_fault(Fault(crlf=True))
    raw = chat(gateway, **STREAM).content
    assert raw.endswith(b"data: [DONE]\r\n\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_times_and_fifo_order(emu, gateway) -> None:
    emu.add_fault(Fault(status=500, times=2))
    emu.add_fault(Fault(status=429))
    statuses = [chat(gateway, **BODY).status_code for _ in range(4)]
    assert statuses == [500, 500, 429, 200]
    assert emu.faults == []


def test_path_matching(emu, gateway) -> None:
    emu.add_fault(Fault(status=503, path="/v1/models"))
    emu.add_fault(Fault(status=500, path="*"))
    assert (
        chat(gateway, **BODY).status_code == 500
    )  # the "*" fault; the models one waits
    assert gateway.get("/models").status_code == 503
    assert gateway.get("/models").status_code == 200


def test_fault_on_rest_paths(emu, rest) -> None:
    emu.add_fault(Fault(status=500, path="/v2/transcript"))
    response = rest.get("/v2/transcript")
    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}


def test_clear_and_reset(emu, gateway) -> None:
    emu.add_fault(Fault(status=500))
    emu.clear_faults()
    assert chat(gateway, **BODY).status_code == 200
    emu.add_fault(Fault(status=500))
    emu.reset()
    assert emu.faults == []
    assert len(emu.requests) == 0


@pytest.mark.parametrize("fields", [{"times": 0}, {"status": 99}, {"status": 600}])
def test_fault_arguments_are_checked(fields: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        Fault(**fields)


def test_combined_faults(emu, gateway) -> None:
    emu.add_fault(
        Fault(first_byte_delay=0.1, keepalive_comments=True, no_done=True, crlf=True)
    )
    started = time.monotonic()
    raw = chat(gateway, **STREAM).content
    assert time.monotonic() - started >= 0.1
    assert raw.startswith(b": keep-alive\r\n\r\ndata: {")
    assert b"[DONE]" not in raw
