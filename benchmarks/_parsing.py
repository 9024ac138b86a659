"""Parsing one very large server-sent event (the unhappy path's size target).

One 20 MB `data:` event arrives in 64 KiB reads, as a socket hands it over. The
parser's whole cost (decoding, finding the event's end, joining its pieces) is
compared with `json.loads` of the same payload, which the client pays anyway
once the event is complete: the target is at most 2x. httpx-sse, the reference
parser, is shown beside it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import httpx
from httpx_sse import EventSource

from aai_gateway._http.sse import EventParser
from benchmarks._measure import cpu_medians
from benchmarks._report import Report

READ_SIZE = 64 * 1024


def _payload(megabytes: int) -> bytes:
    text = " ".join(f"word{i}" for i in range(megabytes * 1_000_000 // 9))
    return json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]}).encode()


def _expect_one(events: Sequence[object]) -> None:
    if len(events) != 1:
        raise RuntimeError(f"expected one event, parsed {len(events)}")


def large_event(report: Report, rounds: int, megabytes: int = 20) -> None:
    payload = _payload(megabytes)
    body = b"data: " + payload + b"\n\n"
    reads = [body[i : i + READ_SIZE] for i in range(0, len(body), READ_SIZE)]

    def ours() -> None:
        parser = EventParser()
        events = [event for read in reads for event in parser.feed(read)]
        _expect_one(events)

    def reference() -> None:
        response = httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=iter(reads)
        )
        _expect_one(list(EventSource(response).iter_sse()))

    seconds = cpu_medians(
        {
            "json.loads (floor)": lambda: json.loads(payload),
            "EventParser": ours,
            "httpx-sse": reference,
        },
        rounds=rounds,
        warmup=1,
    )
    values = {name: s * 1e3 for name, s in seconds.items()}
    scenario = f"one {megabytes} MB event in {READ_SIZE // 1024} KiB reads (ms)"
    report.add(scenario, values, "ms")
    floor = values["json.loads (floor)"]
    report.ratio(scenario, "EventParser", floor=floor, alternative=values["httpx-sse"])
    report.ratio(scenario, "httpx-sse", floor=floor)
    report.check(
        f"parse one {megabytes} MB event <= 2x json.loads",
        values["EventParser"] / floor,
        2.0,
    )
