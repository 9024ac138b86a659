"""`aai-gateway demo`: the package's main job, end to end, with no key and no network.

It starts the bundled emulator on loopback, then (1) a LangChain agent answers a
question about a meeting transcript by reference, streaming tokens, (2) a
LlamaIndex query engine does the same, and (3) a map-reduce summary runs over
every meeting. Last, it prints what went on the wire (bytes, `transcript_id`, the
`{{ transcript }}` tag) next to what the same requests would weigh with the
transcript's text inline. With `--live` and `ASSEMBLYAI_API_KEY` set, the same
runs against the real gateway.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import TextIO

from aai_gateway import API_KEY_ENV, TRANSCRIPT_TAG, AssemblyAIGatewayError
from aai_gateway_demo._steps import langchain_agent, llama_index_engine, map_reduce
from aai_gateway_demo._target import TRANSCRIPT_ENV, DemoError, Target, open_target
from aai_gateway_demo._wire import WireLog, inline_size

__all__ = ["main", "run"]

Step = Callable[[Target, WireLog, TextIO], str]
STEPS: tuple[tuple[str, str, Step], ...] = (
    (
        "agent",
        "LangChain agent (create_agent + AssemblyAITranscriptQATool)",
        langchain_agent,
    ),
    ("engine", "LlamaIndex TranscriptQueryEngine, streaming", llama_index_engine),
    ("map-reduce", "map-reduce summary of every meeting", map_reduce),
)
DEFAULT_MODEL = "claude-sonnet-4-6"


def _intro(target: Target, out: TextIO) -> None:
    out.write(f"aai-gateway demo: talking to {target.where}, model {target.model!r}\n")
    if not target.live:
        out.write(
            "  The emulator's model is scripted and extractive: it answers with the\n"
            "  sentences of the injected transcript that best match the question (or\n"
            "  sum it up with its most representative ones), so every answer below\n"
            "  quotes the meeting it was asked about. It does not reason; set\n"
            f"  {API_KEY_ENV} and add --live for the real gateway.\n"
        )


def _report(target: Target, wire: WireLog, out: TextIO) -> dict[str, int]:
    """The wire table: each step's requests, by reference vs. inline."""
    texts: dict[str, str] = {}
    with target.core_client() as client:
        for request in wire.requests:
            tid = request.transcript_id
            if tid and tid not in texts:
                texts[tid] = client.get_transcript(tid).text or ""
    out.write("\nOn the wire (the transcripts never passed through this process):\n")
    out.write(
        f"  {'step':<11}{'requests':>9}{'by ref.':>9}{'bytes sent':>12}"
        f"{'if inline':>11}{'ratio':>8}\n"
    )
    totals = {"requests": 0, "bytes_sent": 0, "inline_bytes": 0}
    for step, _, _ in STEPS:
        sent = wire.of_step(step)
        size = sum(len(r.body) for r in sent)
        inline = sum(
            inline_size(r.json, texts[r.transcript_id])
            if r.transcript_id
            else len(r.body)
            for r in sent
        )
        refs = sum(1 for r in sent if r.transcript_id)
        ratio = f"{inline / size:.0f}x" if size else "-"
        out.write(
            f"  {step:<11}{len(sent):>9}{refs:>9}{size:>12,}{inline:>11,}{ratio:>8}\n"
        )
        totals["requests"] += len(sent)
        totals["bytes_sent"] += size
        totals["inline_bytes"] += inline
    example = next(r for r in wire.requests if r.transcript_id)
    tid = example.transcript_id or ""
    out.write(
        f"  The first of them: {len(example.body):,} bytes carrying "
        f"transcript_id={tid!r}\n  and the tag {TRANSCRIPT_TAG!r}; with the text inline "
        f"it would be {inline_size(example.json, texts[tid]):,} bytes.\n"
    )
    return totals


def run(out: TextIO, *, live: bool = False, model: str = DEFAULT_MODEL) -> int:
    """Run the demo, printing to `out`; returns the exit status."""
    started = time.monotonic()
    wire = WireLog()
    with open_target(live, model) as target:
        _intro(target, out)
        try:
            for number, (step, title, function) in enumerate(STEPS, 1):
                out.write(f"\n[{number}/{len(STEPS)}] {title}\n")
                out.flush()
                wire.step = step
                step_started = time.monotonic()
                function(target, wire, out)
                if not any(r.transcript_id for r in wire.of_step(step)):
                    msg = f"step {step!r} sent no request with a transcript_id"
                    raise DemoError(msg)
                out.write(f"      done in {time.monotonic() - step_started:.1f} s\n")
        finally:
            wire.close()
        totals = _report(target, wire, out)
    out.write(f"\nDone in {time.monotonic() - started:.1f} s.\n")
    out.write(json.dumps(totals) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`aai-gateway demo` (the `aai-gateway` command, `aai_gateway._cli`, hands `demo ...` here)."""
    parser = argparse.ArgumentParser(
        prog="aai-gateway", description=__doc__.splitlines()[0] if __doc__ else None
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="an agent, a query engine and a map-reduce summary over meetings, offline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "--live",
        action="store_true",
        help=f"use the real gateway ({API_KEY_ENV} required; {TRANSCRIPT_ENV} "
        "picks the transcript, else your newest completed one)",
    )
    demo.add_argument("--model", default=DEFAULT_MODEL, help="default: %(default)s")
    args = parser.parse_args(argv)
    try:
        return run(sys.stdout, live=args.live, model=args.model)
    except DemoError as exc:
        print(f"\ndemo cannot run: {exc}", file=sys.stderr)
        return 2
    except AssemblyAIGatewayError as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
