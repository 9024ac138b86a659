"""`AssemblyAITranscriptLoader`: AssemblyAI transcripts as LangChain `Document`s.

A thin wrapper: fetching, content modes, metadata, concurrency and progress all
live in the core (`aai_gateway.adapters.TranscriptSource`), shared with the
LlamaIndex reader, so both frameworks load the same documents.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document

from aai_gateway import TranscriptDocument
from aai_gateway.adapters import TranscriptSource

__all__ = ["AssemblyAITranscriptLoader"]


def to_document(document: TranscriptDocument) -> Document:
    """A core `TranscriptDocument` as a LangChain `Document` (same id, copied metadata)."""
    return Document(
        page_content=document.text, metadata=dict(document.metadata), id=document.id
    )


class AssemblyAITranscriptLoader(TranscriptSource, BaseLoader):
    """Loads AssemblyAI transcripts as LangChain documents, by reference or by content.

    By reference (the default mode, no HTTP request), a document's text is a
    `transcript_ref` that `ChatAssemblyAI` sends as the gateway's
    `{{ transcript }}` tag; by content, documents feed retrieval pipelines.
    Given `audio=` (files and URLs) instead of ids, it transcribes them first,
    like langchain-community's `AssemblyAIAudioTranscriptLoader`, and records the
    new ids in `created_transcript_ids`. The modes, metadata, ids and options
    are those of `aai_gateway.adapters.TranscriptSource`, shared with the
    LlamaIndex reader.

    Example:
        ```python
        from langchain_aai_gateway import AssemblyAITranscriptLoader

        loader = AssemblyAITranscriptLoader(["5d8e2c1a-..."], mode="utterances")
        for doc in loader.lazy_load():
            print(doc.metadata["speaker"], doc.page_content)

        recorded = AssemblyAITranscriptLoader(
            audio="./standup.mp3", speaker_labels=True, language_code="en"
        )
        docs = recorded.load()  # one reference document, ready for a chain
        ```

    Args:
        transcript_ids: The transcripts to load (default: the account's recent ones).
        **options: `audio` and its transcription options, `mode`, `api_key`,
            `region`, `transcript_base_url`, `base_url`, the list filters,
            `max_concurrency`, ...: see
            `aai_gateway.transcripts.TranscriptLoaderOptions`.
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
