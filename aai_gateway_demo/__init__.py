"""`aai-gateway demo`: the package's main job, end to end, with no key and no network.

It starts the bundled emulator on loopback, then (1) a LangChain agent answers a
question about a meeting transcript by reference, streaming tokens, (2) a
LlamaIndex query engine does the same, (3) a map-reduce summary runs over every
meeting, and (4) a recording is uploaded and transcribed, and the new meeting is
asked a question by reference. Last, it prints what went on the wire (bytes,
`transcript_id`, the `{{ transcript }}` tag) next to what the same requests would
weigh with the transcript's text inline, and the tokens and estimated cost of the
LangChain calls (`get_assemblyai_callback`). With `--live` and
`ASSEMBLYAI_API_KEY` set, the same runs against the real gateway (step 4 only
with `--audio`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from aai_gateway import API_KEY_ENV, TRANSCRIPT_TAG, AssemblyAIGatewayError
from aai_gateway.costs import PriceTable, bundled_prices, fetch_prices
from aai_gateway_demo._recording import from_recording
from aai_gateway_demo._steps import (
    _missing,
    langchain_agent,
    llama_index_engine,
    map_reduce,
)
from aai_gateway_demo._target import TRANSCRIPT_ENV, DemoError, Target, open_target
from aai_gateway_demo._wire import WireLog, inline_size

if TYPE_CHECKING:
    from langchain_aai_gateway import AssemblyAICallbackHandler

__all__ = ["Outcome", "main", "play", "run"]

Step = Callable[[Target, WireLog, TextIO], "str | None"]
"""A step: prints as it goes, returns its answer (`None`: it was skipped)."""
STEPS: tuple[tuple[str, str, Step], ...] = (
    (
        "agent",
        "LangChain agent (create_agent + AssemblyAITranscriptQATool)",
        langchain_agent,
    ),
    ("engine", "LlamaIndex TranscriptQueryEngine, streaming", llama_index_engine),
    ("map-reduce", "map-reduce summary of every meeting", map_reduce),
    (
        "recording",
        "from a recording: upload, transcribe, ask the new meeting by reference",
        from_recording,
    ),
)
LANGCHAIN_STEPS = ("agent", "map-reduce", "recording")
"""The steps whose calls `get_assemblyai_callback` counts (LangChain's)."""
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
    out.write(
        "\nOn the wire (no question carried a transcript's text; the sizes "
        "'if inline' were\nmeasured afterwards, by fetching the texts):\n"
    )
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


@dataclass(frozen=True)
class Outcome:
    """What `play` did.

    Attributes:
        answers: Each step's answer (`None`: skipped), by step name.
        costs: The handler that counted the LangChain calls.
        totals: The wire totals and the LangChain calls' tokens and cost.
    """

    answers: dict[str, str | None]
    costs: AssemblyAICallbackHandler
    totals: dict[str, Any]


def _prices(target: Target) -> PriceTable:
    """The gateway's catalogue prices, read now (the bundled snapshot if it fails)."""
    with target.core_client() as client:
        try:
            return fetch_prices(client)
        except AssemblyAIGatewayError:
            return bundled_prices()


def _run_steps(target: Target, wire: WireLog, out: TextIO) -> dict[str, str | None]:
    answers: dict[str, str | None] = {}
    try:
        for number, (step, title, function) in enumerate(STEPS, 1):
            out.write(f"\n[{number}/{len(STEPS)}] {title}\n")
            out.flush()
            wire.step = step
            step_started = time.monotonic()
            answers[step] = function(target, wire, out)
            ran = answers[step] is not None
            if ran and not any(r.transcript_id for r in wire.of_step(step)):
                msg = f"step {step!r} sent no request with a transcript_id"
                raise DemoError(msg)
            out.write(f"      done in {time.monotonic() - step_started:.1f} s\n")
    finally:
        wire.close()
    return answers


def _report_costs(
    costs: AssemblyAICallbackHandler, target: Target, out: TextIO
) -> None:
    """The LangChain calls' tokens and estimated cost, and where the prices came from."""
    where = f" of {target.where}" if costs.price_source.startswith("catalogue") else ""
    out.write(
        f"\nLangChain calls ({', '.join(LANGCHAIN_STEPS)}), counted by "
        "get_assemblyai_callback():\n"
        f"  {costs.successful_requests} requests, {costs.total_tokens:,} tokens "
        f"({costs.prompt_tokens:,} prompt, {costs.completion_tokens:,} completion)\n"
        f"  estimated cost ${costs.total_cost:.6f}\n"
        f"  prices: {costs.price_source}{where}, as of {costs.prices_as_of}\n"
    )
    if costs.unpriced_models:
        out.write(f"  no prices for: {', '.join(sorted(costs.unpriced_models))}\n")
    out.write(
        "  (the LlamaIndex step is not in it: llama_index_aai_gateway's "
        "AssemblyAICostHandler counts LlamaIndex calls)\n"
    )


def play(target: Target, wire: WireLog, out: TextIO) -> Outcome:
    """Every step against `target`, recorded in `wire`, then the wire and cost reports.

    The LangChain calls run inside `get_assemblyai_callback()`, priced from the
    gateway's catalogue.

    Returns:
        The answers, the cost handler and the totals.
    """
    try:
        from langchain_aai_gateway import get_assemblyai_callback
    except ImportError as exc:
        raise _missing("LangChain", "langchain", exc) from exc
    _intro(target, out)
    with get_assemblyai_callback(prices=_prices(target)) as costs:
        answers = _run_steps(target, wire, out)
    totals: dict[str, Any] = dict(_report(target, wire, out))
    _report_costs(costs, target, out)
    totals.update(
        langchain_requests=costs.successful_requests,
        total_tokens=costs.total_tokens,
        cost_usd=costs.total_cost,
    )
    return Outcome(answers, costs, totals)


def run(
    out: TextIO,
    *,
    live: bool = False,
    model: str = DEFAULT_MODEL,
    audio: str | None = None,
) -> int:
    """Run the demo, printing to `out`; returns the exit status.

    Args:
        out: Where to print.
        live: The real gateway instead of the emulator.
        model: The chat model.
        audio: With `live`: a recording (file or http(s) URL) for step 4.

    Raises:
        DemoError: the demo cannot run as asked (no key, a bad `audio`, ...).
    """
    started = time.monotonic()
    with open_target(live, model, audio) as target:
        outcome = play(target, WireLog(), out)
    out.write(f"\nDone in {time.monotonic() - started:.1f} s.\n")
    out.write(json.dumps(outcome.totals) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`aai-gateway demo` (the `aai-gateway` command, `aai_gateway._cli`, hands `demo ...` here)."""
    parser = argparse.ArgumentParser(
        prog="aai-gateway", description=__doc__.splitlines()[0] if __doc__ else None
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="an agent, a query engine, a map-reduce summary and a recording, offline",
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
    demo.add_argument(
        "--audio",
        metavar="URL_OR_PATH",
        help="with --live: a short recording (file or http(s) URL) for step 4, "
        "transcribed with speaker labels; without it step 4 is skipped live",
    )
    args = parser.parse_args(argv)
    try:
        return run(sys.stdout, live=args.live, model=args.model, audio=args.audio)
    except DemoError as exc:
        print(f"\ndemo cannot run: {exc}", file=sys.stderr)
        return 2
    except AssemblyAIGatewayError as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
