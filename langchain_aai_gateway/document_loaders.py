"""`AssemblyAITranscriptLoader`: AssemblyAI transcripts as LangChain `Document`s.

A thin wrapper: fetching, content modes, metadata, concurrency and progress all
live in `aai_gateway.transcripts.TranscriptDocumentLoader`, shared with the LlamaIndex reader,
so both frameworks load the same documents.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document

from aai_gateway import (
    TranscriptDocument,
)
from aai_gateway.adapters import TranscriptSource

__all__ = ["AssemblyAITranscriptLoader"]


def to_document(document: TranscriptDocument) -> Document:
    """A core `TranscriptDocument` as a LangChain `Document` (same id, copied metadata)."""
    return Document(
        page_content=document.text, metadata=dict(document.metadata), id=document.id
    )


class AssemblyAITranscriptLoader(TranscriptSource, BaseLoader):
    """Loads AssemblyAI transcripts as documents, by reference or by content.

    In `reference` mode (the default) each transcript becomes one document whose
    text is a `transcript_ref`: no HTTP request is made, and `ChatAssemblyAI`
    turns the reference into the gateway's `{{ transcript }}` tag, so the
    transcript is injected server-side and never downloaded. The content modes
    (`text`, `sentences`, `paragraphs`, `utterances`, `srt`, `vtt`) fetch the
    transcripts for retrieval pipelines, with small flat metadata (`transcript_id`,
    `mode`, `index`, `start_ms`, `end_ms`, `speaker`, `source`, ...) and stable
    document ids (`{transcript_id}:{mode}:{index}`).

    Example:
        ```python
        from langchain_aai_gateway import AssemblyAITranscriptLoader

        loader = AssemblyAITranscriptLoader(["5d8e2c1a-..."], mode="utterances")
        for doc in loader.lazy_load():
            print(doc.metadata["speaker"], doc.page_content)
        ```

    Args:
        transcript_ids: The transcripts to load; leave out to take the account's
            recent transcripts (newest first) through the list filters.
        **options: `mode`, `api_key`, `region`, `base_url` (the REST API root),
            the list filters (`status`, `created_on`, `before_id`, `after_id`,
            `limit`, `max_transcripts`), `skip_incomplete`, `max_concurrency`,
            `show_progress`, `timeout`, `max_retries`, `http_client`,
            `http_async_client`: see `aai_gateway.transcripts.TranscriptLoaderOptions`.

    Raises:
        ValueError: an unknown mode, a malformed id or a bad `max_concurrency`.
    """

    def lazy_load(self) -> Iterator[Document]:
        """The documents, transcript by transcript, in the order of the ids."""
        try:
            for document in self._core.iter_documents():
                yield to_document(document)
        finally:
            self._core.close()

    async def alazy_load(self) -> AsyncIterator[Document]:
        """The documents, fetched concurrently on the running event loop."""
        try:
            async for document in self._core.aiter_documents():
                yield to_document(document)
        finally:
            await self._core.aclose()
