"""Auth on the gateway (`/v1`) and the transcript API (`/v2`): spec section 2 and 12.1."""

from __future__ import annotations

import uuid

import pytest

from aai_gateway.testing import MEETING_IDS, EmulatorServer, GatewayEmulator
from tests.testing.helpers import request

BODY = {"model": "claude-sonnet-4-6", "prompt": "Hello"}


@pytest.mark.parametrize(
    "value",
    ["test-key", "Bearer test-key", "bearer test-key", "BEARER   test-key"],
)
def test_gateway_accepts_raw_and_bearer_keys(
    emu: GatewayEmulator, server: EmulatorServer, value: str
) -> None:
    response = request(
        "POST",
        server.base_url + "/chat/completions",
        headers={"Authorization": value},
        json=BODY,
    )
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "Echo: Hello"


def test_header_name_is_case_insensitive(
    emu: GatewayEmulator, server: EmulatorServer
) -> None:
    response = request(
        "POST",
        server.base_url + "/chat/completions",
        headers={"authorization": "test-key"},
        json=BODY,
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "value", ["wrong-key", "Bearer wrong-key", "Bearer", "Basic dGVzdA=="]
)
def test_bad_key_gets_envelope_b(
    emu: GatewayEmulator, server: EmulatorServer, value: str
) -> None:
    response = request(
        "POST",
        server.base_url + "/chat/completions",
        headers={"Authorization": value},
        json=BODY,
    )
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "Authentication error, API token missing/invalid"
    assert body["status"] == "error"
    uuid.UUID(body["request_id"])
    assert set(body) == {"error", "status", "request_id"}


def test_missing_header_gets_no_access_text(
    emu: GatewayEmulator, server: EmulatorServer
) -> None:
    response = request("POST", server.base_url + "/chat/completions", json=BODY)
    assert response.status_code == 401
    body = response.json()
    assert body["error"].startswith("Your account does not have access to LLM Gateway.")
    assert body["status"] == "error"


def test_auth_is_checked_before_validation(
    emu: GatewayEmulator, server: EmulatorServer
) -> None:
    response = request(
        "POST",
        server.base_url + "/chat/completions",
        headers={"Authorization": "nope"},
        content=b"{",
    )
    assert response.status_code == 401


def test_401_has_no_rate_limit_headers(
    emu: GatewayEmulator, server: EmulatorServer
) -> None:
    response = request("POST", server.base_url + "/chat/completions", json=BODY)
    assert "x-ratelimit-limit" not in response.headers


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "nope"}, {"Authorization": "test-key"}]
)
def test_models_needs_no_auth(
    emu: GatewayEmulator, server: EmulatorServer, headers: dict[str, str]
) -> None:
    response = request("GET", server.base_url + "/models", headers=headers)
    assert response.status_code == 200
    assert response.json()["data"]


def test_extra_keys_are_accepted(serve) -> None:
    _, client = serve(api_keys=("first", "second"))
    for key in ("first", "Bearer second"):
        response = client.post(
            "/chat/completions", json=BODY, headers={"Authorization": key}
        )
        assert response.status_code == 200
    response = client.post(
        "/chat/completions", json=BODY
    )  # the default test-key header
    assert response.status_code == 401


@pytest.mark.parametrize("value", ["test-key", "Bearer test-key"])
def test_rest_accepts_raw_and_bearer(
    emu: GatewayEmulator, server: EmulatorServer, value: str
) -> None:
    url = f"{server.rest_base_url}/v2/transcript/{MEETING_IDS['support_call']}"
    response = request("GET", url, headers={"Authorization": value})
    assert response.status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "nope"}])
def test_rest_refusal_is_flat_error(
    emu: GatewayEmulator, server: EmulatorServer, headers: dict[str, str]
) -> None:
    response = request("GET", server.rest_base_url + "/v2/transcript", headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "error": "Authentication error, API token missing/invalid"
    }
