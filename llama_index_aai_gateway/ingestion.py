"""An account's transcripts through a LlamaIndex `IngestionPipeline`, run after run.

`ingest_transcripts` (and `aingest_transcripts`) run the user's pipeline over the
transcripts that are new since the last run, with the pipeline's docstore doing
the upserts, and delete the documents of transcripts that were deleted from the
docstore and the vector store. What to fetch and where the cursor goes is decided
in the core (`aai_gateway.transcripts.IncrementalIndexer`); this module only
talks to the pipeline, its docstore and its vector store.

The state (the cursor, the transcripts indexed, the mode) is one document of the
docstore, `aai-gateway/index-state`, so persisting the docstore (as the pipeline's
upserts need anyway) persists the state with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline
from llama_index.core.schema import BaseNode, Document
from llama_index.core.storage.docstore.types import BaseDocumentStore
from llama_index.core.vector_stores.types import BasePydanticVectorStore
from typing_extensions import Unpack

from aai_gateway.transcripts import (
    IncrementalIndexer,
    TranscriptDocument,
    TranscriptLoaderOptions,
    find_transcript_documents,
)
from llama_index_aai_gateway.readers import to_document

__all__ = ["STATE_DOCUMENT_ID", "aingest_transcripts", "ingest_transcripts"]

STATE_DOCUMENT_ID = "aai-gateway/index-state"
"""The docstore document that holds the index's state, one key a line."""


def _state_document(keys: frozenset[str]) -> Document:
    return Document(id_=STATE_DOCUMENT_ID, text="\n".join(sorted(keys)))


def _state_keys(document: BaseNode | None) -> list[str]:
    return [] if document is None else document.get_content().splitlines()


class _PipelineIndex:
    """The `IndexStore` (sync and async) over an ingestion pipeline."""

    def __init__(self, pipeline: IngestionPipeline) -> None:
        if pipeline.docstore is None or pipeline.vector_store is None:
            msg = (
                "`pipeline` needs a `docstore` and a `vector_store`: the docstore "
                "keeps what is indexed, the vector store what is retrieved"
            )
            raise ValueError(msg)
        if pipeline.docstore_strategy != DocstoreStrategy.UPSERTS:
            msg = (
                "`pipeline.docstore_strategy` must be DocstoreStrategy.UPSERTS: each "
                "run passes only new transcripts, which 'upserts_and_delete' would "
                f"take as the whole account; got {pipeline.docstore_strategy.value!r}"
            )
            raise ValueError(msg)
        self.pipeline = pipeline
        self.docstore: BaseDocumentStore = pipeline.docstore
        self.vector_store: BasePydanticVectorStore = pipeline.vector_store
        self.nodes: list[BaseNode] = []

    def _documents(self, documents: Sequence[TranscriptDocument]) -> list[Document]:
        return [to_document(document) for document in documents]

    # -- sync ------------------------------------------------------------------------

    def load_keys(self) -> Iterable[str]:
        document = self.docstore.get_document(STATE_DOCUMENT_ID, raise_error=False)
        return _state_keys(document)

    def write_keys(self, old: frozenset[str], new: frozenset[str]) -> None:
        self.docstore.add_documents([_state_document(new)], allow_update=True)

    def remove(self, transcript_ids: Sequence[str]) -> None:
        ids = self.docstore.get_all_document_hashes().values()
        for document_id in find_transcript_documents(ids, transcript_ids):
            self.vector_store.delete(document_id)
            self.docstore.delete_document(document_id, raise_error=False)

    def add(self, documents: Sequence[TranscriptDocument]) -> None:
        docs = self._documents(documents)
        self.nodes.extend(self.pipeline.run(documents=docs))

    # -- async -----------------------------------------------------------------------

    async def aload_keys(self) -> Iterable[str]:
        document = await self.docstore.aget_document(
            STATE_DOCUMENT_ID, raise_error=False
        )
        return _state_keys(document)

    async def awrite_keys(self, old: frozenset[str], new: frozenset[str]) -> None:
        docs = [_state_document(new)]
        await self.docstore.async_add_documents(docs, allow_update=True)

    async def aremove(self, transcript_ids: Sequence[str]) -> None:
        ids = (await self.docstore.aget_all_document_hashes()).values()
        for document_id in find_transcript_documents(ids, transcript_ids):
            await self.vector_store.adelete(document_id)
            await self.docstore.adelete_document(document_id, raise_error=False)

    async def aadd(self, documents: Sequence[TranscriptDocument]) -> None:
        docs = self._documents(documents)
        self.nodes.extend(await self.pipeline.arun(documents=docs))


def ingest_transcripts(
    pipeline: IngestionPipeline,
    *,
    full: bool = False,
    **options: Unpack[TranscriptLoaderOptions],
) -> list[BaseNode]:
    """Run `pipeline` over the account's new transcripts, fetching only what is new.

    The first run fetches every completed transcript; a re-run lists only what
    was created after the cursor kept in the pipeline's docstore and fetches the
    completed transcripts not ingested yet (a meeting still processing at the
    last run included). With `full=True` the whole account is listed (no
    transcript is downloaded again), and the documents of transcripts deleted or
    no longer listed leave the docstore and the vector store. Persist the
    docstore after a run: it holds the state.

    Example:
        ```python
        from pathlib import Path
        from llama_index.core.ingestion import IngestionPipeline
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.core.storage.docstore import SimpleDocumentStore
        from llama_index_aai_gateway.ingestion import ingest_transcripts

        saved = Path("storage/docstore.json")  # the state of the last run
        docstore = (
            SimpleDocumentStore.from_persist_path(str(saved))
            if saved.exists()
            else SimpleDocumentStore()
        )
        pipeline = IngestionPipeline(
            transformations=[SentenceSplitter(), embed_model],
            docstore=docstore,
            vector_store=vector_store,
        )
        ingest_transcripts(pipeline, mode="paragraphs")
        docstore.persist(str(saved))
        ```

    Args:
        pipeline: With a `docstore`, a `vector_store` and
            `docstore_strategy=DocstoreStrategy.UPSERTS` (the default).
        full: List the whole account, so deleted transcripts leave the index.
        **options: The reader's options (`mode`, default `paragraphs`; `api_key`,
            `region`, `transcript_base_url`, `max_concurrency`, ...) but the list
            filters: see `aai_gateway.transcripts.TranscriptLoaderOptions`.

    Returns:
        The nodes the pipeline produced in this run.

    Raises:
        TypeError: an unknown option or a list filter (named).
        ValueError: a pipeline without docstore or vector store, another docstore
            strategy, `mode='reference'`, or an index built in another mode.
    """
    indexer = IncrementalIndexer(
        full=full, owner="ingest_transcripts", stacklevel=3, **options
    )
    target = _PipelineIndex(pipeline)
    indexer.run(target)
    return target.nodes


async def aingest_transcripts(
    pipeline: IngestionPipeline,
    *,
    full: bool = False,
    **options: Unpack[TranscriptLoaderOptions],
) -> list[BaseNode]:
    """`ingest_transcripts` on the running event loop, with `pipeline.arun`."""
    indexer = IncrementalIndexer(
        full=full, owner="aingest_transcripts", stacklevel=3, **options
    )
    target = _PipelineIndex(pipeline)
    await indexer.arun(target)
    return target.nodes
