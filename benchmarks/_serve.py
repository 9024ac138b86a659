"""Serve the emulator in its own process, for the benchmarks.

`python -m benchmarks._serve --port N --delay 0.02` runs a `GatewayEmulator` with
one word per streamed chunk, no rate limit and no bundled meetings, so the
benchmark process's CPU time holds the client's work only.
"""

from __future__ import annotations

import argparse

from aai_gateway.testing import GatewayEmulator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    emulator = GatewayEmulator(
        rate_limit=None,
        response_delay=args.delay,
        stream_chunk_words=1,
        meetings=False,
    )
    emulator.serve_forever("127.0.0.1", args.port)


if __name__ == "__main__":
    main()
