"""The transcript REST API's `/v2` routes (spec 12).

Auth is the raw key (a `Bearer` prefix is accepted too); errors are
`{"error": "..."}`; an unknown id answers 400
`Transcript lookup error, transcript id not found`. Sentences, paragraphs and
subtitles of a transcript that is not `completed` answer 400, and so does every
malformed query parameter (numbers are ASCII digits only: `int()` would take
`"٣"` and choke on `"²"`). `POST /v2/upload` keeps a file for the key that sent
it; `POST /v2/transcript` starts a job (`_transcription`) on a body checked by
`_transcript_params`; `DELETE` blanks a finished transcript and refuses one
that is still queued or processing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from aai_gateway.testing._gateway import parse_body
from aai_gateway.testing._responses import (
    BAD_KEY,
    altered_success,
    fault_response,
    json_response,
    rest_error,
)
from aai_gateway.testing._state import EmulatorState
from aai_gateway.testing._subtitles import (
    DEFAULT_CHARS_PER_CAPTION,
    build_captions,
    build_srt,
    build_vtt,
)
from aai_gateway.testing._transcript_params import (
    check_transcript_params,
    read_params,
)
from aai_gateway.testing._transcription import (
    CANNOT_ACCESS_UPLOAD,
    EMPTY_UPLOAD,
    start_transcription,
)
from aai_gateway.testing._transcripts import Listed, paragraphs_of, sentences_of

NOT_FOUND = "Transcript lookup error, transcript id not found"
_STATUSES = ("queued", "processing", "completed", "error")
Handler = Callable[[Request, dict[str, Any]], Response]


class _Refused(Exception):
    """A request that ends in an error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _completed_at(created: str) -> str:
    try:
        finished = datetime.fromisoformat(created) + timedelta(seconds=37)
    except ValueError:
        return created
    return finished.isoformat(timespec="microseconds")


def _list_item(item: Listed, base: str) -> dict[str, Any]:
    transcript, created = item.transcript, item.created
    status = transcript.get("status")
    completed = None
    if status in ("completed", "error"):
        completed = item.completed or _completed_at(created)
    return {
        "id": transcript["id"],
        "resource_url": f"{base}/v2/transcript/{transcript['id']}",
        "status": status,
        "created": created,
        "completed": completed,
        "audio_url": transcript.get("audio_url"),
        "error": transcript.get("error"),
    }


_ASCII_NUMBER = re.compile(r"[0-9]{1,9}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _read_number(value: str, name: str, low: int, high: int | None = None) -> int:
    """A query number: ASCII digits within `low..high`, else a 400 naming `name`."""
    number = int(value) if _ASCII_NUMBER.fullmatch(value) else None
    if number is None or number < low or (high is not None and number > high):
        bounds = f"between {low} and {high}" if high else f"of at least {low}"
        raise _Refused(rest_error(400, f"{name} must be an integer {bounds}"))
    return number


def _read_limit(value: str | None) -> int:
    return 10 if value is None else _read_number(value, "limit", 1, 200)


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _read_day(value: str | None) -> str | None:
    if value is None or (_DAY.fullmatch(value) and _is_date(value)):
        return value
    raise _Refused(rest_error(400, "created_on must be a date as YYYY-MM-DD"))


def _filter(items: list[Listed], query: Mapping[str, str]) -> list[Listed]:
    status = query.get("status")
    if status is not None and status not in _STATUSES:
        raise _Refused(rest_error(400, f"status must be one of {', '.join(_STATUSES)}"))
    day = _read_day(query.get("created_on"))
    return [
        item
        for item in items
        if (status is None or item.transcript.get("status") == status)
        and (day is None or item.created.startswith(day))
    ]


def _page(items: list[Listed], query: Mapping[str, str], limit: int) -> list[Listed]:
    """The page: `before_id` gives older items, `after_id` the newer ones next to it."""
    ids = [str(item.transcript["id"]) for item in items]
    for name in ("before_id", "after_id"):
        anchor = query.get(name)
        if anchor is None:
            continue
        position = ids.index(anchor) if anchor in ids else None
        if position is None:
            return []
        if name == "before_id":
            return items[position + 1 :][:limit]
        return items[:position][-limit:]
    return items[:limit]


def _page_url(base: str, query: Mapping[str, str], limit: int, **anchor: str) -> str:
    kept = {k: query[k] for k in ("status", "created_on") if k in query}
    return f"{base}/v2/transcript?{urlencode({'limit': limit, **kept, **anchor})}"


def _page_details(
    page: list[Listed],
    items: list[Listed],
    query: Mapping[str, str],
    limit: int,
    request: Request,
) -> dict[str, Any]:
    """`page_details` as in the vendor's example (spec 12.3).

    `prev_url` goes to older items (`before_id` = the page's oldest), null when
    there are none; `next_url` to newer ones (`after_id` = the page's newest), on
    every page with items, the newest too (the vendor's first page has one), so a
    walk along `next_url` ends on an empty page whose `next_url` is null.
    """
    base = str(request.base_url).rstrip("/")
    details: dict[str, Any] = {"limit": limit, "result_count": len(page)}
    details.update(current_url=str(request.url), prev_url=None, next_url=None)
    if page and page[-1] != items[-1]:
        oldest = page[-1].transcript["id"]
        details["prev_url"] = _page_url(base, query, limit, before_id=oldest)
    if page:
        newest = page[0].transcript["id"]
        details["next_url"] = _page_url(base, query, limit, after_id=newest)
    return details


class RestRoutes:
    """The `/v2` endpoints over one `EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state

    def routes(self) -> list[BaseRoute]:
        """The Starlette routes."""
        one = "/v2/transcript/{transcript_id}"
        return [
            Route("/v2/upload", self.upload, methods=["POST"]),
            Route("/v2/transcript", self.list_transcripts, methods=["GET"]),
            Route("/v2/transcript", self.create_transcript, methods=["POST"]),
            Route(one, self._wrap(self._get), methods=["GET"]),
            Route(one, self._wrap(self._delete), methods=["DELETE"]),
            Route(one + "/sentences", self._wrap(self._sentences), methods=["GET"]),
            Route(one + "/paragraphs", self._wrap(self._paragraphs), methods=["GET"]),
            Route(one + "/srt", self._wrap(self._srt), methods=["GET"]),
            Route(one + "/vtt", self._wrap(self._vtt), methods=["GET"]),
            Route(one + "/word-search", self._wrap(self._word_search), methods=["GET"]),
        ]

    async def _prelude(self, request: Request) -> Response | None:
        """The request's fault and auth; a response when they end the request."""
        fault = self._state.faults.take(request.url.path)
        if fault is not None:
            await asyncio.sleep(fault.first_byte_delay)
            if fault.status is not None:
                return fault_response(fault, rest=True)
        await asyncio.sleep(self._state.response_delay)
        request.state.fault = fault
        request.state.key = self._state.authenticate(request.headers)
        if request.state.key is None:
            return rest_error(401, BAD_KEY)
        return None

    def _wrap(self, handler: Handler) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            refused = await self._prelude(request)
            if refused is not None:
                return refused
            transcript = self._state.store.get(request.path_params["transcript_id"])
            if transcript is None:
                return rest_error(400, NOT_FOUND)
            try:
                response = handler(request, transcript)
            except _Refused as error:
                return error.response
            return altered_success(response, request.state.fault)

        return endpoint

    async def list_transcripts(self, request: Request) -> Response:
        """`GET /v2/transcript`: newest first, with `page_details` (spec 12.3)."""
        refused = await self._prelude(request)
        if refused is not None:
            return refused
        query = dict(request.query_params)
        base = str(request.base_url).rstrip("/")
        try:
            limit = _read_limit(query.get("limit"))
            items = _filter(self._state.store.newest_first(), query)
        except _Refused as error:
            return error.response
        page = _page(items, query, limit)
        details = _page_details(page, items, query, limit, request)
        listed = [_list_item(item, base) for item in page]
        body = {"page_details": details, "transcripts": listed}
        return altered_success(json_response(body), request.state.fault)

    async def upload(self, request: Request) -> Response:
        """`POST /v2/upload`: keep the body's bytes; answer `{"upload_url": ...}`."""
        refused = await self._prelude(request)
        if refused is not None:
            return refused
        data = await request.body()
        if not data:
            return rest_error(400, EMPTY_UPLOAD)
        url = self._state.audio.upload(data, request.state.key)
        return altered_success(json_response({"upload_url": url}), request.state.fault)

    async def create_transcript(self, request: Request) -> Response:
        """`POST /v2/transcript`: a new transcript, `queued` or `processing`."""
        refused = await self._prelude(request)
        if refused is not None:
            return refused
        body = parse_body(await request.body())
        error = check_transcript_params(body, self._state.profile)
        if error is not None:
            return rest_error(400, error)
        params = read_params(body)
        audio = self._state.audio
        owner = audio.uploader(params["audio_url"])
        if owner is not None and owner != request.state.key:
            return rest_error(403, CANNOT_ACCESS_UPLOAD)
        transcript, job = start_transcription(
            params,
            audio.resolve(params["audio_url"]),
            queue_delay=self._state.queue_delay,
            transcription_delay=self._state.transcription_delay,
        )
        response = json_response(transcript)
        self._state.store.add_job(transcript, job)
        return altered_success(response, request.state.fault)

    def _get(self, request: Request, transcript: dict[str, Any]) -> Response:
        return json_response(transcript)

    def _delete(self, request: Request, transcript: dict[str, Any]) -> Response:
        status = transcript.get("status")
        if status in ("queued", "processing"):
            message = (
                f"Transcript is still being processed (status: {status}); delete it "
                "once it is completed or has failed"
            )
            raise _Refused(rest_error(400, message))
        deleted = self._state.store.delete(str(transcript["id"]))
        self._state.audio.forget_upload(str(transcript.get("audio_url")))
        return json_response(deleted)

    def _sentences(self, request: Request, transcript: dict[str, Any]) -> Response:
        _require_completed(transcript)
        return json_response(
            {**_envelope(transcript), "sentences": sentences_of(transcript)}
        )

    def _paragraphs(self, request: Request, transcript: dict[str, Any]) -> Response:
        _require_completed(transcript)
        return json_response(
            {**_envelope(transcript), "paragraphs": paragraphs_of(transcript)}
        )

    def _srt(self, request: Request, transcript: dict[str, Any]) -> Response:
        captions = build_captions(_words(transcript), _chars_per_caption(request))
        return PlainTextResponse(build_srt(captions))

    def _vtt(self, request: Request, transcript: dict[str, Any]) -> Response:
        captions = build_captions(_words(transcript), _chars_per_caption(request))
        return PlainTextResponse(build_vtt(captions))

    def _word_search(self, request: Request, transcript: dict[str, Any]) -> Response:
        wanted = [
            w.strip()
            for w in request.query_params.get("words", "").split(",")
            if w.strip()
        ]
        if not wanted:
            raise _Refused(rest_error(400, "words must list at least one word"))
        words = _words(transcript)
        matches = [_search(words, term) for term in wanted]
        matches = [m for m in matches if m["count"]]
        total = sum(m["count"] for m in matches)
        return json_response(
            {"id": transcript["id"], "total_count": total, "matches": matches}
        )


def _require_completed(transcript: Mapping[str, Any]) -> None:
    if transcript.get("status") != "completed":
        message = f"Transcript is not completed (status: {transcript.get('status')})"
        raise _Refused(rest_error(400, message))


def _words(transcript: Mapping[str, Any]) -> list[dict[str, Any]]:
    _require_completed(transcript)
    return list(transcript.get("words") or [])


def _envelope(transcript: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": transcript["id"],
        "confidence": transcript.get("confidence"),
        "audio_duration": transcript.get("audio_duration"),
        "speech_model_used": transcript.get("speech_model_used"),
    }


def _chars_per_caption(request: Request) -> int:
    value = request.query_params.get("chars_per_caption")
    if value is None:
        return DEFAULT_CHARS_PER_CAPTION
    return _read_number(value, "chars_per_caption", 1)


def _normalise(word: str) -> str:
    return "".join(c for c in word.lower() if c.isalnum() or c in "'-")


def _search(words: Sequence[Mapping[str, Any]], term: str) -> dict[str, Any]:
    target = _normalise(term)
    indexes = [i for i, w in enumerate(words) if _normalise(str(w["text"])) == target]
    stamps = [[words[i]["start"], words[i]["end"]] for i in indexes]
    return {
        "text": term,
        "count": len(indexes),
        "timestamps": stamps,
        "indexes": indexes,
    }
