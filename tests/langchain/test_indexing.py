"""`index_transcripts`: LangChain's indexing API over the emulator's account, run after run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_classic.indexes import SQLRecordManager
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.indexing import IndexingResult
from langchain_core.vectorstores import InMemoryVectorStore

from aai_gateway.testing import MEETING_IDS
from langchain_aai_gateway.indexing import (
    STATE_GROUP,
    aindex_transcripts,
    index_transcripts,
)
from tests.conftest import TEST_KEY
from tests.core._account import COMPLETED, DELETED, Account

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    with Account.serve() as served:
        yield served


class Index:
    """An in-memory vector store and a record manager on a SQLite file, run sync or async."""

    def __init__(self, flavour: str, path: Path, rest_url: str) -> None:
        self.flavour = flavour
        self.path = path
        self.options: dict[str, Any] = {
            "api_key": TEST_KEY,
            "transcript_base_url": rest_url,
        }
        self.store = InMemoryVectorStore(DeterministicFakeEmbedding(size=16))

    def run(self, **options: Any) -> IndexingResult:
        # A new record manager every run: the SQLite file is the whole memory.
        if self.flavour == "sync":
            manager = SQLRecordManager("meetings", db_url=f"sqlite:///{self.path}")
            manager.create_schema()
            try:
                return index_transcripts(manager, self.store, **self.options, **options)
            finally:
                manager.engine.dispose()
        return asyncio.run(self._arun(**options))

    async def _arun(self, **options: Any) -> IndexingResult:
        url = f"sqlite+aiosqlite:///{self.path}"
        manager = SQLRecordManager("meetings", db_url=url, async_mode=True)
        await manager.acreate_schema()
        try:
            options = {**self.options, **options}
            return await aindex_transcripts(manager, self.store, **options)
        finally:
            await manager.engine.dispose()  # type: ignore[misc]

    def documents(self) -> dict[str, dict[str, Any]]:
        """The vector store's records by id: text, metadata and vector."""
        return {k: dict(v) for k, v in self.store.store.items()}

    def transcripts(self) -> set[str]:
        return {d["metadata"]["transcript_id"] for d in self.documents().values()}

    def state_keys(self) -> list[str]:
        manager = SQLRecordManager("meetings", db_url=f"sqlite:///{self.path}")
        try:
            return manager.list_keys(group_ids=[STATE_GROUP])
        finally:
            manager.engine.dispose()


@pytest.fixture(params=["sync", "async"], ids=["sync", "async"])
def index(request: pytest.FixtureRequest, tmp_path: Path, account: Account) -> Index:
    account.reset()
    return Index(request.param, tmp_path / "records.db", account.rest_url)


def of(documents: dict[str, dict[str, Any]], *ids: str) -> dict[str, Any]:
    return {k: v for k, v in documents.items() if v["metadata"]["transcript_id"] in ids}


def test_a_rerun_fetches_the_new_transcripts_and_drops_the_deleted_one(
    account: Account, index: Index
) -> None:
    first = index.run()
    assert account.fetched() == COMPLETED
    before = index.documents()
    assert first["num_added"] == len(before) > len(COMPLETED)
    new = [account.add_meeting(f"meeting-{n}") for n in range(3)]
    account.delete(DELETED)
    account.emulator.clear_requests()

    second = index.run(full=True)

    assert account.fetched() == set(new)
    content = {
        r.path for r in account.emulator.requests if r.path.endswith("/paragraphs")
    }
    assert content == {f"/v2/transcript/{i}/paragraphs" for i in new}
    after = index.documents()
    assert index.transcripts() == (COMPLETED - {DELETED}) | set(new)
    added = of(after, *new)
    assert second["num_added"] == len(added) == 2 * len(new)
    assert second["num_deleted"] == len(of(before, DELETED)) > 0
    # The documents of the other meetings are the very same records.
    kept = COMPLETED - {DELETED}
    assert of(after, *kept) == of(before, *kept)


def test_an_incremental_rerun_lists_after_the_cursor_and_leaves_deletions_to_a_full_sync(
    account: Account, index: Index
) -> None:
    index.run()
    new = account.add_meeting("retro")
    account.delete(DELETED)
    account.emulator.clear_requests()

    index.run()
    assert account.fetched() == {new}
    assert all("after_id=" in q for q in account.listings())
    assert DELETED in index.transcripts()  # the deleted meeting is before the cursor
    account.emulator.clear_requests()

    result = index.run(full=True)
    assert account.fetched() == set()
    assert result["num_added"] == 0
    assert result["num_deleted"] > 0
    assert index.transcripts() == (COMPLETED - {DELETED}) | {new}


def test_a_meeting_still_processing_at_the_last_run_is_indexed_on_the_next(
    account: Account, index: Index
) -> None:
    index.run()
    slow = account.add_meeting("slow", complete=False)
    quick = account.add_meeting("quick")
    account.emulator.clear_requests()

    index.run()
    assert account.fetched() == {quick}
    account.emulator.complete_transcript(slow)
    account.emulator.clear_requests()

    index.run()
    assert account.fetched() == {slow}
    assert index.transcripts() == COMPLETED | {slow, quick}
    account.emulator.clear_requests()

    quiet = index.run()
    assert account.fetched() == set()
    assert quiet == {
        "num_added": 0,
        "num_updated": 0,
        "num_skipped": 0,
        "num_deleted": 0,
    }


def test_the_state_lives_in_the_record_manager(account: Account, index: Index) -> None:
    index.run(mode="sentences")
    keys = set(index.state_keys())
    assert f"aai-gateway/cursor/{MEETING_IDS['failed_upload']}" in keys
    assert "aai-gateway/mode/sentences" in keys
    assert {f"aai-gateway/transcript/{i}" for i in COMPLETED} <= keys
    with pytest.raises(ValueError, match="built in mode 'sentences'"):
        index.run(mode="paragraphs")


def test_bad_options_fail_before_any_request(account: Account, index: Index) -> None:
    with pytest.raises(TypeError, match="takes no list filter; got `created_on`"):
        index.run(created_on="2026-09-01")
    with pytest.raises(ValueError, match="no content to embed"):
        index.run(mode="reference")
    assert account.emulator.requests == []
