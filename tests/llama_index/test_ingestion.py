"""`ingest_transcripts`: an `IngestionPipeline` over the emulator's account, run after run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode
from llama_index.core.storage.docstore import SimpleDocumentStore
from llama_index.core.vector_stores import SimpleVectorStore

from aai_gateway.testing import MEETING_IDS
from llama_index_aai_gateway.ingestion import (
    STATE_DOCUMENT_ID,
    aingest_transcripts,
    ingest_transcripts,
)
from tests.conftest import TEST_KEY
from tests.core._account import COMPLETED, DELETED, Account

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    with Account.serve() as served:
        yield served


class Pipeline:
    """A pipeline whose docstore and vector store are persisted between runs."""

    def __init__(self, flavour: str, folder: Path, rest_url: str) -> None:
        self.flavour = flavour
        self.docstore_path = folder / "docstore.json"
        self.vectors_path = folder / "vectors.json"
        self.options: dict[str, Any] = {
            "api_key": TEST_KEY,
            "transcript_base_url": rest_url,
        }

    def build(self, **extra: Any) -> IngestionPipeline:
        """The pipeline of one run, its stores reloaded from the last run's files."""
        saved = self.docstore_path.exists()
        stores: dict[str, Any] = {
            "docstore": SimpleDocumentStore.from_persist_path(str(self.docstore_path))
            if saved
            else SimpleDocumentStore(),
            "vector_store": SimpleVectorStore.from_persist_path(str(self.vectors_path))
            if saved
            else SimpleVectorStore(),
        }
        return IngestionPipeline(
            transformations=[SentenceSplitter(chunk_size=256), MockEmbedding(8)],
            **{**stores, **extra},
        )

    def ingest(self, pipeline: IngestionPipeline, **options: Any) -> list[BaseNode]:
        options = {**self.options, **options}
        if self.flavour == "sync":
            return ingest_transcripts(pipeline, **options)
        return asyncio.run(aingest_transcripts(pipeline, **options))

    def run(self, **options: Any) -> list[BaseNode]:
        pipeline = self.build()
        nodes = self.ingest(pipeline, **options)
        assert pipeline.docstore is not None
        pipeline.docstore.persist(str(self.docstore_path))
        assert isinstance(pipeline.vector_store, SimpleVectorStore)
        pipeline.vector_store.persist(str(self.vectors_path))
        return nodes

    def vectors(self) -> dict[str, tuple[str, list[float]]]:
        """The stored nodes by id: the document each came from, and its embedding."""
        data = SimpleVectorStore.from_persist_path(str(self.vectors_path)).data
        return {
            node: (data.text_id_to_ref_doc_id[node], vector)
            for node, vector in data.embedding_dict.items()
        }

    def transcripts(self) -> set[str]:
        return {ref.split(":")[0] for ref, _ in self.vectors().values()}


@pytest.fixture(params=["sync", "async"], ids=["sync", "async"])
def pipeline(
    request: pytest.FixtureRequest, tmp_path: Path, account: Account
) -> Pipeline:
    account.reset()
    return Pipeline(request.param, tmp_path, account.rest_url)


def from_transcripts(
    vectors: dict[str, tuple[str, list[float]]], *ids: str
) -> dict[str, tuple[str, list[float]]]:
    return {k: v for k, v in vectors.items() if v[0].split(":")[0] in ids}


def test_a_rerun_ingests_the_new_transcripts_and_drops_the_deleted_one(
    account: Account, pipeline: Pipeline
) -> None:
    first = pipeline.run()
    assert account.fetched() == COMPLETED
    before = pipeline.vectors()
    assert len(first) == len(before) > len(COMPLETED)
    added = [account.add_meeting(f"review-{n}") for n in range(3)]
    account.delete(DELETED)
    account.emulator.clear_requests()

    second = pipeline.run(full=True)

    assert account.fetched() == set(added)
    paragraphs = {
        r.path for r in account.emulator.requests if r.path.endswith("/paragraphs")
    }
    assert paragraphs == {f"/v2/transcript/{i}/paragraphs" for i in added}
    after = pipeline.vectors()
    assert pipeline.transcripts() == (COMPLETED - {DELETED}) | set(added)
    assert {n.ref_doc_id.split(":")[0] for n in second if n.ref_doc_id} == set(added)
    assert len(from_transcripts(after, *added)) == len(second) == 2 * len(added)
    assert from_transcripts(before, DELETED)
    # The nodes of the other meetings are the very same, embeddings included.
    kept = COMPLETED - {DELETED}
    assert from_transcripts(after, *kept) == from_transcripts(before, *kept)
    docstore = SimpleDocumentStore.from_persist_path(str(pipeline.docstore_path))
    ids = set(docstore.get_all_document_hashes().values())
    assert not any(i.startswith(f"{DELETED}:") for i in ids)


def test_an_incremental_rerun_lists_after_the_cursor_and_a_full_sync_deletes(
    account: Account, pipeline: Pipeline
) -> None:
    pipeline.run()
    added = account.add_meeting("standup")
    account.delete(DELETED)
    account.emulator.clear_requests()

    pipeline.run()
    assert account.fetched() == {added}
    assert account.listings()
    assert all("after_id=" in q for q in account.listings())
    assert DELETED in pipeline.transcripts()
    account.emulator.clear_requests()

    assert pipeline.run(full=True) == []
    assert account.fetched() == set()
    assert pipeline.transcripts() == (COMPLETED - {DELETED}) | {added}


def test_a_meeting_still_processing_at_the_last_run_is_ingested_on_the_next(
    account: Account, pipeline: Pipeline
) -> None:
    pipeline.run()
    slow = account.add_meeting("slow", complete=False)
    quick = account.add_meeting("quick")
    account.emulator.clear_requests()

    pipeline.run()
    assert account.fetched() == {quick}
    account.emulator.complete_transcript(slow)
    account.emulator.clear_requests()

    pipeline.run()
    assert account.fetched() == {slow}
    assert pipeline.transcripts() == COMPLETED | {slow, quick}
    account.emulator.clear_requests()

    assert pipeline.run() == []
    assert account.fetched() == set()


def test_the_state_lives_in_the_docstore(account: Account, pipeline: Pipeline) -> None:
    pipeline.run(mode="sentences")
    docstore = SimpleDocumentStore.from_persist_path(str(pipeline.docstore_path))
    state = docstore.get_document(STATE_DOCUMENT_ID)
    assert state is not None
    keys = set(state.get_content().splitlines())
    assert f"aai-gateway/cursor/{MEETING_IDS['failed_upload']}" in keys
    assert "aai-gateway/mode/sentences" in keys
    assert {f"aai-gateway/transcript/{i}" for i in COMPLETED} <= keys
    with pytest.raises(ValueError, match="built in mode 'sentences'"):
        pipeline.run(mode="paragraphs")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"docstore": None}, r"`pipeline` needs a `docstore` and a `vector_store`"),
        (
            {"docstore_strategy": DocstoreStrategy.UPSERTS_AND_DELETE},
            r"must be DocstoreStrategy.UPSERTS.*'upserts_and_delete'",
        ),
    ],
)
def test_a_pipeline_that_cannot_upsert_is_refused(
    account: Account, pipeline: Pipeline, extra: dict[str, Any], message: str
) -> None:
    built = pipeline.build(**extra)
    with pytest.raises(ValueError, match=message):
        pipeline.ingest(built)
    assert account.emulator.requests == []
