"""`python -m aai_gateway.testing`: the command line."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from aai_gateway import GatewayClient
from aai_gateway._config import BASE_URL_ENV, TRANSCRIPT_BASE_URL_ENV
from aai_gateway.testing import MEETING_IDS, UNCONFIRMED_RULES
from aai_gateway.testing.__main__ import (
    announcement,
    build_parser,
    unconfirmed_option,
)
from tests.testing.helpers import API_KEY, make_client


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
    assert f"export {BASE_URL_ENV}=http://127.0.0.1:{port}\n" in stdout
    assert f"export {TRANSCRIPT_BASE_URL_ENV}=http://127.0.0.1:{port}\n" in stdout


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


def test_transcription_delay_flags() -> None:
    args = build_parser().parse_args([])
    assert (args.transcription_delay, args.queue_delay) == (0.0, 0.0)
    args = build_parser().parse_args(
        ["--transcription-delay", "2.5", "--queue-delay", "0.5"]
    )
    assert (args.transcription_delay, args.queue_delay) == (2.5, 0.5)


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


def exports(text: str) -> dict[str, str]:
    """The variables the `export NAME=VALUE` lines of `text` set, as a shell would."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("export "):
            [assignment] = shlex.split(line.removeprefix("export "))
            name, _, value = assignment.partition("=")
            found[name] = value
    return found


def test_announcement_ends_with_the_lines_to_export() -> None:
    text = announcement("http://127.0.0.1:8000")
    lines = text.splitlines()
    assert lines[:2] == [
        "LLM Gateway base URL:   http://127.0.0.1:8000/v1",
        "Transcript API base URL: http://127.0.0.1:8000",
    ]
    assert lines[2].startswith("#")  # pasted with the rest, a shell skips it
    # The client's own names (the official SDK's), in the form both accept.
    assert exports(text) == {
        BASE_URL_ENV: "http://127.0.0.1:8000",
        TRANSCRIPT_BASE_URL_ENV: "http://127.0.0.1:8000",
    }
    # An IPv6 host is quoted: brackets are glob characters to a shell.
    ipv6 = announcement("http://[::1]:8000")
    assert "export ASSEMBLYAI_BASE_URL='http://[::1]:8000'" in ipv6
    assert exports(ipv6)[BASE_URL_ENV] == "http://[::1]:8000"


@pytest.fixture
def cli_exports() -> Iterator[dict[str, str]]:
    """Start the command on a free port; yield the variables it says to export."""
    command = [sys.executable, "-m", "aai_gateway.testing", "--port", "0"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        while not lines or not lines[-1].startswith(
            f"export {TRANSCRIPT_BASE_URL_ENV}"
        ):
            line = process.stdout.readline()
            assert line, f"the command ended early after {lines!r}"
            lines.append(line)
        yield exports("".join(lines))
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_the_printed_lines_point_a_client_at_the_emulator(
    cli_exports: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in cli_exports.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", API_KEY)
    meeting = MEETING_IDS["support_call"]
    with GatewayClient() as client:
        assert client.base_url == cli_exports[BASE_URL_ENV] + "/v1"
        assert client.chat({"model": "gpt-5", "prompt": "hi"}).content == "Echo: hi"
        assert client.get_transcript(meeting).id == meeting


def test_the_printed_lines_point_the_official_sdk_at_the_emulator(
    cli_exports: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    aai = pytest.importorskip("assemblyai", reason="the official SDK is not installed")
    pytest.importorskip("assemblyai.llm_gateway", reason="assemblyai>=1.8.2 needed")
    for name, value in cli_exports.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", API_KEY)
    # What `import assemblyai` reads from the environment, read afresh.
    client = aai.Client(settings=aai.Settings())
    try:
        gateway = aai.LLMGateway(client=client)
        answer = gateway.chat.completions.create(
            model="gpt-5", messages=[{"role": "user", "content": "hi"}]
        )
        assert answer.choices[0].message.content == "Echo: hi"
        meeting = MEETING_IDS["support_call"]
        transcript = aai.Transcript(meeting, client=client).wait_for_completion()
        assert transcript.id == meeting
        assert transcript.status == "completed"
    finally:
        client.http_client.close()
