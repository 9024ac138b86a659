"""Run the gateway emulator from the command line.

`python -m aai_gateway.testing --port 8000` serves the gateway under `/v1` and
the transcript API under `/v2` on one port until Ctrl-C. It prints both base URLs,
then the `export` lines that point a whole program at it (this package's clients
and the official `assemblyai` SDK read the same variables). `--unconfirmed` and
`--unconfirmed-rule NAME=READING` choose how request forms no source settles are
read (see `UNCONFIRMED_RULES`).
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
from collections.abc import Sequence

from aai_gateway.testing._app import DEFAULT_API_KEY, GatewayEmulator
from aai_gateway.testing._recording import DEFAULT_RECORD_LIMIT
from aai_gateway.testing._unconfirmed import READINGS, UNCONFIRMED_RULES, Reading

# The variables' names are the official SDK's (its `Settings`, prefix `assemblyai_`);
# the client reads the same ones. Written out here, since the emulator imports
# nothing from the client; a test checks that both sides spell them alike.
GATEWAY_URL_VARIABLE = "ASSEMBLYAI_LLM_GATEWAY_BASE_URL"
TRANSCRIPT_URL_VARIABLE = "ASSEMBLYAI_BASE_URL"


def announcement(url: str) -> str:
    """What the command prints once it serves at `url` (`http://host:port`).

    The gateway variable gets the host without `/v1`, the form both this
    package's clients and the official SDK accept.
    """
    return (
        f"LLM Gateway base URL:   {url}/v1\n"
        f"Transcript API base URL: {url}\n"
        "# to point a program (or the assemblyai SDK) at it, paste:\n"
        f"export {GATEWAY_URL_VARIABLE}={shlex.quote(url)}\n"
        f"export {TRANSCRIPT_URL_VARIABLE}={shlex.quote(url)}\n"
    )


def _rule_setting(text: str) -> tuple[str, Reading]:
    """Parse `NAME=strict|lenient` (an `argparse` type)."""
    name, _, reading = text.partition("=")
    if name not in UNCONFIRMED_RULES:
        valid = ", ".join(UNCONFIRMED_RULES)
        msg = f"unknown rule {name!r}; valid rules: {valid}"
        raise argparse.ArgumentTypeError(msg)
    if reading not in READINGS:
        msg = f"{text!r}: the reading must be strict or lenient (NAME=strict|lenient)"
        raise argparse.ArgumentTypeError(msg)
    return name, "strict" if reading == "strict" else "lenient"


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="python -m aai_gateway.testing",
        description="Serve a local emulator of AssemblyAI's LLM Gateway (/v1) and "
        "transcript API (/v2) on one port.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help=f"an accepted API key; repeat for more (default: {DEFAULT_API_KEY})",
    )
    parser.add_argument(
        "--region", choices=("us", "eu"), default="us", help="model catalogue"
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=30,
        help="requests per key per model per minute; 0 disables (default: %(default)s)",
    )
    _add_behaviour_options(parser)
    return parser


def _add_behaviour_options(parser: argparse.ArgumentParser) -> None:
    """The options that shape what the emulator keeps, waits for and accepts."""
    parser.add_argument(
        "--record-limit",
        type=int,
        default=DEFAULT_RECORD_LIMIT,
        help="how many requests to keep in the request log; 0 keeps all "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--transcription-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="how long a created transcript stays processing (default: %(default)s)",
    )
    parser.add_argument(
        "--queue-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="how long a created transcript is queued first (default: %(default)s)",
    )
    parser.add_argument(
        "--unconfirmed",
        choices=READINGS,
        default="strict",
        help="how to read every unconfirmed request form: strict refuses it with a "
        "400, lenient accepts it (default: %(default)s)",
    )
    parser.add_argument(
        "--unconfirmed-rule",
        action="append",
        dest="unconfirmed_rules",
        type=_rule_setting,
        default=[],
        metavar="NAME=strict|lenient",
        help="override --unconfirmed for one rule; repeat for more. Rules: "
        + ", ".join(UNCONFIRMED_RULES),
    )


def unconfirmed_option(
    default: Reading, overrides: Sequence[tuple[str, Reading]]
) -> Reading | dict[str, Reading]:
    """The `unconfirmed=` value for `--unconfirmed` and its per-rule overrides."""
    if not overrides:
        return default
    readings: dict[str, Reading] = dict.fromkeys(UNCONFIRMED_RULES, default)
    readings.update(overrides)
    return readings


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv`, print the base URLs and `export` lines, and serve until interrupted."""
    args = build_parser().parse_args(argv)
    emulator = GatewayEmulator(
        api_keys=args.api_keys or (DEFAULT_API_KEY,),
        region=args.region,
        rate_limit=args.rate_limit or None,
        record_limit=args.record_limit or None,
        transcription_delay=args.transcription_delay,
        queue_delay=args.queue_delay,
        unconfirmed=unconfirmed_option(args.unconfirmed, args.unconfirmed_rules),
    )

    def announce(port: int) -> None:
        host = f"[{args.host}]" if ":" in args.host else args.host
        sys.stdout.write(announcement(f"http://{host}:{port}"))
        sys.stdout.flush()

    # uvicorn re-raises Ctrl-C once it has shut down; that is a normal exit here.
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever(args.host, args.port, announce)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
