"""The batch's output: a JSONL journal written as answers arrive, read back to resume.

Each record is one line, written with one `write` and flushed at once, so a run
that is killed leaves every finished item on disk. At most the last line can be
torn (the process died inside it); reopening drops it, and that item runs again.
A transcript counts as done once it has an `ok` record (or any record, with
`retry_errors=False`); reopening also drops the error records that will be
retried, so the file keeps one record per transcript.

Parquet, when asked for, is written from the journal at the end of a run (a
Parquet file cannot be appended to line by line and be read after a crash).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aai_gateway.batch._records import BatchRecord, encode_record

_O_BINARY: int = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def _parse_line(line: bytes, number: int, path: Path) -> BatchRecord:
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if (
        not isinstance(record, dict)
        or not isinstance(record.get("transcript_id"), str)
        or record.get("status") not in ("ok", "error")
    ):
        msg = (
            f"{str(path)!r} line {number} is not a batch record (a JSON object with "
            "`transcript_id` and `status`); give `out` a new file, or the output "
            "of an earlier run of this batch to resume it"
        )
        raise ValueError(msg)
    return record  # type: ignore[return-value]


def _read_lines(path: Path) -> tuple[list[bytes], bool]:
    """The complete lines of `path`, and whether a torn last line was left out."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], False
    lines = data.split(b"\n")
    torn = lines.pop() != b""  # text after the last newline
    return [line for line in lines if line.strip()], torn


def read_results(path: str | os.PathLike[str]) -> list[BatchRecord]:
    """The records of a batch output, the latest one per transcript, in file order.

    A torn last line (from a run that was killed) is left out.

    Raises:
        ValueError: a complete line that is not a batch record.
    """
    where = Path(path)
    lines, _ = _read_lines(where)
    latest: dict[str, BatchRecord] = {}
    for number, line in enumerate(lines, 1):
        record = _parse_line(line, number, where)
        latest.pop(record["transcript_id"], None)
        latest[record["transcript_id"]] = record
    return list(latest.values())


class Journal:
    """The JSONL output of one run, open for appending.

    Args:
        path: The file (created if missing; its directory must exist).
        retry_errors: Whether transcripts whose record is an error run again.
    """

    def __init__(self, path: str | os.PathLike[str], *, retry_errors: bool = True):
        self.path = Path(path)
        if not self.path.parent.is_dir():
            msg = f"`out`: the directory {str(self.path.parent)!r} does not exist"
            raise ValueError(msg)
        if self.path.is_dir():
            msg = f"`out` must be a file, got the directory {str(self.path)!r}"
            raise ValueError(msg)
        self.done: frozenset[str] = self._repair(retry_errors)
        self._lock = threading.Lock()
        self._fd: int | None = None

    def _repair(self, retry_errors: bool) -> frozenset[str]:
        """Read what is done; drop a torn line and the records to retry."""
        lines, torn = _read_lines(self.path)
        keep: dict[str, bytes] = {}
        answered: set[str] = set()
        for number, line in enumerate(lines, 1):
            record = _parse_line(line, number, self.path)
            tid = record["transcript_id"]
            if record["status"] == "error" and (retry_errors or tid in answered):
                continue
            keep.pop(tid, None)
            keep[tid] = line
            if record["status"] == "ok":
                answered.add(tid)
        if torn or len(keep) != len(lines):
            _replace(self.path, keep.values())
        return frozenset(keep)

    def write(self, record: BatchRecord) -> None:
        """Append one record and hand it to the operating system at once.

        One unbuffered `write` on a descriptor opened for appending: no buffer to
        flush, and each line lands whole at the end of the file.
        """
        line = encode_record(record).encode()
        with self._lock:
            if self._fd is None:
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _O_BINARY
                self._fd = os.open(self.path, flags, 0o666)
            written = os.write(self._fd, line)
            while written < len(line):  # a short write (rare on a regular file)
                written += os.write(self._fd, line[written:])

    def close(self) -> None:
        """Close the file (records written so far are on disk)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _replace(path: Path, lines: Iterable[bytes]) -> None:
    """Rewrite `path` with `lines`, atomically (a crash leaves the old or the new)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            for line in lines:
                file.write(line + b"\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def check_parquet(path: str | os.PathLike[str] | None) -> Path | None:
    """Check that Parquet can be written, before any request.

    Raises:
        ImportError: pyarrow is not installed.
        ValueError: the directory does not exist.
    """
    if path is None:
        return None
    target = Path(path)
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        msg = "`parquet` needs pyarrow: pip install 'aai-gateway[parquet]'"
        raise ImportError(msg) from exc
    if not target.parent.is_dir():
        msg = f"`parquet`: the directory {str(target.parent)!r} does not exist"
        raise ValueError(msg)
    return target


def write_parquet(journal: str | os.PathLike[str], target: Path) -> int:
    """Write the journal's records (the latest per transcript) as Parquet.

    `answer` is a string column: the text, or the JSON of a parsed object.

    Returns:
        How many rows were written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = read_results(journal)
    texts = all(r["answer"] is None or isinstance(r["answer"], str) for r in records)
    rows: list[dict[str, Any]] = [
        dict(r) if texts else {**r, "answer": _json_text(r["answer"])} for r in records
    ]
    table = pa.Table.from_pylist(rows, schema=_schema(pa))
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return len(rows)


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _schema(pa: Any) -> Any:
    # The cache counts are null in a row whose answer did not report them.
    tokens = [
        pa.field(name, pa.int64())
        for name in (
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "cache_read_tokens",
            "cache_creation_tokens",
        )
    ]
    return pa.schema(
        [
            pa.field("transcript_id", pa.string()),
            pa.field("status", pa.string()),
            pa.field("answer", pa.string()),
            pa.field("model", pa.string()),
            pa.field(
                "usage",
                pa.struct(tokens),
            ),
            pa.field("request_id", pa.string()),
            pa.field(
                "error",
                pa.struct(
                    [pa.field("type", pa.string()), pa.field("message", pa.string())]
                ),
            ),
        ]
    )
