"""Which transcripts a batch covers: an id list, or a listing of the account.

A listing walks `GET /v2/transcript` from the newest transcript to the oldest
(200 a page) with the filters given, `status` defaulting to `completed`, the only
status the gateway can answer about. Ids are checked, and repeats dropped, before
any request.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aai_gateway._http.client import AsyncGatewayClient, GatewayClient
from aai_gateway.transcripts import check_transcript_id

_STATUSES = ("queued", "processing", "completed", "error")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PAGE = 200


def read_id_file(path: str | os.PathLike[str]) -> list[str]:
    """The transcript ids of a file, one a line (blank lines and `#` comments skipped).

    Raises:
        ValueError: the file cannot be read, or a line is not a transcript id (named
            by its number).
    """
    where = Path(path)
    try:
        text = where.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"`--ids`: cannot read {str(where)!r}: {exc}"
        raise ValueError(msg) from exc
    ids = []
    for number, line in enumerate(text.splitlines(), 1):
        value = line.strip()
        if value and not value.startswith("#"):
            ids.append(check_transcript_id(value, f"--ids line {number}"))
    return ids


@dataclass(frozen=True)
class TranscriptSource:
    """An id list, or listing filters.

    Raises:
        ValueError: ids together with filters, a malformed id, date, status or count.
    """

    ids: tuple[str, ...] | None = None
    status: str | None = None
    created_on: str | None = None
    after_id: str | None = None
    max_transcripts: int | None = None

    def __post_init__(self) -> None:
        filters = (self.status, self.created_on, self.after_id, self.max_transcripts)
        if self.ids is not None and any(f is not None for f in filters):
            msg = (
                "give either `transcript_ids` or the listing filters (`status`, "
                "`created_on`, `after_id`, `max_transcripts`), not both"
            )
            raise ValueError(msg)
        if self.ids is not None:
            for position, tid in enumerate(self.ids):
                check_transcript_id(tid, f"transcript_ids[{position}]")
        _check_filters(self)

    @classmethod
    def of(cls, ids: Iterable[str] | None, **filters: Any) -> TranscriptSource:
        """A source from an iterable of ids (kept once each, in order) or filters."""
        if ids is None:
            return cls(**filters)
        if isinstance(ids, str):
            msg = f"`transcript_ids` must be a list of ids, not one string: {ids!r}"
            raise TypeError(msg)
        return cls(tuple(dict.fromkeys(ids)), **filters)

    def _filters(self) -> dict[str, Any]:
        found = {
            "status": self.status or "completed",
            "created_on": self.created_on,
            "after_id": self.after_id,
            "limit": _PAGE,
        }
        return {k: v for k, v in found.items() if v is not None}

    def ids_from(self, client: GatewayClient) -> list[str]:
        """The transcript ids, listing the account when no ids were given."""
        if self.ids is not None:
            return list(self.ids)
        rows = client.iter_transcripts(
            max_results=self.max_transcripts, **self._filters()
        )
        return list(dict.fromkeys(row.id for row in rows))

    async def aids_from(self, client: AsyncGatewayClient) -> list[str]:
        """The transcript ids (see `ids_from`)."""
        if self.ids is not None:
            return list(self.ids)
        rows = client.aiter_transcripts(
            max_results=self.max_transcripts, **self._filters()
        )
        return list(dict.fromkeys([row.id async for row in rows]))


def _check_filters(source: TranscriptSource) -> None:
    if source.status is not None and source.status not in _STATUSES:
        msg = f"`status` must be one of {', '.join(_STATUSES)}, got {source.status!r}"
        raise ValueError(msg)
    if source.created_on is not None and not _is_date(source.created_on):
        msg = f"`created_on` must be a date YYYY-MM-DD, got {source.created_on!r}"
        raise ValueError(msg)
    if source.after_id is not None:
        check_transcript_id(source.after_id, "after_id")
    count = source.max_transcripts
    if count is not None and (
        isinstance(count, bool) or not isinstance(count, int) or count < 1
    ):
        msg = f"`max_transcripts` must be a whole number of 1 or more, got {count!r}"
        raise ValueError(msg)


def _is_date(text: object) -> bool:
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True
