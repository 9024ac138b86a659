"""`aai-gateway demo`: the package's main job, end to end, with no key and no network.

It starts the bundled emulator on loopback, then asks a question about a meeting
transcript *by reference*: only the transcript id and the `{{ transcript }}` tag
go on the wire, and the gateway injects the text. With `--live` and
`ASSEMBLYAI_API_KEY` set, the same runs against the real gateway.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from aai_gateway._base_client import build_chat_body
from aai_gateway._client import GatewayClient
from aai_gateway._config import API_KEY_ENV, TRANSCRIPT_TAG
from aai_gateway._exceptions import AssemblyAIGatewayError
from aai_gateway._streaming import ChunkAccumulator

QUESTION = f"Here is a meeting transcript:\n{TRANSCRIPT_TAG}\n\nWho agreed to do what, and by when?"


@contextlib.contextmanager
def _target(live: bool, model: str) -> Iterator[tuple[GatewayClient, str]]:
    if live:
        if not os.environ.get(API_KEY_ENV):
            msg = f"--live needs {API_KEY_ENV} set to your AssemblyAI API key"
            raise SystemExit(msg)
        transcript_id = os.environ.get("AAI_DEMO_TRANSCRIPT_ID")
        if not transcript_id:
            msg = (
                "--live needs AAI_DEMO_TRANSCRIPT_ID set to one of your transcript ids"
            )
            raise SystemExit(msg)
        with GatewayClient() as client:
            yield client, transcript_id
        return
    from aai_gateway.testing import MEETING_IDS, GatewayEmulator

    emulator = GatewayEmulator()
    with (
        emulator.serve() as server,
        GatewayClient(api_key="test-key", base_url=server.base_url) as client,
    ):
        yield client, MEETING_IDS["product_planning"]


def run(out: TextIO, *, live: bool = False, model: str = "claude-sonnet-4-6") -> int:
    """Run the demo, printing to `out`; returns the exit status."""
    with _target(live, model) as (client, transcript_id):
        where = (
            "the real gateway" if live else f"the local emulator at {client.base_url}"
        )
        print(f"[1/3] Talking to {where} with model {model!r}", file=out)
        request = {
            "model": model,
            "messages": [{"role": "user", "content": QUESTION}],
            "transcript_id": transcript_id,
        }
        sent = build_chat_body(request, stream=True)
        print(
            f"[2/3] Sending {len(sent)} bytes: transcript_id={transcript_id!r}, tag {TRANSCRIPT_TAG!r}",
            file=out,
        )
        print("      Answer, streamed: ", end="", file=out)
        acc = ChunkAccumulator()
        for chunk in client.stream_chat(request):
            acc.add(chunk)
            print(chunk.content, end="", file=out, flush=True)
        answer = acc.completion()
        print(file=out)
        usage = answer.usage
        tokens = (
            f"{usage.input_tokens} in / {usage.output_tokens} out"
            if usage
            else "not reported"
        )
        print(
            f"[3/3] Done: finish_reason={answer.finish_reason}, tokens {tokens}, model {answer.model}",
            file=out,
        )
        print(
            json.dumps({"bytes_sent": len(sent), "transcript_id": transcript_id}),
            file=out,
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    """The `aai-gateway` command line."""
    parser = argparse.ArgumentParser(
        prog="aai-gateway", description=__doc__.splitlines()[0] if __doc__ else None
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="answer a question about a meeting by reference, offline"
    )
    demo.add_argument(
        "--live",
        action="store_true",
        help=f"use the real gateway ({API_KEY_ENV} required)",
    )
    demo.add_argument("--model", default="claude-sonnet-4-6")
    args = parser.parse_args(argv)
    try:
        return run(sys.stdout, live=args.live, model=args.model)
    except AssemblyAIGatewayError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
