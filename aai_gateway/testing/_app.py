"""`GatewayEmulator`: the offline stand-in for AssemblyAI's LLM Gateway and `/v2` API."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from aai_gateway.testing._chat import Shape, StreamUsage, ToolCallShape
from aai_gateway.testing._faults import Fault
from aai_gateway.testing._gateway import GatewayRoutes
from aai_gateway.testing._meetings import load_meetings
from aai_gateway.testing._recording import (
    DEFAULT_RECORD_LIMIT,
    RecordedRequest,
    RecordingMiddleware,
    RequestLog,
)
from aai_gateway.testing._responses import gateway_error, rest_error
from aai_gateway.testing._rest import RestRoutes
from aai_gateway.testing._server import EmulatorServer, run_foreground
from aai_gateway.testing._state import EmulatorState, Region
from aai_gateway.testing._transcription import (
    Audio,
    check_utterances,
    register_meetings,
)
from aai_gateway.testing._transcripts import TranscriptStatus
from aai_gateway.testing._unconfirmed import Reading, resolve_profile

DEFAULT_API_KEY = "test-key"
"""The key the emulator accepts unless told otherwise."""

_TOOL_CALL_SHAPES = ("message", "choice", "split")
_STREAM_USAGES = ("final", "every", "last_content")


def _check_options(
    tool_call_shape: str, stream_usage: str, stream_chunk_words: int
) -> None:
    if tool_call_shape not in _TOOL_CALL_SHAPES:
        msg = f"`tool_call_shape` must be one of {_TOOL_CALL_SHAPES}, got {tool_call_shape!r}"
        raise ValueError(msg)
    if stream_usage not in _STREAM_USAGES:
        msg = f"`stream_usage` must be one of {_STREAM_USAGES}, got {stream_usage!r}"
        raise ValueError(msg)
    if stream_chunk_words < 1:
        msg = f"`stream_chunk_words` must be at least 1, got {stream_chunk_words!r}"
        raise ValueError(msg)


def _check_delay(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"`{name}` must be a number of seconds, got {value!r}"
        raise ValueError(msg)
    if not math.isfinite(value) or value < 0:
        msg = f"`{name}` must be a finite number of seconds >= 0, got {value!r}"
        raise ValueError(msg)
    return float(value)


async def _not_found(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 404
    if request.url.path.startswith("/v2"):
        return rest_error(
            status, "Not found" if status == 404 else "Method not allowed"
        )
    return gateway_error(status, "not found" if status == 404 else "method not allowed")


class GatewayEmulator:
    """A faithful, offline AssemblyAI LLM Gateway (`/v1`) and transcript API (`/v2`).

    It answers with a deterministic scripted model (see `docs/testing.md`),
    checks auth, validates and gates parameters like the live gateway, injects
    transcripts, counts rate limits, and misbehaves on request through `Fault`s.
    Every request is recorded in `requests`. Audio goes in as on the live API:
    `POST /v2/upload`, then `POST /v2/transcript`, whose transcript is
    `processing` (or first `queued`, with `queue_delay`) and then `completed`
    after `transcription_delay` seconds, with text from the bundled meeting
    scripts or from `add_audio`; an `audio_url` the emulator does not know ends
    in `error` (the live download error).

    Example:
        ```python
        emu = GatewayEmulator()
        with emu.serve() as server:
            response = httpx.post(
                server.base_url + "/chat/completions",
                headers={"Authorization": "test-key"},
                json={"model": "claude-sonnet-4-6", "prompt": "Hello"},
            )
        assert response.json()["choices"][0]["message"]["content"] == "Echo: Hello"
        ```

    Args:
        api_keys: The keys that authenticate (raw or `Bearer`).
        region: `"us"` or `"eu"`: which model catalogue is served.
        rate_limit: Requests per key, per model, per 60 s (`None`: unlimited).
        native_finish_reasons: Claude and Gemini models report their native
            `finish_reason` values (`end_turn`, `STOP`, ...); `False` gives
            OpenAI's values for every model.
        tool_call_shape: Where tool calls go in JSON answers: `"message"`
            (`choices[i].message.tool_calls`), `"choice"` (`choices[i].tool_calls`,
            the pre-March-2026 shape) or `"split"` (a text choice and a separate
            tool-call choice; streams send the text, then the calls).
        stream_usage: Where streams carry usage: `"final"` (a last `choices: []`
            chunk, only with `stream_options.include_usage`), `"every"` (every
            chunk, vLLM style) or `"last_content"` (the `finish_reason` chunk).
        stream_chunk_words: Words per streamed content delta.
        response_delay: Seconds to wait before every JSON answer, or before a
            stream's first event.
        include_openai_ids: Add `id`, `object` and `created` to JSON answers.
        retry_delay: Seconds the gateway waits before its own retry (spec: 0.5).
        meetings: Start with the bundled meeting transcripts in the store
            (ids in `MEETING_IDS`).
        unconfirmed: How to read request forms no source settles (the rules
            in `UNCONFIRMED_RULES`): `"strict"` refuses each with a 400 saying
            it is not documented, `"lenient"` accepts it; a mapping
            `{rule_name: "strict" | "lenient"}` sets named rules and leaves the
            others strict.
        record_limit: How many requests `requests` keeps (the oldest are
            dropped first), so a long-running emulator stays bounded; `None`
            keeps every one.
        transcription_delay: Seconds a transcript created through
            `POST /v2/transcript` spends `processing` before it is `completed`
            (or `error`); `0` completes it by the next request that reads it.
            `complete_transcript` finishes one at once.
        queue_delay: Seconds such a transcript is `queued` first. The live API
            queues only past an account's concurrency limit and otherwise
            answers `processing` at once, as the default `0` does.

    Raises:
        ValueError: an option out of range, or an unknown rule or reading in
            `unconfirmed` (the message lists the valid rule names).
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = (DEFAULT_API_KEY,),
        region: Region = "us",
        rate_limit: int | None = 30,
        native_finish_reasons: bool = True,
        tool_call_shape: ToolCallShape = "message",
        stream_usage: StreamUsage = "final",
        stream_chunk_words: int = 1,
        response_delay: float = 0.0,
        include_openai_ids: bool = False,
        retry_delay: float = 0.5,
        meetings: bool = True,
        unconfirmed: Reading | Mapping[str, Reading] = "strict",
        record_limit: int | None = DEFAULT_RECORD_LIMIT,
        transcription_delay: float = 0.0,
        queue_delay: float = 0.0,
    ) -> None:
        _check_options(tool_call_shape, stream_usage, stream_chunk_words)
        profile = resolve_profile(unconfirmed)
        shape = Shape(
            native_finish_reasons,
            tool_call_shape,
            stream_usage,
            stream_chunk_words,
            include_openai_ids,
        )
        self._state = EmulatorState(
            frozenset(api_keys),
            region,
            shape,
            rate_limit,
            response_delay,
            retry_delay,
            profile=profile,
            log=RequestLog(record_limit),
            transcription_delay=_check_delay(
                "transcription_delay", transcription_delay
            ),
            queue_delay=_check_delay("queue_delay", queue_delay),
        )
        self._meetings = meetings
        self._load_meetings()
        routes = GatewayRoutes(self._state).routes() + RestRoutes(self._state).routes()
        self._app = Starlette(
            routes=routes,
            middleware=[Middleware(RecordingMiddleware, log=self._state.log)],
            exception_handlers={404: _not_found, 405: _not_found},
        )

    @property
    def app(self) -> Starlette:
        """The ASGI app: the gateway under `/v1`, the transcript API under `/v2`."""
        return self._app

    @property
    def region(self) -> Region:
        """The region whose catalogue is served."""
        return self._state.region

    @property
    def unconfirmed(self) -> Mapping[str, Reading]:
        """The reading of every unconfirmed rule, by rule name (read-only)."""
        return self._state.profile.readings

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (at most `record_limit`)."""
        return self._state.log.snapshot()

    @property
    def faults(self) -> list[Fault]:
        """A snapshot of the faults still waiting to be used."""
        return self._state.faults.pending()

    @property
    def transcripts(self) -> dict[str, dict[str, Any]]:
        """The transcript store: id -> Transcript object (live, not a copy).

        Transcripts still being transcribed are brought to their status now.
        """
        self._state.store.advance()
        return self._state.store.transcripts

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self._state.log.clear()

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault; matching requests use the queued faults in order."""
        self._state.faults.add(fault)

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self._state.faults.clear()

    def add_transcript(
        self,
        utterances: Iterable[tuple[str, str]],
        *,
        transcript_id: str | None = None,
        status: TranscriptStatus = "completed",
        audio_url: str = "https://assembly.ai/custom.mp3",
        created: str | None = None,
    ) -> str:
        """Add a transcript built from `(speaker, text)` utterances; returns its id.

        Args:
            utterances: The speaker label (e.g. `"A"`) and text of each utterance.
            transcript_id: Its id (default: a new uuid4).
            status: `"completed"`, or `"queued"`/`"processing"`/`"error"` for a
                transcript without text.
            audio_url: The `audio_url` it reports.
            created: Its creation time, `YYYY-MM-DDTHH:MM:SS.ffffff` (default:
                now, which makes it the newest).
        """
        return self._state.store.add_utterances(
            utterances,
            transcript_id=transcript_id,
            status=status,
            audio_url=audio_url,
            created=created,
        )

    def add_audio(
        self,
        source: str | bytes,
        utterances: Iterable[tuple[str, str]] | None = None,
        *,
        error: str | None = None,
    ) -> None:
        """Say what an audio URL, or a file's bytes, transcribes to.

        A transcript later created from `source` (its URL as `audio_url`, or the
        `upload_url` of an upload of these bytes) completes with these
        utterances, or ends in `error` with that text.

        Args:
            source: An `http(s)` audio URL, or the bytes of a file to upload.
            utterances: The speaker label (e.g. `"A"`) and text of each utterance.
            error: Instead of utterances: the error the transcription ends in.

        Raises:
            ValueError: both or neither of `utterances` and `error`, no utterances,
                or a `source` that is neither bytes nor an http(s) URL.
        """
        is_url = isinstance(source, str) and source.startswith(("http://", "https://"))
        if not (is_url or isinstance(source, bytes)):
            msg = f"`source` must be an http(s) URL or bytes, got {source!r}"
            raise ValueError(msg)
        if (utterances is None) == (error is None):
            msg = "give exactly one of `utterances` and `error`"
            raise ValueError(msg)
        if error is not None and (not isinstance(error, str) or not error.strip()):
            msg = f"`error` must be a non-empty string, got {error!r}"
            raise ValueError(msg)
        audio = (
            Audio(error=error)
            if utterances is None
            else Audio(check_utterances(list(utterances)))
        )
        self._state.audio.register(source, audio)

    def complete_transcript(self, transcript_id: str) -> dict[str, Any]:
        """Finish a transcript created through `POST /v2/transcript` now.

        It becomes `completed` (or `error`, for audio that cannot be transcribed)
        whatever `queue_delay` and `transcription_delay` say; a finished one is
        left as it is.

        Args:
            transcript_id: The transcript's id.

        Returns:
            The Transcript object (live, not a copy).

        Raises:
            ValueError: no transcript has this id.
        """
        store = self._state.store
        if transcript_id not in store.transcripts:
            msg = f"`transcript_id` {transcript_id!r} is not in the emulator's store"
            raise ValueError(msg)
        store.advance(transcript_id, force=True)
        return store.transcripts[transcript_id]

    def reset_transcripts(self) -> None:
        """Put the store back to the bundled meetings (or empty, without them).

        Uploads, transcription jobs and `add_audio` registrations are dropped too.
        """
        self._state.store.clear()
        self._state.audio.clear()
        self._load_meetings()

    def _load_meetings(self) -> None:
        if self._meetings:
            load_meetings(self._state.store)
            register_meetings(self._state.audio)

    def reset(self) -> None:
        """Forget recorded requests, queued faults and rate-limit counts."""
        self._state.log.clear()
        self._state.faults.clear()
        self._state.limiter.reset()

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> EmulatorServer:
        """Start serving in a background thread; use the result as a context manager.

        Args:
            host: The interface to listen on.
            port: The port (`0` picks a free one; read it from the result).
        """
        return EmulatorServer(self._app, host, port).start()

    def serve_forever(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        announce: Callable[[int], None] | None = None,
    ) -> None:
        """Serve in this thread until interrupted (what the CLI runs).

        Args:
            host: The interface to listen on.
            port: The port (`0` picks a free one).
            announce: Called with the port once it is bound, before serving.
        """
        run_foreground(self._app, host, port, announce)


def serve_emulator(host: str = "127.0.0.1", port: int = 8000, **options: Any) -> None:
    """Build a `GatewayEmulator(**options)` and serve it until interrupted.

    Args:
        host: The interface to listen on.
        port: The port to listen on.
        **options: Keyword arguments for `GatewayEmulator`.
    """
    GatewayEmulator(**options).serve_forever(host, port)
