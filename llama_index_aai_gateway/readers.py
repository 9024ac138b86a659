"""`AssemblyAITranscriptReader`: AssemblyAI transcripts as LlamaIndex `Document`s.

A thin wrapper: fetching, content modes, metadata, concurrency and progress all
live in `aai_gateway.TranscriptDocumentLoader`, shared with the LangChain loader,
so both frameworks load the same documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import httpx
from llama_index.core.readers.base import BaseReader
from llama_index.core.schema import Document

from aai_gateway import (
    AsyncGatewayClient,
    ContentMode,
    GatewayClient,
    Region,
    TranscriptDocument,
    TranscriptDocumentLoader,
)

__all__ = ["EMBED_METADATA_KEYS", "LLM_METADATA_KEYS", "AssemblyAITranscriptReader"]

EMBED_METADATA_KEYS = frozenset({"speaker", "timestamp"})
"""The metadata embeddings see: who spoke, and when (ids and URLs are noise there)."""
LLM_METADATA_KEYS = frozenset({"transcript_id", "speaker", "timestamp", "source"})
"""The metadata the LLM sees: enough to cite the meeting and the moment."""


def to_document(document: TranscriptDocument) -> Document:
    """A core `TranscriptDocument` as a LlamaIndex `Document` (same id, copied metadata).

    All metadata is kept on the document; only `speaker` and `timestamp` reach
    embeddings, and only `transcript_id`, `speaker`, `timestamp` and `source`
    reach the LLM, so long values (`audio_url`) never crowd a chunk.
    """
    metadata = dict(document.metadata)
    return Document(
        text=document.text,
        metadata=metadata,
        id_=document.id,
        excluded_embed_metadata_keys=sorted(set(metadata) - EMBED_METADATA_KEYS),
        excluded_llm_metadata_keys=sorted(set(metadata) - LLM_METADATA_KEYS),
    )


def _list_filters(**filters: Any) -> dict[str, Any]:
    return {name: value for name, value in filters.items() if value is not None}


class AssemblyAITranscriptReader(BaseReader):
    """Reads AssemblyAI transcripts as documents, by reference or by content.

    In `reference` mode (the default) each transcript becomes one document whose
    text is a `transcript_ref`: no HTTP request is made, and `AssemblyAI` turns
    the reference into the gateway's `{{ transcript }}` tag, so the transcript is
    injected server-side and never downloaded. The content modes (`text`,
    `sentences`, `paragraphs`, `utterances`, `srt`, `vtt`) fetch the transcripts
    for retrieval pipelines, with small flat metadata (`transcript_id`, `mode`,
    `index`, `start_ms`, `end_ms`, `speaker`, `source`, ...) and stable document
    ids (`{transcript_id}:{mode}:{index}`).

    Example:
        ```python
        from llama_index_aai_gateway import AssemblyAITranscriptReader

        reader = AssemblyAITranscriptReader(["5d8e2c1a-..."], mode="utterances")
        for doc in reader.lazy_load_data():
            print(doc.metadata["speaker"], doc.text)
        ```

    Args:
        transcript_ids: The transcripts to load; leave out to take the account's
            recent transcripts (newest first) through the list filters.
        mode: `reference`, `text`, `sentences`, `paragraphs`, `utterances`,
            `srt` or `vtt`.
        api_key: Your AssemblyAI API key (default: `ASSEMBLYAI_API_KEY`, read at
            the first request).
        region: `"us"` (default) or `"eu"`: which REST host to use.
        base_url: The transcript REST API root (wins over `region`), e.g.
            `https://api.assemblyai.com` or an emulator's root.
        status: List filter: `queued`, `processing`, `completed` or `error`.
        created_on: List filter: a `YYYY-MM-DD` date.
        before_id: List filter: transcripts created before this one.
        after_id: List filter: transcripts created after this one.
        limit: List filter: page size (1-200); every page is followed.
        max_transcripts: With no ids, how many listed transcripts to take at most.
        skip_incomplete: Skip (with a warning) transcripts that are queued,
            processing or failed, instead of raising `TranscriptNotReadyError`.
        max_concurrency: How many transcripts are fetched at once.
        show_progress: Show a tqdm progress bar over the transcripts.
        timeout: Seconds or an `httpx.Timeout` per request.
        max_retries: Retries after the first attempt.
        http_client: Your own `httpx.Client`; used as is and never closed here.
        http_async_client: Your own `httpx.AsyncClient`; likewise.

    Raises:
        ValueError: an unknown mode, a malformed id or a bad `max_concurrency`.
    """

    def __init__(
        self,
        transcript_ids: Sequence[str] | None = None,
        *,
        mode: ContentMode = "reference",
        api_key: str | None = None,
        region: Region | None = None,
        base_url: str | None = None,
        status: str | None = None,
        created_on: str | None = None,
        before_id: str | None = None,
        after_id: str | None = None,
        limit: int | None = None,
        max_transcripts: int | None = None,
        skip_incomplete: bool = False,
        max_concurrency: int = 8,
        show_progress: bool = False,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
    ) -> None:
        options: dict[str, Any] = {
            "api_key": api_key,
            "region": region,
            "transcript_base_url": base_url,
            "timeout": timeout,
            "max_retries": max_retries,
        }
        self._sync = GatewayClient(http_client=http_client, **options)
        self._async = AsyncGatewayClient(http_client=http_async_client, **options)
        self._core = TranscriptDocumentLoader(
            transcript_ids,
            mode=mode,
            skip_incomplete=skip_incomplete,
            max_concurrency=max_concurrency,
            show_progress=show_progress,
            max_transcripts=max_transcripts,
            list_filters=_list_filters(
                status=status,
                created_on=created_on,
                before_id=before_id,
                after_id=after_id,
                limit=limit,
            ),
            sync_client=self._sync,
            async_client=self._async,
        )

    @property
    def mode(self) -> ContentMode:
        """The content mode documents are loaded in."""
        return self._core.mode

    @property
    def transcript_base_url(self) -> str:
        """The REST API root requests go to (from `base_url` or `region`)."""
        return self._sync.transcript_base_url

    def lazy_load_data(self, *args: Any, **load_kwargs: Any) -> Iterator[Document]:
        """The documents, transcript by transcript, in the order of the ids."""
        try:
            for document in self._core.iter_documents():
                yield to_document(document)
        finally:
            self._core.close()

    def load_data(self, *args: Any, **load_kwargs: Any) -> list[Document]:
        """All the documents (fetched `max_concurrency` transcripts at a time)."""
        return list(self.lazy_load_data())

    async def aload_data(self, *args: Any, **load_kwargs: Any) -> list[Document]:
        """All the documents, fetched concurrently on the running event loop."""
        try:
            return [to_document(d) async for d in self._core.aiter_documents()]
        finally:
            await self._async.aclose()

    async def alazy_load_data(
        self, *args: Any, **load_kwargs: Any
    ) -> Iterable[Document]:
        """Natively async, like `aload_data` (LlamaIndex's contract returns a list)."""
        return await self.aload_data()
