"""Property tests: whatever messages and tools a caller passes, the core client
either sends a payload the OpenAPI contract accepts, or raises a documented error.

"Documented" means `ValueError`, `TypeError` or the package's own
`AssemblyAIGatewayError` family; anything else (`KeyError`, `AttributeError`, a
payload the contract refuses) is a bug. The transport is `httpx.MockTransport`,
which checks each body against `tests.contract.check_request` and answers with a
fixed completion (or stream), so hundreds of examples run in seconds.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aai_gateway import AssemblyAIGatewayError, GatewayClient
from tests.conftest import TEST_KEY, completion_body, sse_body, sse_response
from tests.contract import check_request, requires_vendor_files

# `tool_choice` "required"/"any" over several tools is sent as "auto" with a
# UserWarning (aai_gateway.adapters.resolve_tool_choice; asserted in tests/core/test_tools.py).
pytestmark = pytest.mark.filterwarnings("ignore:`tool_choice=:UserWarning")

DOCUMENTED = (ValueError, TypeError, AssemblyAIGatewayError)
MODELS = ["claude-sonnet-4-6", "gpt-4.1", "qwen3.5-4b-32k-fast", "gemini-2.5-flash"]

# -- strategies ----------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=8), inner, max_size=3),
    ),
    max_leaves=8,
)
texts = st.text(max_size=40)
roles = st.sampled_from(["system", "user", "assistant", "tool", "developer", "critic"])
parts = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": texts}),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["image_url", "input_audio", "file", "video"])}
    ),
    st.dictionaries(st.sampled_from(["type", "text", "url"]), json_values, max_size=3),
    scalars,
)
contents = st.one_of(st.none(), texts, st.lists(parts, max_size=3), json_values)
call_ids = st.text(min_size=1, max_size=10)
tool_calls = st.lists(
    st.fixed_dictionaries(
        {
            "id": call_ids,
            "type": st.just("function"),
            "function": st.fixed_dictionaries(
                {"name": texts, "arguments": st.one_of(texts, json_values)}
            ),
        }
    ),
    max_size=2,
)
messages = st.one_of(
    st.fixed_dictionaries(
        {"role": roles, "content": contents},
        optional={"tool_call_id": call_ids, "tool_calls": tool_calls, "name": texts},
    ),
    json_values,
)
schemas = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just("object"),
            "properties": st.dictionaries(
                st.text(min_size=1, max_size=8),
                st.fixed_dictionaries(
                    {
                        "type": st.sampled_from(
                            ["string", "integer", "number", "boolean", "array"]
                        )
                    },
                    optional={"description": texts},
                ),
                max_size=3,
            ),
        },
        optional={"required": st.lists(texts, max_size=2)},
    ),
    json_values,
)
tools = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just("function"),
            "function": st.fixed_dictionaries(
                {"name": texts},
                optional={"description": texts, "parameters": schemas},
            ),
        }
    ),
    json_values,
)
tool_choices = st.one_of(
    st.none(),
    st.sampled_from(["none", "auto", "required", "any"]),
    st.fixed_dictionaries(
        {
            "type": st.just("function"),
            "function": st.fixed_dictionaries({"name": texts}),
        }
    ),
    json_values,
)
requests = st.fixed_dictionaries(
    {"model": st.sampled_from(MODELS), "messages": st.lists(messages, max_size=4)},
    optional={
        "tools": st.one_of(st.lists(tools, max_size=3), json_values),
        "tool_choice": tool_choices,
        "temperature": st.one_of(st.floats(-1, 3), st.integers(-1, 3)),
        "max_tokens": st.integers(-2, 5000),
        "stop": st.one_of(st.lists(texts, max_size=3), texts),
    },
)

# -- the client under test ----------------------------------------------------------


class ContractTransport:
    """Checks every body against the contract, then answers a fixed success."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.sent = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.sent += 1
        try:
            check_request(body)
        except AssertionError as exc:
            self.violations.append(str(exc))
        if body.get("stream"):
            chunk = {
                "choices": [
                    {"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}
                ]
            }
            return sse_response(sse_body(chunk))
        return httpx.Response(200, json=completion_body("ok"))


@pytest.fixture(scope="module")
def contract() -> Any:
    transport = ContractTransport()
    client = GatewayClient(
        api_key=TEST_KEY,
        base_url="https://gw.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(transport)),
    )
    yield transport, client
    client.close()


def _send(client: GatewayClient, request: dict[str, Any], stream: bool) -> None:
    if stream:
        for _ in client.stream_chat(request):
            pass
    else:
        client.chat(request)


PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
    derandomize=True,
)


def _outcome(client: GatewayClient, transport: Any, request: Any, stream: bool) -> None:
    """Send `request`; a documented refusal must have sent nothing."""
    sent = transport.sent
    snapshot = json.dumps(request, sort_keys=True, default=repr)
    try:
        _send(client, request, stream)
    except DOCUMENTED as exc:
        message = str(exc)
        assert transport.sent == sent
        assert message
    else:
        assert transport.sent == sent + 1
    # The caller's request is never mutated.
    assert json.dumps(request, sort_keys=True, default=repr) == snapshot


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@PROPERTY_SETTINGS
@given(request=requests)
def test_any_request_is_sent_or_refused_with_a_documented_error(
    contract: Any, stream: bool, request: dict[str, Any]
) -> None:
    transport, client = contract
    _outcome(client, transport, request, stream)


tool_requests = st.fixed_dictionaries(
    {
        "model": st.sampled_from(MODELS),
        "messages": st.just([{"role": "user", "content": "What is the weather?"}]),
        "tools": st.lists(tools, min_size=1, max_size=3),
        "tool_choice": tool_choices,
    }
)


@PROPERTY_SETTINGS
@given(request=tool_requests)
def test_any_tool_schema_is_sent_or_refused_with_a_documented_error(
    contract: Any, request: dict[str, Any]
) -> None:
    transport, client = contract
    _outcome(client, transport, request, False)


@requires_vendor_files
@PROPERTY_SETTINGS
@given(request=st.one_of(requests, tool_requests))
def test_every_request_sent_meets_the_contract(
    contract: Any, request: dict[str, Any]
) -> None:
    transport, client = contract
    before = len(transport.violations)
    with contextlib.suppress(*DOCUMENTED):
        client.chat(request)
    assert transport.violations[before:] == []
