"""An account's transcripts in a LangChain vector store, kept up to date run after run.

`index_transcripts` (and `aindex_transcripts`) run LangChain's indexing API
(`langchain_core.indexing.index`) over the transcripts that are new since the
last run, and delete the documents of transcripts that were deleted. What to
fetch and where the cursor goes is decided in the core
(`aai_gateway.transcripts.IncrementalIndexer`); this module only talks to the
record manager and the vector store.

The state (the cursor, the transcripts indexed, the mode) is kept as records of
the group `aai-gateway/index-state` in the record manager itself, beside the
records `index()` writes, so the record manager is the whole memory of the index.
Give the index a record manager namespace of its own: a `cleanup="full"` run of
`index()` over the same namespace would delete those records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from langchain_core.documents import Document
from langchain_core.indexing import IndexingResult, RecordManager, aindex, index
from langchain_core.vectorstores import VectorStore
from typing_extensions import Unpack

from aai_gateway.transcripts import (
    IncrementalIndexer,
    TranscriptDocument,
    TranscriptLoaderOptions,
)
from langchain_aai_gateway.document_loaders import to_document

__all__ = ["aindex_transcripts", "index_transcripts"]

STATE_GROUP = "aai-gateway/index-state"
"""The record manager group of the index's state records."""

KeyEncoder = Literal["sha1", "sha256", "sha512", "blake2b"]


def _key_changes(
    old: frozenset[str], new: frozenset[str]
) -> tuple[list[str], list[str]]:
    return sorted(old - new), sorted(new - old)


class _RecordManagerIndex:
    """The `IndexStore` (sync and async) over a record manager and a vector store."""

    def __init__(
        self,
        record_manager: RecordManager,
        vector_store: VectorStore,
        options: dict[str, Any],
    ) -> None:
        self.record_manager = record_manager
        self.vector_store = vector_store
        self.options: dict[str, Any] = {
            **options,
            "cleanup": "incremental",
            "source_id_key": "transcript_id",
        }
        self.result = IndexingResult(
            num_added=0, num_updated=0, num_skipped=0, num_deleted=0
        )

    def _count(self, result: IndexingResult) -> None:
        for name in ("num_added", "num_updated", "num_skipped", "num_deleted"):
            self.result[name] += result[name]

    def _documents(self, documents: Sequence[TranscriptDocument]) -> list[Document]:
        return [to_document(document) for document in documents]

    # -- sync ------------------------------------------------------------------------

    def load_keys(self) -> Iterable[str]:
        return self.record_manager.list_keys(group_ids=[STATE_GROUP])

    def write_keys(self, old: frozenset[str], new: frozenset[str]) -> None:
        # Removed first: a run cut short in between leaves no cursor (a full
        # listing next time), never two.
        gone, added = _key_changes(old, new)
        if gone:
            self.record_manager.delete_keys(gone)
        if added:
            self.record_manager.update(added, group_ids=[STATE_GROUP] * len(added))

    def remove(self, transcript_ids: Sequence[str]) -> None:
        keys = self.record_manager.list_keys(group_ids=list(transcript_ids))
        if keys:
            self.vector_store.delete(keys)
            self.record_manager.delete_keys(keys)
        self.result["num_deleted"] += len(keys)

    def add(self, documents: Sequence[TranscriptDocument]) -> None:
        docs = self._documents(documents)
        self._count(index(docs, self.record_manager, self.vector_store, **self.options))

    # -- async -----------------------------------------------------------------------

    async def aload_keys(self) -> Iterable[str]:
        return await self.record_manager.alist_keys(group_ids=[STATE_GROUP])

    async def awrite_keys(self, old: frozenset[str], new: frozenset[str]) -> None:
        gone, added = _key_changes(old, new)
        if gone:
            await self.record_manager.adelete_keys(gone)
        if added:
            groups = [STATE_GROUP] * len(added)
            await self.record_manager.aupdate(added, group_ids=groups)

    async def aremove(self, transcript_ids: Sequence[str]) -> None:
        keys = await self.record_manager.alist_keys(group_ids=list(transcript_ids))
        if keys:
            await self.vector_store.adelete(keys)
            await self.record_manager.adelete_keys(keys)
        self.result["num_deleted"] += len(keys)

    async def aadd(self, documents: Sequence[TranscriptDocument]) -> None:
        docs = self._documents(documents)
        store, manager = self.vector_store, self.record_manager
        self._count(await aindex(docs, manager, store, **self.options))


def index_transcripts(
    record_manager: RecordManager,
    vector_store: VectorStore,
    *,
    full: bool = False,
    batch_size: int = 100,
    key_encoder: KeyEncoder = "sha256",
    **options: Unpack[TranscriptLoaderOptions],
) -> IndexingResult:
    """Index the account's transcripts into `vector_store`, fetching only what is new.

    The first run fetches every completed transcript; a re-run lists only what
    was created after the cursor kept in `record_manager` and fetches the
    completed transcripts not indexed yet (a meeting still processing at the
    last run included). With `full=True` the whole account is listed (no
    transcript is downloaded again), and the documents of transcripts deleted or
    no longer listed are deleted. The documents go through
    `langchain_core.indexing.index` (`cleanup="incremental"`, one source per
    transcript), so unchanged documents are never embedded twice.

    Example:
        ```python
        from langchain_classic.indexes import SQLRecordManager
        from langchain_aai_gateway.indexing import index_transcripts

        manager = SQLRecordManager("meetings", db_url="sqlite:///index.db")
        manager.create_schema()
        result = index_transcripts(manager, vector_store, mode="paragraphs")
        ```

    Args:
        record_manager: Where `index()` keeps its records and this function the
            index's state; a namespace of its own.
        vector_store: The vector store the documents go to.
        full: List the whole account, so deleted transcripts leave the index.
        batch_size: Documents per `index()` batch.
        key_encoder: How `index()` hashes documents into record keys (SHA-256
            by default: `index()`'s own default, SHA-1, is not collision-resistant).
        **options: The loader's options (`mode`, default `paragraphs`; `api_key`,
            `region`, `transcript_base_url`, `max_concurrency`, ...) but the list
            filters: see `aai_gateway.transcripts.TranscriptLoaderOptions`.

    Returns:
        The counts of `index()`, summed over the run; `num_deleted` includes the
        documents of removed transcripts.

    Raises:
        TypeError: an unknown option or a list filter (named).
        ValueError: `mode='reference'`, or an index built in another mode.
    """
    indexer = IncrementalIndexer(
        full=full, owner="index_transcripts", stacklevel=3, **options
    )
    settings = {"batch_size": batch_size, "key_encoder": key_encoder}
    target = _RecordManagerIndex(record_manager, vector_store, settings)
    indexer.run(target)
    return target.result


async def aindex_transcripts(
    record_manager: RecordManager,
    vector_store: VectorStore,
    *,
    full: bool = False,
    batch_size: int = 100,
    key_encoder: KeyEncoder = "sha256",
    **options: Unpack[TranscriptLoaderOptions],
) -> IndexingResult:
    """`index_transcripts` on the running event loop, with `aindex()`.

    The record manager must support the async methods (for `SQLRecordManager`,
    `async_mode=True` with an async driver such as `sqlite+aiosqlite`).
    """
    indexer = IncrementalIndexer(
        full=full, owner="aindex_transcripts", stacklevel=3, **options
    )
    settings = {"batch_size": batch_size, "key_encoder": key_encoder}
    target = _RecordManagerIndex(record_manager, vector_store, settings)
    await indexer.arun(target)
    return target.result
