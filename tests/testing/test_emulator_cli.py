"""`python -m aai_gateway.testing`: the command line."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from aai_gateway.testing import UNCONFIRMED_RULES
from aai_gateway.testing.__main__ import build_parser, unconfirmed_option
from tests.testing.helpers import make_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aai_gateway.testing", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    for option in (
        "--port",
        "--host",
        "--api-key",
        "--region",
        "--rate-limit",
        "--unconfirmed",
        "--unconfirmed-rule",
        "tool_choice_required",
    ):
        assert option in result.stdout


def test_parser_defaults_and_choices() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.region, args.rate_limit) == (
        "127.0.0.1",
        8000,
        "us",
        30,
    )
    assert args.api_keys is None
    args = build_parser().parse_args(
        ["--api-key", "a", "--api-key", "b", "--region", "eu"]
    )
    assert args.api_keys == ["a", "b"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--region", "ap"])


def test_serves_until_terminated() -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "aai_gateway.testing",
        "--port",
        str(port),
        "--api-key",
        "cli-key",
        "--region",
        "eu",
        "--unconfirmed-rule",
        "prompt_with_messages=lenient",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        with make_client(f"http://127.0.0.1:{port}") as client:
            response = None
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    response = client.get("/v1/models")
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            assert response is not None
            assert response.status_code == 200
            assert "gpt-5" not in {m["id"] for m in response.json()["data"]}
            chat = client.post(
                "/v1/chat/completions",
                headers={"Authorization": "cli-key"},
                json={"model": "claude-sonnet-4-6", "prompt": "hi"},
            )
            assert chat.json()["choices"][0]["message"]["content"] == "Echo: hi"
            both = {"model": "claude-sonnet-4-6", "prompt": "hi", "messages": []}
            both["messages"] = [{"role": "user", "content": "first"}]
            refused = {**both, "tools": [], "tool_choice": "required"}
            answers = [
                client.post(
                    "/v1/chat/completions",
                    headers={"Authorization": "cli-key"},
                    json=body,
                )
                for body in (both, refused)
            ]
            assert [a.status_code for a in answers] == [200, 400]
            assert (
                client.get(
                    "/v2/transcript", headers={"Authorization": "cli-key"}
                ).status_code
                == 200
            )
    finally:
        process.terminate()
        stdout, _ = process.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/v1" in stdout


def test_port_zero_prints_the_port_it_got() -> None:
    command = [sys.executable, "-m", "aai_gateway.testing", "--port", "0"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.split()[-1]
        assert base_url.startswith("http://127.0.0.1:")
        assert not base_url.endswith(":0/v1")
        with make_client(base_url.removesuffix("/v1")) as client:
            assert client.get("/v1/models").status_code == 200
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_record_limit_flag() -> None:
    assert build_parser().parse_args([]).record_limit == 10_000
    assert build_parser().parse_args(["--record-limit", "0"]).record_limit == 0


def test_unconfirmed_flags() -> None:
    args = build_parser().parse_args([])
    assert (args.unconfirmed, args.unconfirmed_rules) == ("strict", [])
    assert unconfirmed_option(args.unconfirmed, args.unconfirmed_rules) == "strict"
    args = build_parser().parse_args(
        [
            "--unconfirmed",
            "lenient",
            "--unconfirmed-rule",
            "developer_role=strict",
            "--unconfirmed-rule",
            "null_values=strict",
        ]
    )
    option = unconfirmed_option(args.unconfirmed, args.unconfirmed_rules)
    assert isinstance(option, dict)
    assert set(option) == set(UNCONFIRMED_RULES)
    assert option["developer_role"] == option["null_values"] == "strict"
    assert {v for k, v in option.items() if k not in args_names(args)} == {"lenient"}


def args_names(args: object) -> set[str]:
    return {name for name, _ in getattr(args, "unconfirmed_rules", [])}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--unconfirmed", "loose"], "invalid choice"),
        (
            ["--unconfirmed-rule", "no_such_rule=strict"],
            "valid rules: tool_choice_required",
        ),
        (["--unconfirmed-rule", "developer_role=maybe"], "strict or lenient"),
        (["--unconfirmed-rule", "developer_role"], "strict or lenient"),
    ],
)
def test_bad_unconfirmed_flags_exit(capsys, argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(argv)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err
