"""The JSONL journal: appending, reading back, repairing what a killed run left."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aai_gateway.batch import read_results
from aai_gateway.batch._journal import Journal
from aai_gateway.batch._records import encode_record, error_record, ok_record
from aai_gateway.errors import APIConnectionError


def ok(tid: str, answer: str = "yes") -> str:
    return encode_record(ok_record(tid, answer))


def failed(tid: str) -> str:
    return encode_record(error_record(tid, APIConnectionError("reset")))


def test_records_are_appended_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    journal = Journal(path)
    assert journal.done == frozenset()
    journal.write(ok_record("a", {"k": "é"}))
    journal.write(error_record("b", ValueError("no")))
    # On disk at once, before closing: a killed run loses nothing it wrote.
    assert len(path.read_bytes().splitlines()) == 2
    journal.close()
    first, second = read_results(path)
    assert first["answer"] == {"k": "é"}
    assert second["error"] == {"type": "ValueError", "message": "no"}
    assert Journal(path).done == {"a"}


def test_a_torn_last_line_is_dropped_and_that_item_runs_again(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text(ok("a") + ok("b") + '{"transcript_id": "c", "sta')
    assert [r["transcript_id"] for r in read_results(path)] == ["a", "b"]
    journal = Journal(path)
    assert journal.done == {"a", "b"}
    journal.write(ok_record("c", "again"))
    journal.close()
    assert [
        json.loads(line)["transcript_id"] for line in path.read_text().splitlines()
    ] == [
        "a",
        "b",
        "c",
    ]


def test_reopening_drops_the_errors_that_will_be_retried(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text(failed("a") + ok("b") + failed("c") + ok("c"))
    assert Journal(path).done == {"b", "c"}
    assert [r["transcript_id"] for r in read_results(path)] == ["b", "c"]
    assert all(r["status"] == "ok" for r in read_results(path))


def test_without_retries_an_error_counts_as_done(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    original = failed("a") + ok("b") + ok("a") + failed("b")
    path.write_text(original)
    journal = Journal(path, retry_errors=False)
    assert journal.done == {"a", "b"}
    records = {r["transcript_id"]: r["status"] for r in read_results(path)}
    assert records == {"a": "ok", "b": "ok"}  # an answer is never replaced by an error


def test_an_intact_file_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text(ok("a") + ok("b"))
    before = path.stat().st_ino
    Journal(path)
    assert path.stat().st_ino == before


@pytest.mark.parametrize(
    "line", ["not json", "[1, 2]", '{"transcript_id": "a", "status": "maybe"}']
)
def test_a_foreign_line_is_refused_naming_it(tmp_path: Path, line: str) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text(ok("a") + line + "\n" + ok("b"))
    with pytest.raises(ValueError, match="line 2 is not a batch record"):
        Journal(path)
    with pytest.raises(ValueError, match="line 2"):
        read_results(path)


def test_the_output_must_be_a_file_in_a_directory_that_exists(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="`out`: the directory"):
        Journal(tmp_path / "missing" / "out.jsonl")
    with pytest.raises(ValueError, match="`out` must be a file"):
        Journal(tmp_path)


def test_an_answer_that_is_not_json_is_refused() -> None:
    with pytest.raises(TypeError):
        encode_record(ok_record("a", object()))
