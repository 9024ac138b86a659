"""Loading transcripts as documents, sync or async, one implementation for both frameworks.

`TranscriptDocumentLoader` turns transcript ids (or the account's recent
transcripts, or audio it transcribes first: `_audio`) into framework-neutral
`TranscriptDocument`s; the LangChain loader and the LlamaIndex reader only wrap
them. In `reference` mode no HTTP request is made for transcript ids.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from typing_extensions import Unpack

from aai_gateway._config import Region
from aai_gateway._http.client import AsyncGatewayClient, GatewayClient
from aai_gateway._settings import (
    LOADER_RENAMED,
    rename_options,
    to_core_loader_options,
)
from aai_gateway._transcripts._audio import (
    AudioInput,
    TranscriptionOptions,
    TranscriptionPlan,
    TranscriptionRun,
    atranscribe,
    open_progress,
    plan_transcription,
    transcribe,
)
from aai_gateway._transcripts._documents import (
    ContentMode,
    TranscriptDocument,
    build_documents,
    check_mode,
    check_ready,
    reference_document,
)
from aai_gateway._transcripts._enrich import enrich_documents, understanding_tasks
from aai_gateway._transcripts._map_reduce import check_concurrency
from aai_gateway._transcripts._references import check_transcript_id
from aai_gateway._transcripts._rest_client import (
    RestCall,
    arun_call,
    run_call,
    segments_call,
    subtitles_call,
)
from aai_gateway._transcripts._rest_types import Transcript, TranscriptSegment


class TranscriptDocumentLoader:
    """Loads transcripts as `TranscriptDocument`s, sync or async, with bounded concurrency.

    Example:
        ```python
        loader = TranscriptDocumentLoader(["5d8e2c1a-…"], mode="utterances")
        for document in loader.iter_documents():
            print(document.metadata["speaker"], document.text)
        ```

    Args:
        transcript_ids: The transcripts to load; `None` takes the account's recent
            transcripts through the list endpoint and `list_filters`.
        audio: Instead of ids: local files (uploaded) and http(s) URLs to
            transcribe first; the new ids are in `created_transcript_ids`.
        transcription: With `audio`: the REST options and the waiting
            (`TranscriptionOptions`).
        mode: `reference` (the default: no download at all), `text`, `sentences`,
            `paragraphs`, `utterances`, `srt` or `vtt`.
        skip_incomplete: Skip (with a warning) transcripts that are not completed,
            or whose transcription failed, instead of raising
            `TranscriptNotReadyError` (`TranscriptionError`).
        max_concurrency: How many transcripts are fetched (or files uploaded,
            transcribed and checked) at once.
        show_progress: Show a progress bar (tqdm) over the transcripts.
        max_transcripts: With no ids, how many listed transcripts to take at most.
        list_filters: With no ids: `status`, `created_on`, `before_id`, `after_id`, `limit`.
        sync_client: A `GatewayClient` to use instead of building one.
        async_client: An `AsyncGatewayClient` to use instead of building one.
        **client_options: `api_key`, `region`, `transcript_base_url`, ... for the
            clients built here; `http_client` (an `httpx.Client`) goes to the sync
            one and `http_async_client` (an `httpx.AsyncClient`) to the async one.
    """

    def __init__(
        self,
        transcript_ids: Sequence[str] | None = None,
        *,
        audio: AudioInput | None = None,
        transcription: TranscriptionOptions | None = None,
        mode: ContentMode = "reference",
        skip_incomplete: bool = False,
        identify_speakers: Any = None,
        translate_to: Sequence[str] = (),
        max_concurrency: int = 8,
        show_progress: bool = False,
        max_transcripts: int | None = None,
        list_filters: dict[str, Any] | None = None,
        sync_client: GatewayClient | None = None,
        async_client: AsyncGatewayClient | None = None,
        **client_options: Any,
    ) -> None:
        self.mode = check_mode(mode)
        self.transcript_ids = _check_ids(transcript_ids)
        check_concurrency(max_concurrency)
        self._plan = _check_audio(audio, transcription, transcript_ids)
        self.created_transcript_ids: dict[str, str] = {}
        """Audio -> transcript id of every transcript made from `audio` (as created)."""
        self.skip_incomplete = skip_incomplete
        # Checked now, so a bad option fails before any request.
        self._tasks = understanding_tasks(self.mode, identify_speakers, translate_to)
        self.max_concurrency = max_concurrency
        self.show_progress = show_progress
        self.max_transcripts = max_transcripts
        self.list_filters = dict(list_filters or {})
        sync_http = client_options.pop("http_client", None)
        async_http = client_options.pop("http_async_client", None)
        self._sync = sync_client or GatewayClient(
            http_client=sync_http, **client_options
        )
        self._async = async_client or AsyncGatewayClient(
            http_client=async_http, **client_options
        )

    @property
    def sync_client(self) -> GatewayClient:
        """The client the sync methods fetch with."""
        return self._sync

    @property
    def async_client(self) -> AsyncGatewayClient:
        """The client the async methods fetch with."""
        return self._async

    # -- sync ------------------------------------------------------------------------

    def _run(self, plan: TranscriptionPlan) -> TranscriptionRun:
        return TranscriptionRun(
            plan,
            skip_failed=self.skip_incomplete,
            created=self.created_transcript_ids,
            max_concurrency=self.max_concurrency,
            show_progress=self.show_progress,
        )

    def _targets(self) -> list[str] | list[Transcript]:
        if self._plan is not None:
            return transcribe(self._sync, self._run(self._plan))
        if self.transcript_ids is not None:
            return self.transcript_ids
        listings = self._sync.iter_transcripts(
            max_results=self.max_transcripts, **self.list_filters
        )
        return [t.id for t in listings]

    def _load_one(self, item: str | Transcript) -> list[TranscriptDocument]:
        transcript = (
            item if isinstance(item, Transcript) else self._sync.get_transcript(item)
        )
        if not check_ready(transcript, self.skip_incomplete):
            return []
        call = content_call(transcript.id, self.mode)
        content = None if call is None else run_call(self._sync, call)
        documents = build_documents(transcript, self.mode, content)
        if not self._tasks:
            return documents
        result = self._sync.understand(transcript.id, **self._tasks)
        return enrich_documents(documents, result, self._tasks)

    def iter_documents(self) -> Iterator[TranscriptDocument]:
        """The documents, transcript by transcript, in the order of the ids (or audio)."""
        ids = self._targets()
        if self.mode == "reference":
            yield from (reference_document(_id_of(i)) for i in ids)
            return
        with (
            open_progress(len(ids), self.show_progress, *_BAR) as bar,
            ThreadPoolExecutor(self.max_concurrency) as pool,
        ):
            for documents in pool.map(self._load_one, ids):
                bar.update(1)
                yield from documents

    # -- async -----------------------------------------------------------------------

    async def _atargets(self) -> list[str] | list[Transcript]:
        if self._plan is not None:
            return await atranscribe(self._async, self._run(self._plan))
        if self.transcript_ids is not None:
            return self.transcript_ids
        listings = self._async.aiter_transcripts(
            max_results=self.max_transcripts, **self.list_filters
        )
        return [t.id async for t in listings]

    async def _aload_one(
        self, item: str | Transcript, gate: asyncio.Semaphore
    ) -> list[TranscriptDocument]:
        async with gate:
            transcript = (
                item
                if isinstance(item, Transcript)
                else await self._async.aget_transcript(item)
            )
            if not check_ready(transcript, self.skip_incomplete):
                return []
            call = content_call(transcript.id, self.mode)
            content = None if call is None else await arun_call(self._async, call)
            documents = build_documents(transcript, self.mode, content)
            if not self._tasks:
                return documents
            result = await self._async.aunderstand(transcript.id, **self._tasks)
        return enrich_documents(documents, result, self._tasks)

    async def aiter_documents(self) -> AsyncIterator[TranscriptDocument]:
        """The documents, in the order of the ids (or audio), fetched concurrently."""
        ids = await self._atargets()
        if self.mode == "reference":
            for item in ids:
                yield reference_document(_id_of(item))
            return
        gate = asyncio.Semaphore(self.max_concurrency)
        tasks = [asyncio.ensure_future(self._aload_one(i, gate)) for i in ids]
        try:
            with open_progress(len(ids), self.show_progress, *_BAR) as bar:
                for task in tasks:
                    documents = await task
                    bar.update(1)
                    for document in documents:
                        yield document
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def transcript_base_url(self) -> str:
        """The REST API root requests go to."""
        return self._sync.transcript_base_url

    def close(self) -> None:
        """Close the sync client's connections."""
        self._sync.close()

    async def aclose(self) -> None:
        """Close the async client's connections for the running event loop."""
        await self._async.aclose()


def content_call(
    transcript_id: str, mode: ContentMode
) -> RestCall[Sequence[TranscriptSegment] | str] | None:
    """What a mode needs beyond the transcript itself: segments, subtitles, or nothing."""
    if mode in ("sentences", "paragraphs"):
        return segments_call(transcript_id, mode)
    if mode in ("srt", "vtt"):
        return subtitles_call(transcript_id, mode, None)
    return None


_BAR = ("Loading transcripts", "transcript")


def _id_of(item: str | Transcript) -> str:
    return item.id if isinstance(item, Transcript) else item


def _check_ids(transcript_ids: Sequence[str] | None) -> list[str] | None:
    if transcript_ids is None:
        return None
    if isinstance(transcript_ids, str) or not all(
        isinstance(i, str) and i for i in transcript_ids
    ):
        msg = "`transcript_ids` must be a list of transcript id strings"
        raise TypeError(msg)
    return [check_transcript_id(i) for i in transcript_ids]


def _check_audio(
    audio: AudioInput | None,
    transcription: TranscriptionOptions | None,
    transcript_ids: Sequence[str] | None,
) -> TranscriptionPlan | None:
    if audio is None:
        if transcription:
            names = ", ".join(sorted(transcription))
            msg = f"{names} only apply with `audio` (the recordings to transcribe)"
            raise TypeError(msg)
        return None
    if transcript_ids is not None:
        msg = (
            "pass `transcript_ids` or `audio`, not both (to wait for transcripts an "
            "earlier run created, give `reuse_transcript_ids`)"
        )
        raise TypeError(msg)
    return plan_transcription(audio, transcription or {})


class TranscriptLoaderOptions(TranscriptionOptions, total=False):
    """The options of the LangChain loader and the LlamaIndex reader, in one place.

    With `audio`, the transcription options of `TranscriptionOptions` apply too
    (`speaker_labels`, `speakers_expected`, `language_code`,
    `language_detection`, `speech_model`, `config`, `transcription_timeout`,
    `poll_interval`, `reuse_transcript_ids`, `on_transcript_created`).

    Attributes:
        audio: Instead of transcript ids: local files (uploaded through
            `POST /v2/upload`) and http(s) URLs to transcribe, waited for, then
            loaded in any mode; the new ids are in `created_transcript_ids`.
        mode: `reference` (default: no download), `text`, `sentences`,
            `paragraphs`, `utterances`, `srt` or `vtt`.
        api_key: Your AssemblyAI API key (default: `ASSEMBLYAI_API_KEY`, read at
            the first request).
        region: `"us"` (default) or `"eu"`: which hosts to use.
        base_url: The gateway URL (Speech Understanding, for `identify_speakers`
            and `translate_to`), as on the chat models; default: the region's.
            Before 0.2 this was the REST root: a URL without `/v1` is still read
            so in 0.2, with a `DeprecationWarning`.
        transcript_base_url: The transcript REST API root (wins over `region`).
        status: List filter: `queued`, `processing`, `completed` or `error`.
        created_on: List filter: a `YYYY-MM-DD` date.
        before_id: List filter: transcripts created before this one.
        after_id: List filter: transcripts created after this one.
        limit: List filter: page size (1-200); every page is followed.
        max_transcripts: With no ids, how many listed transcripts to take at most.
        skip_incomplete: Skip (with a warning) transcripts that are not completed,
            or whose transcription from `audio` failed, instead of raising
            `TranscriptNotReadyError` (`TranscriptionError`).
        identify_speakers: `utterances`/`sentences` modes: map speaker labels to
            names or roles with Speech Understanding (a `SpeakerIdentification` or a
            mapping with its keys); documents gain `speaker_name` and start with it.
        translate_to: `utterances`/`text` modes: language codes; adds one document
            per utterance (or the whole text) and language, with `language`.
        gateway_base_url: Deprecated (the name of `base_url` before 0.2): taken
            with a `DeprecationWarning` in 0.2.
        max_concurrency: How many transcripts are fetched, or files uploaded,
            transcribed and checked, at once (default 8).
        show_progress: Show tqdm progress bars over the files transcribed and the
            transcripts loaded.
        timeout: Seconds or an `httpx.Timeout` per request.
        max_retries: Retries after the first attempt (default 2).
        http_client: Your own `httpx.Client`; used as is and never closed here.
        http_async_client: Your own `httpx.AsyncClient`; likewise.
    """

    audio: AudioInput | None
    mode: ContentMode
    api_key: str | None
    region: Region | None
    base_url: str | None
    transcript_base_url: str | None
    status: str | None
    created_on: str | None
    before_id: str | None
    after_id: str | None
    limit: int | None
    max_transcripts: int | None
    skip_incomplete: bool
    identify_speakers: Any
    translate_to: Sequence[str]
    gateway_base_url: str | None
    max_concurrency: int
    show_progress: bool
    timeout: float | httpx.Timeout | None
    max_retries: int
    http_client: httpx.Client | None
    http_async_client: httpx.AsyncClient | None


_LIST_FILTERS = ("status", "created_on", "before_id", "after_id", "limit")
_TRANSCRIPTION_OPTIONS = tuple(TranscriptionOptions.__annotations__)
_CLIENT_OPTIONS = (
    "api_key",
    "region",
    "base_url",
    "transcript_base_url",
    "timeout",
    "max_retries",
)


def build_loader(
    transcript_ids: Sequence[str] | None,
    options: TranscriptLoaderOptions,
    *,
    owner: str = "build_loader",
    stacklevel: int = 2,
) -> TranscriptDocumentLoader:
    """A `TranscriptDocumentLoader` from the adapters' flat options.

    Names used before 0.2 are taken with a `DeprecationWarning` (a `base_url`
    without `/v1`, `gateway_base_url`): see `TranscriptLoaderOptions`.

    Args:
        transcript_ids: The transcripts to load (`None`: the account's recent ones).
        options: The flat options.
        owner: The class or function the options were given to, named in messages.
        stacklevel: Counted as `warnings.warn` would count it here (the default:
            the caller).

    Raises:
        TypeError: an option that does not exist (named), or one URL given under
            an old and a new name.
        ValueError: an unknown mode, a malformed id or a bad `max_concurrency`.
        FileNotFoundError: an `audio` path that is not a file.
    """
    unknown = set(options) - set(TranscriptLoaderOptions.__annotations__)
    if unknown:
        msg = f"unknown option(s) {', '.join(sorted(unknown))}; see TranscriptLoaderOptions"
        raise TypeError(msg)
    # The old meaning of `base_url` first: a renamed `gateway_base_url` is the gateway's.
    given = to_core_loader_options(options, owner, stacklevel=stacklevel + 1)
    given = rename_options(
        given, owner, renamed=LOADER_RENAMED, stacklevel=stacklevel + 1
    )
    client = {k: given[k] for k in _CLIENT_OPTIONS if given.get(k) is not None}
    transcription = {k: given[k] for k in _TRANSCRIPTION_OPTIONS if k in given}
    return TranscriptDocumentLoader(
        transcript_ids,
        audio=given.get("audio"),
        transcription=transcription,  # type: ignore[arg-type]
        mode=given.get("mode", "reference"),
        skip_incomplete=given.get("skip_incomplete", False),
        identify_speakers=given.get("identify_speakers"),
        translate_to=given.get("translate_to", ()),
        max_concurrency=given.get("max_concurrency", 8),
        show_progress=given.get("show_progress", False),
        max_transcripts=given.get("max_transcripts"),
        list_filters={k: given[k] for k in _LIST_FILTERS if given.get(k) is not None},
        sync_client=GatewayClient(http_client=given.get("http_client"), **client),
        async_client=AsyncGatewayClient(
            http_client=given.get("http_async_client"), **client
        ),
    )


class TranscriptSource:
    """Loads AssemblyAI transcripts as documents, by reference or by content.

    In `reference` mode (the default) each transcript becomes one document whose
    text is a `transcript_ref`: no HTTP request is made, and the chat model turns
    the reference into the gateway's `{{ transcript }}` tag, so the transcript is
    injected server-side and never downloaded. The content modes (`text`,
    `sentences`, `paragraphs`, `utterances`, `srt`, `vtt`) fetch the transcripts
    for retrieval pipelines, with small flat metadata (`transcript_id`, `mode`,
    `index`, `start_ms`, `end_ms`, `speaker`, `source`, ...) and stable document
    ids (`{transcript_id}:{mode}:{index}`). The LangChain loader and the
    LlamaIndex reader are this class, yielding their framework's documents.

    With `audio=` it transcribes first: local files are uploaded, URLs sent as
    they are, all submitted with the options given (`speaker_labels`,
    `language_code`, `config`, ...), `max_concurrency` at a time, and waited for
    (backoff, `transcription_timeout` for the whole run); the documents then
    come in the mode asked, `reference` included. Each new transcript id is put
    in `created_transcript_ids` (and logged, and given to
    `on_transcript_created`) as soon as it exists: pass that mapping as
    `reuse_transcript_ids` after a crash or a timeout, and those recordings are
    waited for, not transcribed (and paid for) again.

    Example:
        ```python
        from langchain_aai_gateway import AssemblyAITranscriptLoader

        loader = AssemblyAITranscriptLoader(  # a TranscriptSource
            ["5d8e2c1a-..."], mode="utterances", region="eu", max_concurrency=4
        )
        meetings = AssemblyAITranscriptLoader(
            audio=["standup.mp3", "https://example.com/review.mp3"],
            speaker_labels=True,
        )
        ```

    Args:
        transcript_ids: The transcripts to load; leave out to take the account's
            recent transcripts (newest first) through the list filters.
        **options: `audio` and its transcription options
            (`TranscriptionOptions`), `mode`, `api_key`, `region`, `base_url` (the gateway),
            `transcript_base_url` (the REST API root), the list filters
            (`status`, `created_on`, `before_id`, `after_id`, `limit`,
            `max_transcripts`), `skip_incomplete`, `identify_speakers`,
            `translate_to`, `max_concurrency`, `show_progress`, `timeout`,
            `max_retries`, `http_client`, `http_async_client`: see
            `aai_gateway.transcripts.TranscriptLoaderOptions`.

    Raises:
        ValueError: an unknown mode, a malformed id, a bad `max_concurrency`, or
            a transcription option out of range (named).
        TypeError: an option that does not exist, or of the wrong type (named).
        FileNotFoundError: an `audio` path that is not a file.
    """

    def __init__(
        self,
        transcript_ids: Sequence[str] | None = None,
        **options: Unpack[TranscriptLoaderOptions],
    ) -> None:
        owner = type(self).__name__
        self._core = build_loader(transcript_ids, options, owner=owner, stacklevel=3)

    @property
    def mode(self) -> ContentMode:
        """The content mode documents are loaded in."""
        return self._core.mode

    @property
    def transcript_base_url(self) -> str:
        """The REST API root requests go to (from `transcript_base_url` or `region`)."""
        return self._core.transcript_base_url

    @property
    def created_transcript_ids(self) -> dict[str, str]:
        """Audio -> transcript id of each transcript made from `audio`, as created.

        Filled while loading, so it is complete even when loading fails; give it
        back as `reuse_transcript_ids` to wait for those instead of paying again.
        """
        return self._core.created_transcript_ids
