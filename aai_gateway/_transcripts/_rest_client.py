"""The transcript REST API and Speech Understanding calls of the gateway clients.

Mixins of `GatewayClient` and `AsyncGatewayClient`, kept apart from the chat I/O
shells: each method builds its request in the pure base, sends it through the
shell's `_send`/`_asend` (so retries and errors are the same as for chat), and
parses the answer once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import partial
from typing import Any

import httpx

from aai_gateway._http.base import _BaseClient
from aai_gateway._transcripts._rest_types import (
    SegmentKind,
    SubtitleFormat,
    Transcript,
    TranscriptListing,
    TranscriptPage,
    TranscriptPager,
    TranscriptSegment,
    build_list_params,
    check_transcript_id,
    parse_segments,
    parse_transcript,
    parse_transcript_page,
)
from aai_gateway._transcripts._understanding import (
    UnderstandingResult,
    build_understanding_request,
    parse_understanding,
)


class SyncTranscriptMethods(_BaseClient):
    """Transcripts and Speech Understanding for `GatewayClient`."""

    def _http(self) -> httpx.Client:
        raise NotImplementedError

    def _send(
        self,
        request: httpx.Request,
        transcript_id: str | None = None,
        *,
        stream: bool = False,
        retries_done: int = 0,
    ) -> tuple[httpx.Response, int]:
        raise NotImplementedError

    # -- the transcript REST API ---------------------------------------------------

    def get_transcript(self, transcript_id: str) -> Transcript:
        """One transcript (`GET /v2/transcript/{id}`).

        Raises:
            TranscriptNotFoundError: no transcript has this id (for this key and region).
        """
        request = self._rest_request(self._http(), self._transcript_path(transcript_id))
        return self._decode(self._send(request, transcript_id)[0], parse_transcript)

    def get_transcript_segments(
        self, transcript_id: str, kind: SegmentKind
    ) -> tuple[TranscriptSegment, ...]:
        """A transcript's `sentences` or `paragraphs`."""
        request = self._rest_request(
            self._http(), self._transcript_path(transcript_id, f"/{kind}")
        )
        return self._decode(
            self._send(request, transcript_id)[0], partial(parse_segments, kind=kind)
        )

    def get_subtitles(
        self,
        transcript_id: str,
        subtitle_format: SubtitleFormat = "srt",
        *,
        chars_per_caption: int | None = None,
    ) -> str:
        """A transcript as SRT or WebVTT subtitles."""
        request = self._subtitles_request(
            self._http(), transcript_id, subtitle_format, chars_per_caption
        )
        return self._send(request, transcript_id)[0].text

    def list_transcripts(self, **filters: Any) -> TranscriptPage:
        """One page of the account's transcripts, newest first.

        Args:
            **filters: `limit` (1-200), `status`, `created_on` (YYYY-MM-DD),
                `before_id`, `after_id`.
        """
        request = self._rest_request(self._http(), "", build_list_params(**filters))
        return self._decode(self._send(request)[0], parse_transcript_page)

    def iter_transcripts(
        self, *, max_results: int | None = None, **filters: Any
    ) -> Iterator[TranscriptListing]:
        """Every transcript matching `filters`, newest first, page after page.

        Stops at the oldest page or after `max_results` transcripts.
        """
        pager = TranscriptPager(filters, max_results)
        while pager.more:
            yield from pager.take(self.list_transcripts(**pager.filters))

    # -- Speech Understanding ----------------------------------------------------------

    def understand(self, transcript_id: str, **tasks: Any) -> UnderstandingResult:
        """Run Speech Understanding tasks on a transcript (`POST /v1/understanding`).

        Args:
            transcript_id: The transcript.
            **tasks: `speaker_identification`, `translation`, `custom_formatting`:
                typed objects or plain mappings with the same keys.

        Raises:
            ValueError: a task the service would refuse (nothing was sent).
            APIError: the request failed, or a task did not succeed.
        """
        body = build_understanding_request(check_transcript_id(transcript_id), **tasks)
        request = self._understanding_request(self._http(), "", body)
        return self._decode(self._send(request, transcript_id)[0], parse_understanding)

    def validate_understanding(
        self, transcript_id: str | None = None, **tasks: Any
    ) -> None:
        """Ask the service whether a request is valid, without running it.

        Raises:
            BadRequestError: the request is invalid (every reason listed).
        """
        body = build_understanding_request(transcript_id, **tasks)
        self._send(
            self._understanding_request(self._http(), "/validate", body), transcript_id
        )


class AsyncTranscriptMethods(_BaseClient):
    """Transcripts and Speech Understanding for `AsyncGatewayClient`."""

    async def _http(self) -> httpx.AsyncClient:
        raise NotImplementedError

    async def _asend(
        self,
        request: httpx.Request,
        transcript_id: str | None = None,
        *,
        stream: bool = False,
        retries_done: int = 0,
    ) -> tuple[httpx.Response, int]:
        raise NotImplementedError

    # -- the transcript REST API ---------------------------------------------------

    async def aget_transcript(self, transcript_id: str) -> Transcript:
        """One transcript (see `GatewayClient.get_transcript`)."""
        request = self._rest_request(
            await self._http(), self._transcript_path(transcript_id)
        )
        return self._decode(
            (await self._asend(request, transcript_id))[0], parse_transcript
        )

    async def aget_transcript_segments(
        self, transcript_id: str, kind: SegmentKind
    ) -> tuple[TranscriptSegment, ...]:
        """A transcript's `sentences` or `paragraphs`."""
        request = self._rest_request(
            await self._http(), self._transcript_path(transcript_id, f"/{kind}")
        )
        return self._decode(
            (await self._asend(request, transcript_id))[0],
            partial(parse_segments, kind=kind),
        )

    async def aget_subtitles(
        self,
        transcript_id: str,
        subtitle_format: SubtitleFormat = "srt",
        *,
        chars_per_caption: int | None = None,
    ) -> str:
        """A transcript as SRT or WebVTT subtitles."""
        request = self._subtitles_request(
            await self._http(), transcript_id, subtitle_format, chars_per_caption
        )
        return (await self._asend(request, transcript_id))[0].text

    async def alist_transcripts(self, **filters: Any) -> TranscriptPage:
        """One page of the account's transcripts (see `GatewayClient.list_transcripts`)."""
        request = self._rest_request(
            await self._http(), "", build_list_params(**filters)
        )
        return self._decode((await self._asend(request))[0], parse_transcript_page)

    async def aiter_transcripts(
        self, *, max_results: int | None = None, **filters: Any
    ) -> AsyncIterator[TranscriptListing]:
        """Every transcript matching `filters`, newest first (see `iter_transcripts`)."""
        pager = TranscriptPager(filters, max_results)
        while pager.more:
            for listing in pager.take(await self.alist_transcripts(**pager.filters)):
                yield listing

    # -- Speech Understanding ----------------------------------------------------------

    async def aunderstand(
        self, transcript_id: str, **tasks: Any
    ) -> UnderstandingResult:
        """Run Speech Understanding tasks on a transcript (see `GatewayClient.understand`)."""
        body = build_understanding_request(check_transcript_id(transcript_id), **tasks)
        request = self._understanding_request(await self._http(), "", body)
        response = (await self._asend(request, transcript_id))[0]
        return self._decode(response, parse_understanding)

    async def avalidate_understanding(
        self, transcript_id: str | None = None, **tasks: Any
    ) -> None:
        """Ask the service whether a request is valid (see `validate_understanding`)."""
        body = build_understanding_request(transcript_id, **tasks)
        request = self._understanding_request(await self._http(), "/validate", body)
        await self._asend(request, transcript_id)
