"""Incremental indexing's sync and async shells: list, fetch, hand over to a store.

`IncrementalIndexer` reads the state from an `IndexStore` (the adapters wrap a
LangChain record manager and vector store, or a LlamaIndex ingestion pipeline),
lists the account as `_incremental.ListingWalk` says, lets `plan_index` decide,
then removes, fetches and adds in steps, writing the state after each. Every
decision is in `_incremental`; the shells differ only in `await`.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from typing_extensions import Unpack

from aai_gateway._transcripts._documents import TranscriptDocument
from aai_gateway._transcripts._incremental import (
    TRANSCRIPTS_PER_STEP,
    IndexPlan,
    IndexState,
    ListingWalk,
    check_index_mode,
    check_step_size,
    plan_index,
)
from aai_gateway._transcripts._loader import (
    TranscriptDocumentLoader,
    TranscriptLoaderOptions,
    build_loader,
)

logger = logging.getLogger("aai_gateway")

_LIST_FILTERS = frozenset(
    {"status", "created_on", "before_id", "after_id", "limit", "max_transcripts"}
)


class IndexStore(Protocol):
    """Where an index over transcripts and its state live (sync).

    The state is a set of short string keys (`IndexState.keys`) kept beside the
    index: in a LangChain record manager, in a LlamaIndex docstore.
    """

    def load_keys(self) -> Iterable[str]:
        """The state's keys as last written (none for a new index)."""
        ...

    def write_keys(self, old: frozenset[str], new: frozenset[str]) -> None:
        """Replace the state's keys `old` (as loaded or last written) by `new`."""
        ...

    def remove(self, transcript_ids: Sequence[str]) -> None:
        """Delete every document of these transcripts from the index."""
        ...

    def add(self, documents: Sequence[TranscriptDocument]) -> None:
        """Index the documents of some transcripts (all of each one's documents)."""
        ...


class AsyncIndexStore(Protocol):
    """`IndexStore`, async."""

    async def aload_keys(self) -> Iterable[str]:
        """The state's keys as last written (none for a new index)."""
        ...

    async def awrite_keys(self, old: frozenset[str], new: frozenset[str]) -> None:
        """Replace the state's keys `old` (as loaded or last written) by `new`."""
        ...

    async def aremove(self, transcript_ids: Sequence[str]) -> None:
        """Delete every document of these transcripts from the index."""
        ...

    async def aadd(self, documents: Sequence[TranscriptDocument]) -> None:
        """Index the documents of some transcripts (all of each one's documents)."""
        ...


class IncrementalIndexer:
    """Brings an index over the account's transcripts up to date, fetching only what is new.

    A run reads the state kept in the store, lists the transcripts created after
    its cursor (or, with `full=True` or on a first run, the whole account), fetches
    only the completed transcripts the index does not hold yet, and removes the
    documents of transcripts that were deleted (on a full sync, also of those no
    longer listed). A meeting still processing holds the cursor back, so it is
    fetched on the run after it completes. The state is written after every
    `transcripts_per_step` transcripts, so an interrupted run resumes.

    Example:
        ```python
        indexer = IncrementalIndexer(mode="paragraphs", full=False)
        plan = indexer.run(store)  # an IndexStore
        print(len(plan.fetch), "transcripts indexed,", len(plan.remove), "removed")
        ```

    Args:
        full: List the whole account rather than what is newer than the cursor, so
            transcripts deleted or no longer listed leave the index. Still only new
            transcripts are fetched.
        transcripts_per_step: Transcripts fetched and indexed between two writes
            of the state.
        owner: The function or class named in messages about the options.
        stacklevel: Counted as `warnings.warn` counts it here, for renamed options.
        **options: The loader's options (`TranscriptLoaderOptions`) but the list
            filters, which the cursor replaces; `mode` defaults to `paragraphs`.

    Raises:
        TypeError: an unknown option or a list filter (named).
        ValueError: `mode='reference'` or another bad option (named).
    """

    def __init__(
        self,
        *,
        full: bool = False,
        transcripts_per_step: int = TRANSCRIPTS_PER_STEP,
        owner: str = "IncrementalIndexer",
        stacklevel: int = 2,
        **options: Unpack[TranscriptLoaderOptions],
    ) -> None:
        refused = sorted(_LIST_FILTERS & set(options))
        if refused:
            msg = (
                f"{owner} keeps its own cursor, so it takes no list filter; "
                f"got {', '.join(f'`{name}`' for name in refused)}"
            )
            raise TypeError(msg)
        if full not in (True, False):
            msg = f"`full` must be True or False, got {full!r}"
            raise TypeError(msg)
        check_step_size(transcripts_per_step)
        self.transcripts_per_step = transcripts_per_step
        given: Any = {"mode": "paragraphs", **options}
        self.mode = check_index_mode(given["mode"])
        self.full = full
        self._loader = build_loader([], given, owner=owner, stacklevel=stacklevel + 1)

    def _step(self, transcript_ids: Sequence[str]) -> TranscriptDocumentLoader:
        # The same clients and options, for the transcripts of one step.
        loader = copy.copy(self._loader)
        loader.transcript_ids = list(transcript_ids)
        return loader

    def _decide(self, state: IndexState, walk: ListingWalk) -> IndexPlan:
        plan = plan_index(state, walk.rows, full=self.full, mode=self.mode)
        logger.info(
            "transcript index: %d listed, %d to fetch, %d to remove, cursor %s",
            len(walk.rows),
            len(plan.fetch),
            len(plan.remove),
            plan.after.cursor,
        )
        return plan

    # -- sync ------------------------------------------------------------------------

    def _start(self, store: IndexStore) -> IndexPlan:
        state = IndexState.from_keys(store.load_keys())
        state.check_mode(self.mode)
        walk = ListingWalk(state.cursor, full=self.full)
        while walk.more:
            walk.take(self._loader.sync_client.list_transcripts(**walk.filters))
        plan = self._decide(state, walk)
        if plan.remove:
            store.remove(plan.remove)
        return plan

    def run(self, store: IndexStore) -> IndexPlan:
        """Bring the index in `store` up to date; returns what was done.

        Raises:
            ValueError: the index was built in another mode (nothing was fetched).
            APIError: a request failed (the state written so far stays valid).
        """
        try:
            plan = self._start(store)
            for step in plan.steps(self.transcripts_per_step):
                if step.fetch:
                    store.add(list(self._step(step.fetch).iter_documents()))
                store.write_keys(step.old_keys, step.new_keys)
            return plan
        finally:
            self._loader.close()

    # -- async -----------------------------------------------------------------------

    async def _astart(self, store: AsyncIndexStore) -> IndexPlan:
        state = IndexState.from_keys(await store.aload_keys())
        state.check_mode(self.mode)
        walk = ListingWalk(state.cursor, full=self.full)
        while walk.more:
            walk.take(await self._loader.async_client.alist_transcripts(**walk.filters))
        plan = self._decide(state, walk)
        if plan.remove:
            await store.aremove(plan.remove)
        return plan

    async def arun(self, store: AsyncIndexStore) -> IndexPlan:
        """Bring the index in `store` up to date, on the running event loop.

        Raises:
            ValueError: the index was built in another mode (nothing was fetched).
            APIError: a request failed (the state written so far stays valid).
        """
        try:
            plan = await self._astart(store)
            for step in plan.steps(self.transcripts_per_step):
                if step.fetch:
                    loader = self._step(step.fetch)
                    await store.aadd([d async for d in loader.aiter_documents()])
                await store.awrite_keys(step.old_keys, step.new_keys)
            return plan
        finally:
            await self._loader.aclose()
