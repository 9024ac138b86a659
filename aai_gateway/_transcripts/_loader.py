"""Loading transcripts as documents, sync or async, one implementation for both frameworks.

`TranscriptDocumentLoader` turns transcript ids (or the account's recent
transcripts) into framework-neutral `TranscriptDocument`s; the LangChain loader
and the LlamaIndex reader only wrap them. In `reference` mode no HTTP request is
made.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from typing_extensions import TypedDict, Unpack

from aai_gateway._config import Region
from aai_gateway._http.client import AsyncGatewayClient, GatewayClient
from aai_gateway._settings import (
    LOADER_RENAMED,
    rename_options,
    to_core_loader_options,
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
from aai_gateway._transcripts._rest_types import TranscriptSegment


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
        mode: `reference` (the default: no download at all), `text`, `sentences`,
            `paragraphs`, `utterances`, `srt` or `vtt`.
        skip_incomplete: Skip (with a warning) transcripts that are not completed,
            instead of raising `TranscriptNotReadyError`.
        max_concurrency: How many transcripts are fetched at once.
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
        if transcript_ids is not None:
            if isinstance(transcript_ids, str) or not all(
                isinstance(i, str) and i for i in transcript_ids
            ):
                msg = "`transcript_ids` must be a list of transcript id strings"
                raise TypeError(msg)
            for transcript_id in transcript_ids:
                check_transcript_id(transcript_id)
        check_concurrency(max_concurrency)
        self.transcript_ids = None if transcript_ids is None else list(transcript_ids)
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

    # -- sync ------------------------------------------------------------------------

    def _ids(self) -> list[str]:
        if self.transcript_ids is not None:
            return self.transcript_ids
        listings = self._sync.iter_transcripts(
            max_results=self.max_transcripts, **self.list_filters
        )
        return [t.id for t in listings]

    def _load_one(self, transcript_id: str) -> list[TranscriptDocument]:
        transcript = self._sync.get_transcript(transcript_id)
        if not check_ready(transcript, self.skip_incomplete):
            return []
        call = content_call(transcript_id, self.mode)
        content = None if call is None else run_call(self._sync, call)
        documents = build_documents(transcript, self.mode, content)
        if not self._tasks:
            return documents
        result = self._sync.understand(transcript_id, **self._tasks)
        return enrich_documents(documents, result, self._tasks)

    def iter_documents(self) -> Iterator[TranscriptDocument]:
        """The documents, transcript by transcript, in the order of the ids."""
        ids = self._ids()
        if self.mode == "reference":
            yield from (reference_document(i) for i in ids)
            return
        with (
            _progress(len(ids), self.show_progress) as bar,
            ThreadPoolExecutor(self.max_concurrency) as pool,
        ):
            for documents in pool.map(self._load_one, ids):
                bar.update(1)
                yield from documents

    # -- async -----------------------------------------------------------------------

    async def _aids(self) -> list[str]:
        if self.transcript_ids is not None:
            return self.transcript_ids
        listings = self._async.aiter_transcripts(
            max_results=self.max_transcripts, **self.list_filters
        )
        return [t.id async for t in listings]

    async def _aload_one(
        self, transcript_id: str, gate: asyncio.Semaphore
    ) -> list[TranscriptDocument]:
        async with gate:
            transcript = await self._async.aget_transcript(transcript_id)
            if not check_ready(transcript, self.skip_incomplete):
                return []
            call = content_call(transcript_id, self.mode)
            content = None if call is None else await arun_call(self._async, call)
            documents = build_documents(transcript, self.mode, content)
            if not self._tasks:
                return documents
            result = await self._async.aunderstand(transcript_id, **self._tasks)
        return enrich_documents(documents, result, self._tasks)

    async def aiter_documents(self) -> AsyncIterator[TranscriptDocument]:
        """The documents, in the order of the ids, fetched concurrently."""
        ids = await self._aids()
        if self.mode == "reference":
            for transcript_id in ids:
                yield reference_document(transcript_id)
            return
        gate = asyncio.Semaphore(self.max_concurrency)
        tasks = [asyncio.ensure_future(self._aload_one(i, gate)) for i in ids]
        try:
            with _progress(len(ids), self.show_progress) as bar:
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


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def _progress(total: int, show: bool) -> Any:
    if not show:
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:  # pragma: no cover - tqdm comes with the package
        msg = "show_progress=True needs tqdm: pip install tqdm"
        raise ImportError(msg) from exc
    return tqdm(total=total, desc="Loading transcripts", unit="transcript")


class TranscriptLoaderOptions(TypedDict, total=False):
    """The options of the LangChain loader and the LlamaIndex reader, in one place.

    Attributes:
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
            instead of raising `TranscriptNotReadyError`.
        identify_speakers: `utterances`/`sentences` modes: map speaker labels to
            names or roles with Speech Understanding (a `SpeakerIdentification` or a
            mapping with its keys); documents gain `speaker_name` and start with it.
        translate_to: `utterances`/`text` modes: language codes; adds one document
            per utterance (or the whole text) and language, with `language`.
        gateway_base_url: Deprecated (the name of `base_url` before 0.2): taken
            with a `DeprecationWarning` in 0.2.
        max_concurrency: How many transcripts are fetched at once (default 8).
        show_progress: Show a tqdm progress bar over the transcripts.
        timeout: Seconds or an `httpx.Timeout` per request.
        max_retries: Retries after the first attempt (default 2).
        http_client: Your own `httpx.Client`; used as is and never closed here.
        http_async_client: Your own `httpx.AsyncClient`; likewise.
    """

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
    return TranscriptDocumentLoader(
        transcript_ids,
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

    Example:
        ```python
        from langchain_aai_gateway import AssemblyAITranscriptLoader

        loader = AssemblyAITranscriptLoader(  # a TranscriptSource
            ["5d8e2c1a-..."], mode="utterances", region="eu", max_concurrency=4
        )
        ```

    Args:
        transcript_ids: The transcripts to load; leave out to take the account's
            recent transcripts (newest first) through the list filters.
        **options: `mode`, `api_key`, `region`, `base_url` (the gateway),
            `transcript_base_url` (the REST API root), the list filters
            (`status`, `created_on`, `before_id`, `after_id`, `limit`,
            `max_transcripts`), `skip_incomplete`, `identify_speakers`,
            `translate_to`, `max_concurrency`, `show_progress`, `timeout`,
            `max_retries`, `http_client`, `http_async_client`: see
            `aai_gateway.transcripts.TranscriptLoaderOptions`.

    Raises:
        ValueError: an unknown mode, a malformed id or a bad `max_concurrency`.
        TypeError: an option that does not exist (named).
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
