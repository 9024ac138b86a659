"""The transcript REST API and Speech Understanding methods of the gateway clients.

Each method describes its request as a pure `RestCall` (path, query, body, how
to read the answer) and hands it to one primitive per shell, which builds it with
the client's headers, sends it through the client's `_send`/`_asend` (so retries
and errors are those of chat) and reads the answer once.

`TranscriptMethods` and `AsyncTranscriptMethods` are mixins typed against the
small protocols `SyncShell` and `AsyncShell`: the send primitives of the class
they are mixed into. They hold no state and no stubs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

import httpx
from typing_extensions import Unpack

from aai_gateway._http.body import encode_json
from aai_gateway._http.responses import decode_body
from aai_gateway._transcripts._references import check_transcript_id
from aai_gateway._transcripts._rest_types import (
    DEFAULT_SPEECH_MODELS,
    SegmentKind,
    SubtitleFormat,
    Transcript,
    TranscriptListing,
    TranscriptPage,
    TranscriptPager,
    TranscriptParams,
    TranscriptSegment,
    build_list_params,
    check_audio_url,
    check_transcript_param,
    parse_segments,
    parse_transcript,
    parse_transcript_page,
    parse_upload,
    subtitle_params,
)
from aai_gateway._transcripts._understanding import (
    UnderstandingResult,
    build_understanding_request,
    parse_understanding,
)

__all__ = [
    "AsyncShell",
    "AsyncTranscriptMethods",
    "RestCall",
    "SyncShell",
    "TranscriptMethods",
    "arun_call",
    "run_call",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class _Builder(Protocol):
    """What building a `RestCall` needs from a client."""

    transcript_base_url: str

    def _url(self, path: str) -> httpx.URL: ...

    def _headers(self, *, accept: str) -> dict[str, str]: ...


class SyncShell(_Builder, Protocol):
    """The send primitives `TranscriptMethods` needs from `GatewayClient`."""

    def _http(self) -> httpx.Client: ...

    def _send(
        self, request: httpx.Request, transcript_id: str | None = None
    ) -> httpx.Response: ...


class AsyncShell(_Builder, Protocol):
    """The send primitives `AsyncTranscriptMethods` needs from `AsyncGatewayClient`."""

    async def _http(self) -> httpx.AsyncClient: ...

    async def _asend(
        self, request: httpx.Request, transcript_id: str | None = None
    ) -> httpx.Response: ...


@dataclass(frozen=True, slots=True)
class RestCall(Generic[T_co]):
    """One request to the transcript REST API or Speech Understanding, as data.

    Attributes:
        path: Below the REST root (`/v2/transcript...`), or below the gateway URL
            when `gateway` is set (`/understanding...`).
        read: Turns the 2xx response into the method's result.
        transcript_id: The transcript named, for a 404's message.
        body: A JSON body (the request is a `POST`).
        content: Raw bytes to `POST` instead (an upload), sent as
            `application/octet-stream`.
    """

    path: str
    read: Callable[[httpx.Response], T_co]
    gateway: bool = False
    params: Mapping[str, str] | None = None
    body: Mapping[str, Any] | None = None
    accept: str = "application/json"
    transcript_id: str | None = None
    content: bytes | None = None

    def build(
        self, client: _Builder, http: httpx.Client | httpx.AsyncClient
    ) -> httpx.Request:
        """The request, with `client`'s hosts and headers."""
        url = (
            client._url(self.path)
            if self.gateway
            else f"{client.transcript_base_url}{self.path}"
        )
        headers = client._headers(accept=self.accept)
        content = self.content
        if content is not None:
            headers["content-type"] = "application/octet-stream"
        elif self.body is not None:
            content = encode_json(self.body)
        return http.build_request(
            "GET" if content is None else "POST",
            url,
            params=self.params,
            content=content,
            headers=headers,
        )


def _json(parse: Callable[[object], T]) -> Callable[[httpx.Response], T]:
    return partial(decode_body, parse=parse)


def _text(response: httpx.Response) -> str:
    return response.text


def _nothing(response: httpx.Response) -> None:
    return None


def _transcript_path(transcript_id: str, suffix: str = "") -> str:
    return f"/v2/transcript/{check_transcript_id(transcript_id)}{suffix}"


def transcript_call(transcript_id: str) -> RestCall[Transcript]:
    """`GET /v2/transcript/{id}`."""
    path = _transcript_path(transcript_id)
    return RestCall(path, _json(parse_transcript), transcript_id=transcript_id)


def segments_call(
    transcript_id: str, kind: SegmentKind
) -> RestCall[tuple[TranscriptSegment, ...]]:
    """`GET /v2/transcript/{id}/sentences` or `/paragraphs`."""
    path = _transcript_path(transcript_id, f"/{kind}")
    read = _json(partial(parse_segments, kind=kind))
    return RestCall(path, read, transcript_id=transcript_id)


def subtitles_call(
    transcript_id: str, subtitle_format: str, chars_per_caption: int | None
) -> RestCall[str]:
    """`GET /v2/transcript/{id}/srt` or `/vtt`."""
    params = subtitle_params(subtitle_format, chars_per_caption)
    path = _transcript_path(transcript_id, f"/{subtitle_format}")
    return RestCall(
        path, _text, params=params, accept="text/plain", transcript_id=transcript_id
    )


def list_call(filters: Mapping[str, Any]) -> RestCall[TranscriptPage]:
    """`GET /v2/transcript` with its filters."""
    params = build_list_params(**filters)
    return RestCall("/v2/transcript", _json(parse_transcript_page), params=params)


def upload_call(data: object) -> RestCall[str]:
    """`POST /v2/upload` with a file's bytes; reads the `upload_url`.

    Raises:
        TypeError: `data` is not bytes.
        ValueError: `data` is empty (the API refuses an empty upload).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        msg = f"`data` must be the file's bytes, got {type(data).__name__}"
        raise TypeError(msg)
    if not data:
        msg = "`data` is empty: there is no audio to upload"
        raise ValueError(msg)
    return RestCall("/v2/upload", _json(parse_upload), content=bytes(data))


def build_transcript_request(
    audio_url: str, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The body of `POST /v2/transcript`: `audio_url` and the options that are set.

    `speech_model` (refused by the API since 2026) is sent as `speech_models`;
    with neither, `speech_models` is `DEFAULT_SPEECH_MODELS` (the API requires it).

    Raises:
        TypeError: an unknown option (named), a value of the wrong type, or both
            `speech_model` and `speech_models`.
        ValueError: `audio_url` is not an http(s) URL, or a value out of range.
    """
    check_audio_url(audio_url)
    body: dict[str, Any] = {"audio_url": audio_url}
    for name, value in params.items():
        check_transcript_param(name, value)
        if value is not None:
            body[name] = list(value) if isinstance(value, tuple) else value
    model = body.pop("speech_model", None)
    if model is not None:
        if "speech_models" in body:
            msg = "pass `speech_model` or `speech_models`, not both"
            raise TypeError(msg)
        body["speech_models"] = [model]
    body.setdefault("speech_models", list(DEFAULT_SPEECH_MODELS))
    return body


def submit_call(audio_url: str, params: Mapping[str, Any]) -> RestCall[Transcript]:
    """`POST /v2/transcript`: a new transcript, `queued` or `processing`."""
    body = build_transcript_request(audio_url, params)
    return RestCall("/v2/transcript", _json(parse_transcript), body=body)


def understanding_call(
    transcript_id: str, tasks: Mapping[str, Any]
) -> RestCall[UnderstandingResult]:
    """`POST /v1/understanding`."""
    body = build_understanding_request(check_transcript_id(transcript_id), **tasks)
    read = _json(parse_understanding)
    return RestCall(
        "/understanding", read, True, body=body, transcript_id=transcript_id
    )


def validation_call(
    transcript_id: str | None, tasks: Mapping[str, Any]
) -> RestCall[None]:
    """`POST /v1/understanding/validate` (the id is optional there)."""
    if transcript_id is not None:
        check_transcript_id(transcript_id)
    body = build_understanding_request(transcript_id, **tasks)
    path = "/understanding/validate"
    return RestCall(path, _nothing, True, body=body, transcript_id=transcript_id)


def run_call(client: SyncShell, call: RestCall[T]) -> T:
    """Send `call` through a sync client (with its retries) and read the answer."""
    request = call.build(client, client._http())
    return call.read(client._send(request, call.transcript_id))


async def arun_call(client: AsyncShell, call: RestCall[T]) -> T:
    """Send `call` through an async client (with its retries) and read the answer."""
    request = call.build(client, await client._http())
    return call.read(await client._asend(request, call.transcript_id))


class TranscriptMethods:
    """Transcripts and Speech Understanding for `GatewayClient`."""

    # -- the transcript REST API ---------------------------------------------------

    def get_transcript(self: SyncShell, transcript_id: str) -> Transcript:
        """One transcript (`GET /v2/transcript/{id}`).

        Raises:
            TranscriptNotFoundError: no transcript has this id (for this key and region).
        """
        return run_call(self, transcript_call(transcript_id))

    def get_transcript_segments(
        self: SyncShell, transcript_id: str, kind: SegmentKind
    ) -> tuple[TranscriptSegment, ...]:
        """A transcript's `sentences` or `paragraphs`."""
        return run_call(self, segments_call(transcript_id, kind))

    def get_subtitles(
        self: SyncShell,
        transcript_id: str,
        subtitle_format: SubtitleFormat = "srt",
        *,
        chars_per_caption: int | None = None,
    ) -> str:
        """A transcript as SRT or WebVTT subtitles."""
        return run_call(
            self, subtitles_call(transcript_id, subtitle_format, chars_per_caption)
        )

    def upload_audio(self: SyncShell, data: bytes) -> str:
        """Upload a local file's bytes (`POST /v2/upload`); returns its `upload_url`.

        The URL is usable only with this API key, as the `audio_url` of
        `submit_transcript`.
        """
        return run_call(self, upload_call(data))

    def submit_transcript(
        self: SyncShell, audio_url: str, **params: Unpack[TranscriptParams]
    ) -> Transcript:
        """Start transcribing `audio_url` (`POST /v2/transcript`); returns it `queued` or `processing`.

        Poll `get_transcript` until its status is `completed` or `error` (the
        document loaders' `audio=` does the waiting, for many files at once).

        Args:
            audio_url: An http(s) URL of the audio, or an `upload_audio` URL.
            **params: The options as the REST API names them (`TranscriptParams`):
                `speaker_labels`, `speakers_expected`, `language_code`,
                `language_detection`, `speech_models`, ...

        Raises:
            TypeError: an unknown option (named) or a value of the wrong type;
                nothing was sent.
            ValueError: a value out of range; nothing was sent.
        """
        return run_call(self, submit_call(audio_url, params))

    def list_transcripts(self: SyncShell, **filters: Any) -> TranscriptPage:
        """One page of the account's transcripts, newest first.

        Args:
            **filters: `limit` (1-200), `status`, `created_on` (YYYY-MM-DD),
                `before_id`, `after_id`.
        """
        return run_call(self, list_call(filters))

    def iter_transcripts(
        self: SyncShell, *, max_results: int | None = None, **filters: Any
    ) -> Iterator[TranscriptListing]:
        """Every transcript matching `filters`, newest first, page after page.

        Stops at the oldest page or after `max_results` transcripts.
        """
        pager = TranscriptPager(filters, max_results)
        while pager.more:
            yield from pager.take(run_call(self, list_call(pager.filters)))

    # -- Speech Understanding ----------------------------------------------------------

    def understand(
        self: SyncShell, transcript_id: str, **tasks: Any
    ) -> UnderstandingResult:
        """Run Speech Understanding tasks on a transcript (`POST /v1/understanding`).

        Args:
            transcript_id: The transcript.
            **tasks: `speaker_identification`, `translation`, `custom_formatting`:
                typed objects or plain mappings with the same keys.

        Raises:
            ValueError: a task the service would refuse (nothing was sent).
            APIError: the request failed, or a task did not succeed.
        """
        return run_call(self, understanding_call(transcript_id, tasks))

    def validate_understanding(
        self: SyncShell, transcript_id: str | None = None, **tasks: Any
    ) -> None:
        """Ask the service whether a request is valid, without running it.

        Raises:
            BadRequestError: the request is invalid (every reason listed).
        """
        run_call(self, validation_call(transcript_id, tasks))


class AsyncTranscriptMethods:
    """Transcripts and Speech Understanding for `AsyncGatewayClient`."""

    # -- the transcript REST API ---------------------------------------------------

    async def aget_transcript(self: AsyncShell, transcript_id: str) -> Transcript:
        """One transcript (see `GatewayClient.get_transcript`)."""
        return await arun_call(self, transcript_call(transcript_id))

    async def aget_transcript_segments(
        self: AsyncShell, transcript_id: str, kind: SegmentKind
    ) -> tuple[TranscriptSegment, ...]:
        """A transcript's `sentences` or `paragraphs`."""
        return await arun_call(self, segments_call(transcript_id, kind))

    async def aget_subtitles(
        self: AsyncShell,
        transcript_id: str,
        subtitle_format: SubtitleFormat = "srt",
        *,
        chars_per_caption: int | None = None,
    ) -> str:
        """A transcript as SRT or WebVTT subtitles."""
        return await arun_call(
            self, subtitles_call(transcript_id, subtitle_format, chars_per_caption)
        )

    async def aupload_audio(self: AsyncShell, data: bytes) -> str:
        """Upload a local file's bytes (see `GatewayClient.upload_audio`)."""
        return await arun_call(self, upload_call(data))

    async def asubmit_transcript(
        self: AsyncShell, audio_url: str, **params: Unpack[TranscriptParams]
    ) -> Transcript:
        """Start transcribing `audio_url` (see `GatewayClient.submit_transcript`)."""
        return await arun_call(self, submit_call(audio_url, params))

    async def alist_transcripts(self: AsyncShell, **filters: Any) -> TranscriptPage:
        """One page of the account's transcripts (see `GatewayClient.list_transcripts`)."""
        return await arun_call(self, list_call(filters))

    async def aiter_transcripts(
        self: AsyncShell, *, max_results: int | None = None, **filters: Any
    ) -> AsyncIterator[TranscriptListing]:
        """Every transcript matching `filters`, newest first (see `iter_transcripts`)."""
        pager = TranscriptPager(filters, max_results)
        while pager.more:
            for listing in pager.take(await arun_call(self, list_call(pager.filters))):
                yield listing

    # -- Speech Understanding ----------------------------------------------------------

    async def aunderstand(
        self: AsyncShell, transcript_id: str, **tasks: Any
    ) -> UnderstandingResult:
        """Run Speech Understanding tasks on a transcript (see `GatewayClient.understand`)."""
        return await arun_call(self, understanding_call(transcript_id, tasks))

    async def avalidate_understanding(
        self: AsyncShell, transcript_id: str | None = None, **tasks: Any
    ) -> None:
        """Ask the service whether a request is valid (see `validate_understanding`)."""
        await arun_call(self, validation_call(transcript_id, tasks))
