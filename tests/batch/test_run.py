"""Batch runs end to end against the emulator, with `run()` (threads) and `arun()`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from aai_gateway import TRANSCRIPT_TAG
from aai_gateway.batch import TranscriptBatch, read_results
from aai_gateway.errors import AuthenticationError
from aai_gateway.testing import Fault
from tests.batch.conftest import MODEL, Runner, Served

pytestmark = pytest.mark.e2e

Make = Callable[..., TranscriptBatch]
UNKNOWN = "00000000-0000-4000-8000-00000000dead"


class Outcome(BaseModel):
    decision: str
    owners: int


def by_id(path: Path) -> dict[str, Any]:
    return {r["transcript_id"]: r for r in read_results(path)}


def test_every_transcript_of_the_listing_is_asked_by_reference(
    run: Runner, make: Make, served: Served
) -> None:
    batch = make()
    summary = run(batch)
    completed = [
        tid
        for tid, t in served.emulator.transcripts.items()
        if t["status"] == "completed"
    ]
    assert summary.ok
    assert summary.succeeded == summary.total == len(completed) > len(served.ids)
    assert sorted(served.asked()) == sorted(completed)
    for request in served.chats():
        assert request.json["messages"][0]["content"].startswith(
            f"Transcript:\n{TRANSCRIPT_TAG}"
        )
    # By reference: the listing is read, never a transcript's text.
    rest = [r.path for r in served.emulator.requests if r.path.startswith("/v2")]
    assert rest
    assert set(rest) == {"/v2/transcript"}
    records = by_id(batch.out)  # type: ignore[arg-type]
    assert set(records) == set(completed)
    record = records[served.ids[0]]
    assert record["status"] == "ok"
    assert "release 0" in record["answer"]
    assert record["usage"]["total_tokens"] > 0
    assert record["model"] == MODEL
    assert record["request_id"]
    assert summary.input_tokens == sum(
        r["usage"]["input_tokens"] for r in records.values()
    )


def test_the_listing_filters_are_sent(run: Runner, make: Make, served: Served) -> None:
    summary = run(make(created_on="2026-11-03", max_transcripts=1))
    assert summary.total == 1
    listing = [r for r in served.emulator.requests if r.path == "/v2/transcript"]
    assert "created_on=2026-11-03" in listing[0].query
    assert "status=completed" in listing[0].query
    assert served.asked() == [served.ids[2]]


def test_a_failed_item_records_its_typed_error_and_the_run_goes_on(
    run: Runner, make: Make, served: Served
) -> None:
    ids = [served.ids[0], UNKNOWN, served.ids[1]]
    batch = make(transcript_ids=ids, max_concurrency=1)
    summary = run(batch)
    assert not summary.ok
    assert (summary.succeeded, summary.failed) == (2, 1)
    assert summary.errors == {"TranscriptNotFoundError": 1}
    assert served.asked() == ids
    failed = by_id(batch.out)[UNKNOWN]  # type: ignore[arg-type]
    assert failed["status"] == "error"
    assert failed["answer"] is None
    assert failed["error"]["type"] == "TranscriptNotFoundError"
    assert "was not found" in failed["error"]["message"]
    assert failed["request_id"]


def test_a_rerun_skips_what_is_done_and_retries_failures(
    run: Runner, make: Make, served: Served
) -> None:
    first = make(transcript_ids=[served.ids[0], UNKNOWN])
    assert run(first).failed == 1
    served.emulator.reset()
    second = make(transcript_ids=[served.ids[0], UNKNOWN, served.ids[1]])
    summary = run(second)
    assert (summary.skipped, summary.succeeded, summary.failed) == (1, 1, 1)
    assert sorted(served.asked()) == sorted([UNKNOWN, served.ids[1]])
    lines = Path(second.out).read_text().splitlines()
    assert sorted(json.loads(line)["transcript_id"] for line in lines) == sorted(
        second.transcript_ids or ()
    )


def test_with_retry_errors_off_a_failure_counts_as_done(
    run: Runner, make: Make, served: Served
) -> None:
    run(make(transcript_ids=[UNKNOWN]))
    served.emulator.reset()
    summary = run(make(transcript_ids=[UNKNOWN], retry_errors=False))
    assert (summary.skipped, summary.succeeded) == (1, 0)
    assert served.asked() == []


@pytest.mark.parametrize(
    "schema",
    [
        Outcome,
        {
            "title": "Outcome",
            "type": "object",
            "properties": {
                "decision": {"type": "string"},
                "owners": {"type": "integer"},
            },
            "required": ["decision", "owners"],
        },
    ],
    ids=["pydantic", "json-schema"],
)
def test_a_schema_gives_parsed_objects(
    run: Runner, make: Make, served: Served, schema: Any
) -> None:
    batch = make(transcript_ids=served.ids[:3], schema=schema)
    assert run(batch).succeeded == 3
    body = served.chats()[0].json
    assert body["response_format"]["json_schema"]["name"] == "Outcome"
    for record in read_results(batch.out):
        assert isinstance(record["answer"], dict)
        assert isinstance(record["answer"]["decision"], str)
        assert isinstance(record["answer"]["owners"], int)


def test_an_answer_that_does_not_fit_the_schema_is_a_failed_item(
    run: Runner, make: Make, served: Served
) -> None:
    served.emulator.add_fault(
        Fault(
            status=200,
            body={
                "request_id": "req-bad",
                "model": MODEL,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": '{"decision": 3}'},
                        "finish_reason": "stop",
                    }
                ],
            },
        )
    )
    batch = make(transcript_ids=served.ids[:1], schema=Outcome)
    summary = run(batch)
    assert summary.errors == {"ValidationError": 1}
    (record,) = read_results(batch.out)
    assert record["request_id"] == "req-bad"
    assert "owners" in record["error"]["message"]


def test_server_errors_are_retried_then_recorded(
    run: Runner, make: Make, served: Served, tmp_path: Path
) -> None:
    served.emulator.add_fault(
        Fault(status=503, headers={"retry-after": "0.01"}, times=2)
    )
    assert run(make(transcript_ids=served.ids[:1], max_retries=2)).succeeded == 1
    assert served.asked() == served.ids[:1] * 3
    served.emulator.reset()
    served.emulator.add_fault(
        Fault(status=503, headers={"retry-after": "0.01"}, times=5)
    )
    again = make(
        out=tmp_path / "again.jsonl", transcript_ids=served.ids[:1], max_retries=1
    )
    assert run(again).errors == {"InternalServerError": 1}
    assert served.asked() == served.ids[:1] * 2


def test_a_refused_key_stops_the_run(run: Runner, make: Make, served: Served) -> None:
    batch = make(transcript_ids=served.ids, max_concurrency=2)
    with pytest.raises(AuthenticationError):
        run(batch, api_key="wrong-key")
    assert 1 <= len(served.chats()) <= 2
    assert read_results(batch.out) == []


def test_fallbacks_go_to_the_gateway(run: Runner, make: Make, served: Served) -> None:
    # The first model fails twice (the gateway's own retry included): the fallback answers.
    served.emulator.add_fault(Fault(status=503, times=2))
    batch = make(
        transcript_ids=served.ids[:1],
        fallbacks=[{"model": "gpt-4.1"}],
        max_concurrency=1,
    )
    assert run(batch).succeeded == 1
    assert served.chats()[0].json["fallbacks"] == [{"model": "gpt-4.1"}]
    (record,) = read_results(batch.out)
    assert record["model"] == "gpt-4.1"


def test_the_progress_bar_shows_done_failed_rate_and_tokens(
    run: Runner, make: Make, served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    run(make(transcript_ids=[served.ids[0], UNKNOWN], show_progress=True))
    err = capsys.readouterr().err
    assert "2/2" in err
    assert "failed=1" in err
    assert "/min" in err
    assert "tokens=" in err
    run(
        make(
            out=Path(make().out).with_name("quiet.jsonl"), transcript_ids=served.ids[:1]
        )
    )
    assert capsys.readouterr().err == ""


def test_the_summary_reads_as_counts_tokens_and_time(
    run: Runner, make: Make, served: Served
) -> None:
    summary = run(make(transcript_ids=[served.ids[0], UNKNOWN]))
    text = str(summary)
    assert "2 transcripts: 1 answered, 1 failed, 0 already done" in text
    assert f"{summary.input_tokens:,} in" in text
    assert "TranscriptNotFoundError: 1" in text
    assert summary.seconds > 0


def test_parquet_holds_the_same_records(
    run: Runner, make: Make, served: Served, tmp_path: Path
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    batch = make(
        transcript_ids=[*served.ids[:2], UNKNOWN],
        schema=Outcome,
        parquet=tmp_path / "out.parquet",
    )
    run(batch)
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    records = by_id(batch.out)  # type: ignore[arg-type]
    assert {r["transcript_id"] for r in rows} == set(records)
    for row in rows:
        record = records[row["transcript_id"]]
        expected = record["answer"] and json.dumps(record["answer"])
        assert json.loads(row["answer"] or "null") == json.loads(expected or "null")
        usage = row["usage"] and {
            k: v for k, v in row["usage"].items() if v is not None
        }
        assert usage == record["usage"]
        assert row["error"] == record["error"]


def test_the_summary_prices_the_answers_as_the_costs_module_does(
    run: Runner, make: Make, served: Served
) -> None:
    # The bundled snapshot's claude-sonnet-4-6: 3.0 / 15.0 USD per 1M tokens
    # (global), the us tier 10 % more: 3.3 / 16.5.
    batch = make(transcript_ids=served.ids[:2])
    summary = run(batch)
    records = list(read_results(batch.out))
    given = sum(r["usage"]["input_tokens"] for r in records)
    answered = sum(r["usage"]["output_tokens"] for r in records)
    assert given > 0
    assert answered > 0
    assert summary.cost_usd == pytest.approx((given * 3.3 + answered * 16.5) / 1e6)
    assert "bundled snapshot" in summary.price_source
    assert summary.prices_as_of
    assert f"estimated cost: ${summary.cost_usd:.6f}" in str(summary)
    assert summary.unpriced_models == ()

    routed = make(
        out=Path(batch.out).with_name("global.jsonl"),
        transcript_ids=served.ids[:2],
        request_options={"model_region": "global"},
    )
    cost = run(routed).cost_usd
    records = list(read_results(routed.out))
    given = sum(r["usage"]["input_tokens"] for r in records)
    answered = sum(r["usage"]["output_tokens"] for r in records)
    assert cost == pytest.approx((given * 3.0 + answered * 15.0) / 1e6)
