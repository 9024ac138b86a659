"""The threaded server, the request log and the public surface."""

from __future__ import annotations

import json
import threading
import time

import pytest
from starlette.testclient import TestClient

import aai_gateway.testing as testing
from aai_gateway.testing import GatewayEmulator, RecordedRequest
from tests.testing.helpers import AUTH, chat, make_client


def test_public_names_are_sorted_and_complete() -> None:
    assert testing.__all__ == sorted(
        testing.__all__, key=lambda n: (not n.isupper(), n)
    )
    for name in (
        "GatewayEmulator",
        "Fault",
        "RecordedRequest",
        "serve_emulator",
        "EmulatorServer",
    ):
        assert name in testing.__all__
        assert getattr(testing, name)


def test_urls(emu, server) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert server.port > 0
    assert server.base_url == server.url + "/v1"
    assert server.rest_base_url == server.url


def test_requests_are_recorded(emu, gateway) -> None:
    before = time.monotonic()
    chat(gateway, model="gpt-5", prompt="hi")
    gateway.get("/models", params={"a": "1"})
    first, second = emu.requests
    assert isinstance(first, RecordedRequest)
    assert first.method == "POST"
    assert first.path == "/v1/chat/completions"
    assert first.query == ""
    assert first.headers["authorization"] == "test-key"
    assert first.headers["content-type"] == "application/json"
    assert json.loads(first.body) == {"model": "gpt-5", "prompt": "hi"}
    assert first.json == {"model": "gpt-5", "prompt": "hi"}
    assert before <= first.received_at <= second.received_at
    assert (second.method, second.path, second.query, second.json) == (
        "GET",
        "/v1/models",
        "a=1",
        None,
    )


def test_unparseable_bodies_are_recorded_raw(emu, gateway) -> None:
    gateway.post("/chat/completions", content=b"\x00not json")
    assert emu.requests[-1].body == b"\x00not json"
    assert emu.requests[-1].json is None


def test_requests_is_a_snapshot_and_can_be_cleared(emu, gateway) -> None:
    chat(gateway, model="gpt-5", prompt="hi")
    snapshot = emu.requests
    chat(gateway, model="gpt-5", prompt="again")
    assert len(snapshot) == 1
    assert len(emu.requests) == 2
    emu.clear_requests()
    assert emu.requests == []


def test_concurrent_requests_are_all_recorded(emu, server) -> None:
    def worker(n: int) -> None:
        with make_client(server.base_url, AUTH) as client:
            for i in range(5):
                assert chat(client, model="gpt-5", prompt=f"{n}-{i}").status_code == 200

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    prompts = sorted(r.json["prompt"] for r in emu.requests)
    assert prompts == sorted(f"{n}-{i}" for n in range(4) for i in range(5))


def test_serve_stops_on_exit() -> None:
    emulator = GatewayEmulator()
    with emulator.serve() as running, make_client(running.base_url) as client:
        assert client.get("/models").status_code == 200
    with make_client(running.base_url) as client, pytest.raises(Exception):  # noqa: B017
        client.get("/models", timeout=1)


def test_two_emulators_side_by_side() -> None:
    first, second = GatewayEmulator(), GatewayEmulator(region="eu")
    with first.serve() as one, second.serve() as two:
        assert one.port != two.port
        with make_client() as client:
            assert len(client.get(one.base_url + "/models").json()["data"]) > len(
                client.get(two.base_url + "/models").json()["data"]
            )


def test_app_works_in_process() -> None:
    emulator = GatewayEmulator()
    with TestClient(emulator.app) as client:
        response = client.post(
            "/v1/chat/completions",
            headers=AUTH,
            json={"model": "gpt-5", "prompt": "in process"},
        )
    assert response.json()["choices"][0]["message"]["content"] == "Echo: in process"
    assert emulator.requests[0].path == "/v1/chat/completions"


def test_the_request_log_keeps_the_most_recent_record_limit() -> None:
    emulator = GatewayEmulator(record_limit=3)
    with TestClient(emulator.app) as client:
        for n in range(5):
            client.post(
                "/v1/chat/completions",
                headers=AUTH,
                json={"model": "gpt-5", "prompt": f"call {n}"},
            )
    assert [r.json["prompt"] for r in emulator.requests] == [
        "call 2",
        "call 3",
        "call 4",
    ]


def test_the_request_log_is_bounded_by_default_and_unbounded_on_request() -> None:
    from aai_gateway.testing._recording import DEFAULT_RECORD_LIMIT, RequestLog

    assert DEFAULT_RECORD_LIMIT == 10_000
    assert RequestLog()._requests.maxlen == DEFAULT_RECORD_LIMIT
    assert RequestLog(None)._requests.maxlen is None


@pytest.mark.parametrize(
    "options",
    [
        {"tool_call_shape": "tuple"},
        {"stream_usage": "sometimes"},
        {"stream_chunk_words": 0},
        {"record_limit": 0},
        {"record_limit": True},
    ],
)
def test_options_are_checked(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        GatewayEmulator(**options)  # type: ignore[arg-type]


def test_without_meetings() -> None:
    emulator = GatewayEmulator(meetings=False)
    assert emulator.transcripts == {}
    ident = emulator.add_transcript([("A", "x")])
    emulator.reset_transcripts()
    assert ident not in emulator.transcripts


def test_busy_port_raises(emu, server) -> None:
    with pytest.raises(RuntimeError, match="did not start"):
        GatewayEmulator().serve(port=server.port)
