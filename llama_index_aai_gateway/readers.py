"""`AssemblyAITranscriptReader`: AssemblyAI transcripts as LlamaIndex `Document`s.

A thin wrapper: fetching, content modes, metadata, concurrency and progress all
live in the core (`aai_gateway.adapters.TranscriptSource`), shared with the
LangChain loader, so both frameworks load the same documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from llama_index.core.readers.base import BaseReader
from llama_index.core.schema import Document

from aai_gateway import TranscriptDocument
from aai_gateway.adapters import TranscriptSource

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


class AssemblyAITranscriptReader(TranscriptSource, BaseReader):
    """Reads AssemblyAI transcripts as LlamaIndex documents, by reference or by content.

    By reference (the default mode, no HTTP request), a document's text is a
    `transcript_ref` that `AssemblyAI` sends as the gateway's `{{ transcript }}`
    tag; by content, documents feed indexes and retrievers, with the metadata
    embeddings and the LLM see kept small (`to_document`). With `audio=` in
    place of ids it first transcribes local files and URLs, as
    llama-index-readers-assemblyai's `AssemblyAIAudioTranscriptReader` does,
    many at once, keeping the new ids in `created_transcript_ids`. Modes,
    metadata, ids and options come from `aai_gateway.adapters.TranscriptSource`
    (the LangChain loader has the same).

    Example:
        ```python
        from llama_index_aai_gateway import AssemblyAITranscriptReader

        reader = AssemblyAITranscriptReader(["5d8e2c1a-..."], mode="utterances")
        for doc in reader.lazy_load_data():
            print(doc.metadata["speaker"], doc.text)

        calls = AssemblyAITranscriptReader(
            audio=["call-1.wav", "call-2.wav"],
            mode="utterances",
            speaker_labels=True,
            speakers_expected=2,
        )
        nodes = calls.load_data()
        ```

    Args:
        transcript_ids: The transcripts to load (default: the account's recent ones).
        **options: `audio=` plus the transcription options (`speaker_labels`,
            `config`, ...), `mode`, `api_key`, `region`, `transcript_base_url`,
            `base_url`, the list filters, `max_concurrency`, ...: see
            `aai_gateway.transcripts.TranscriptLoaderOptions`.
    """

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
            await self._core.aclose()

    async def alazy_load_data(
        self, *args: Any, **load_kwargs: Any
    ) -> Iterable[Document]:
        """Natively async, like `aload_data` (LlamaIndex's contract returns a list)."""
        return await self.aload_data()
