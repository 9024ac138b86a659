"""The `aai-gateway` command line: `batch`, and `demo` (started from its own package).

`aai-gateway batch` runs one prompt (or schema) over many transcripts, by
reference, resumably and paced to the rate limit (`aai_gateway.batch`). It exits
0 when every transcript is answered, 1 when some failed or the run stopped on an
error, 2 for bad arguments (nothing is sent), 130 when interrupted (run the same
command again to resume).

`aai-gateway demo` lives in `aai_gateway_demo`, which imports both frameworks; it
is imported by name when asked for, so the core's import graph never holds it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aai_gateway.batch import BatchSummary, TranscriptBatch
from aai_gateway.batch._sources import read_id_file
from aai_gateway.errors import APIError

_DEMO_MODULE = "aai_gateway_demo"
_STATUSES = ("queued", "processing", "completed", "error")


class UsageError(Exception):
    """Arguments that cannot run (reported with exit status 2)."""


def _add_job(parser: argparse.ArgumentParser) -> None:
    job = parser.add_argument_group("what to ask")
    job.add_argument("--model", required=True, help="the gateway model id")
    prompt = job.add_mutually_exclusive_group(required=True)
    prompt.add_argument(
        "--prompt",
        metavar="TEXT",
        help="the question; '{{ transcript }}' marks the spot",
    )
    prompt.add_argument(
        "--prompt-file", type=Path, metavar="FILE", help="read the question from a file"
    )
    job.add_argument(
        "--schema",
        metavar="MODULE:NAME",
        help="a Pydantic class or JSON-schema dict: answers become parsed objects",
    )
    job.add_argument(
        "--fallback",
        action="append",
        metavar="MODEL",
        help="a fallback model for the gateway to try (repeatable)",
    )
    job.add_argument(
        "--max-tokens", type=int, metavar="N", help="the answer's token cap"
    )
    job.add_argument(
        "--out", required=True, type=Path, metavar="FILE", help="the JSONL output"
    )
    job.add_argument(
        "--parquet",
        type=Path,
        metavar="FILE",
        help="also write Parquet here at the end",
    )


def _add_source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group(
        "which transcripts (default: every completed one)"
    )
    source.add_argument(
        "--ids", metavar="FILE", help="one transcript id a line ('-': stdin)"
    )
    source.add_argument("--status", choices=_STATUSES, help="listing filter")
    source.add_argument("--created-on", metavar="YYYY-MM-DD", help="listing filter")
    source.add_argument("--after-id", metavar="ID", help="listing filter: newer ones")
    source.add_argument("--max-transcripts", type=int, metavar="N", help="newest N")


def _add_run(parser: argparse.ArgumentParser) -> None:
    run = parser.add_argument_group("how to run")
    run.add_argument(
        "--base-url",
        metavar="URL",
        help="the gateway URL (default: region/environment)",
    )
    run.add_argument(
        "--transcript-base-url", metavar="URL", help="the transcript REST API root"
    )
    run.add_argument("--region", choices=("us", "eu"), help="default: us")
    run.add_argument("--max-concurrency", type=int, default=16, metavar="N")
    run.add_argument(
        "--requests-per-minute", type=float, metavar="N", help="cap the pace"
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument(
        "--ray", action="store_true", help="run on Ray Data (aai-gateway[ray])"
    )
    run.add_argument("--ray-workers", type=int, default=2, metavar="N")


def build_parser() -> argparse.ArgumentParser:
    """The `aai-gateway` parser (`demo` is parsed by the demo itself)."""
    parser = argparse.ArgumentParser(
        prog="aai-gateway", description="AssemblyAI LLM Gateway tools."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    batch = commands.add_parser(
        "batch",
        help="one prompt over many transcripts, resumable, paced to the rate limit",
        description=(__doc__ or "").split("\n\n")[1],
    )
    _add_job(batch)
    _add_source(batch)
    _add_run(batch)
    commands.add_parser(
        "demo",
        add_help=False,
        help="an agent, a query engine, a map-reduce summary and a recording, offline",
    )
    return parser


def load_schema(spec: str) -> Any:
    """The object `module:name` names, importable from the working directory.

    Raises:
        UsageError: a malformed spec, or a module or name that cannot be found.
    """
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        msg = f"--schema must be MODULE:NAME (e.g. myapp.schemas:Outcome), got {spec!r}"
        raise UsageError(msg)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        msg = f"--schema: cannot import {module_name!r}: {exc}"
        raise UsageError(msg) from exc
    try:
        return getattr(module, name)
    except AttributeError:
        msg = f"--schema: {module_name!r} has no {name!r}"
        raise UsageError(msg) from None


def _read_prompt(args: argparse.Namespace) -> str:
    if args.prompt is not None:
        return str(args.prompt)
    try:
        return str(args.prompt_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"--prompt-file: cannot read {str(args.prompt_file)!r}: {exc}"
        raise UsageError(msg) from exc


def _read_ids(spec: str | None) -> list[str] | None:
    if spec is None:
        return None
    if spec == "-":
        lines = sys.stdin.read().splitlines()
        return [line.strip() for line in lines if line.strip()]
    return read_id_file(spec)


def build_batch(args: argparse.Namespace) -> TranscriptBatch:
    """The batch the arguments describe, checked.

    Raises:
        UsageError: any argument that cannot run (named).
    """
    try:
        return TranscriptBatch(
            args.out,
            model=args.model,
            prompt=_read_prompt(args),
            schema=None if args.schema is None else load_schema(args.schema),
            transcript_ids=_read_ids(args.ids),
            status=args.status,
            created_on=args.created_on,
            after_id=args.after_id,
            max_transcripts=args.max_transcripts,
            fallbacks=[{"model": m} for m in args.fallback or ()] or None,
            request_options=(
                None if args.max_tokens is None else {"max_tokens": args.max_tokens}
            ),
            max_concurrency=args.max_concurrency,
            requests_per_minute=args.requests_per_minute,
            parquet=args.parquet,
            show_progress=not args.no_progress,
            base_url=args.base_url,
            transcript_base_url=args.transcript_base_url,
            region=args.region,
        )
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from exc


def _run(batch: TranscriptBatch, args: argparse.Namespace) -> BatchSummary:
    if args.ray:
        return batch.run_on_ray(num_workers=args.ray_workers)
    return asyncio.run(batch.arun())


def run_batch_command(args: argparse.Namespace) -> int:
    """`aai-gateway batch`: run, print the summary; the exit status."""
    try:
        batch = build_batch(args)
        batch.check_key(None)
        summary = _run(batch, args)
    except APIError as exc:
        sys.stderr.write(f"aai-gateway batch: stopped: {exc}\n")
        return 1
    except (UsageError, ValueError, ImportError) as exc:
        # Before any request: arguments, the key, the output file, an extra.
        sys.stderr.write(f"aai-gateway batch: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(
            "aai-gateway batch: interrupted; run the same command again to resume\n"
        )
        return 130
    sys.stdout.write(f"{summary}\n")
    return 0 if summary.ok else 1


def run_demo(argv: Sequence[str]) -> int:
    """`aai-gateway demo ...`, run by the demo package (imported now, by name)."""
    try:
        demo = importlib.import_module(_DEMO_MODULE)
    except ImportError as exc:
        sys.stderr.write(
            "aai-gateway demo needs LangChain and LlamaIndex: pip install "
            f"'aai-gateway[all]' ({exc})\n"
        )
        return 2
    status: int = demo.main(list(argv))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """The `aai-gateway` command line; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["demo"]:
        return run_demo(args_list)
    args = build_parser().parse_args(args_list)
    return run_batch_command(args)
