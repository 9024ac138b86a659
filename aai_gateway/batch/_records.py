"""The one record a batch writes per transcript, built from an answer or an error.

```json
{"transcript_id": "5d8e...", "status": "ok", "answer": "...", "model": "claude-sonnet-4-6",
 "usage": {"input_tokens": 812, "output_tokens": 64, "total_tokens": 876},
 "request_id": "2a9a...", "error": null}
```

`answer` is the text, or the parsed object when the batch has a schema (or when a
step returns one); a failure has `status: "error"`, `answer: null` and
`error: {"type": "TranscriptNotFoundError", "message": "..."}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, TypedDict, TypeGuard

from typing_extensions import NotRequired

from aai_gateway.types import ChatCompletion, Usage

# Built once: `json.dumps` with options builds an encoder per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class RecordUsage(TypedDict):
    """Token counts of one answer (the cache counts when the gateway gave them)."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    cache_read_tokens: NotRequired[int]
    cache_creation_tokens: NotRequired[int]


class RecordError(TypedDict):
    """Why an item failed: the error's class name and message."""

    type: str
    message: str


class BatchRecord(TypedDict):
    """One line of a batch's JSONL output."""

    transcript_id: str
    status: Literal["ok", "error"]
    answer: Any
    model: str | None
    usage: RecordUsage | None
    request_id: str | None
    error: RecordError | None


def usage_record(usage: Usage | Mapping[str, Any] | None) -> RecordUsage | None:
    """Token counts from the core's `Usage` or a framework's usage mapping."""
    if usage is None:
        return None
    if isinstance(usage, Usage):
        counts: RecordUsage = {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "total_tokens": usage.total_tokens,
        }
        if usage.cache_read_tokens is not None:
            counts["cache_read_tokens"] = usage.cache_read_tokens
        if usage.cache_creation_tokens is not None:
            counts["cache_creation_tokens"] = usage.cache_creation_tokens
        return counts
    given, answered, total = (
        usage.get(k) for k in ("input_tokens", "output_tokens", "total_tokens")
    )
    if not (_is_count(given) and _is_count(answered) and _is_count(total)):
        return None
    return {"input_tokens": given, "output_tokens": answered, "total_tokens": total}


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def ok_record(
    transcript_id: str,
    answer: Any,
    *,
    model: str | None = None,
    usage: RecordUsage | None = None,
    request_id: str | None = None,
) -> BatchRecord:
    """The record of an item that was answered."""
    return {
        "transcript_id": transcript_id,
        "status": "ok",
        "answer": answer,
        "model": model,
        "usage": usage,
        "request_id": request_id,
        "error": None,
    }


def completion_record(
    transcript_id: str, completion: ChatCompletion, answer: Any
) -> BatchRecord:
    """The record of a gateway answer, its `answer` already read from it."""
    return ok_record(
        transcript_id,
        answer,
        model=completion.model,
        usage=usage_record(completion.usage),
        request_id=completion.request_id,
    )


def error_record(
    transcript_id: str, error: BaseException, model: str | None = None
) -> BatchRecord:
    """The record of an item that failed with `error`."""
    request_id = getattr(error, "request_id", None)
    return {
        "transcript_id": transcript_id,
        "status": "error",
        "answer": None,
        "model": model,
        "usage": None,
        "request_id": request_id if isinstance(request_id, str) else None,
        "error": {"type": type(error).__name__, "message": str(error)},
    }


def encode_record(record: BatchRecord) -> str:
    """One JSONL line, newline included.

    Raises:
        TypeError: the answer is not JSON (a step returned something else).
    """
    return _ENCODER.encode(record) + "\n"
