"""Incremental indexing: the pure decisions, and the shells against the emulator."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import httpx
import pytest

from aai_gateway._transcripts._incremental import (
    DELETED_AUDIO_URL,
    PAGE_SIZE,
    ListingWalk,
    advance_cursor,
    check_index_mode,
    plan_index,
)
from aai_gateway.testing import MEETING_IDS
from aai_gateway.transcripts import (
    IncrementalIndexer,
    IndexPlan,
    IndexState,
    TranscriptDocument,
    TranscriptListing,
    TranscriptPage,
    find_transcript_documents,
)
from tests.conftest import TEST_KEY
from tests.core._account import COMPLETED, DELETED, Account

AUDIO = "https://example.com/a.mp3"


def row(
    ident: str, status: str = "completed", audio_url: str = AUDIO
) -> TranscriptListing:
    return TranscriptListing(id=ident, status=status, audio_url=audio_url)


def deleted(ident: str) -> TranscriptListing:
    return row(ident, audio_url=DELETED_AUDIO_URL)


def state(cursor: str | None = None, *indexed: str) -> IndexState:
    return IndexState(cursor, frozenset(indexed), "paragraphs")


def plan(
    before: IndexState, rows: Sequence[TranscriptListing], *, full: bool = False
) -> IndexPlan:
    return plan_index(before, rows, full=full, mode="paragraphs")


# -- the plan ---------------------------------------------------------------------------


def test_a_first_run_fetches_every_completed_transcript() -> None:
    rows = [row("a"), row("b", "error"), deleted("c"), row("d"), row("e", "queued")]
    first = plan(IndexState(), rows)
    assert first.fetch == ("a", "d")
    assert first.remove == ()
    # The cursor stops before the queued transcript, which is not fetched.
    assert first.after == IndexState("d", frozenset({"a", "d"}), "paragraphs")


def test_a_rerun_fetches_only_what_is_not_indexed() -> None:
    rows = [row("p"), row("q"), row("r")]
    again = plan(state("o", "o", "p"), rows)
    assert again.fetch == ("q", "r")
    assert again.after.indexed == {"o", "p", "q", "r"}
    assert again.after.cursor == "r"


def test_the_cursor_waits_for_a_meeting_still_processing() -> None:
    # Run 1 sees p processing and q completed; run 2 sees both completed.
    one = plan(state("o", "o"), [row("p", "processing"), row("q")])
    assert one.fetch == ("q",)
    assert one.after.cursor == "o"
    two = plan(one.after, [row("p"), row("q")])
    assert two.fetch == ("p",)
    assert two.after.cursor == "q"
    assert plan(two.after, []).fetch == ()
    assert plan(two.after, []).after == two.after


def test_a_cursor_never_moves_back_nor_over_an_unsettled_row() -> None:
    assert advance_cursor("o", [row("p", "processing"), row("q")]) == "o"
    assert advance_cursor(None, [row("p", "queued")]) is None
    assert advance_cursor("o", [row("p", "error"), row("q", "unknown")]) == "p"


def test_deleted_transcripts_leave_the_index_when_listed() -> None:
    rows = [deleted("p"), row("q"), deleted("x")]
    again = plan(state("o", "o", "p"), rows)
    assert again.remove == ("p",)  # x was never indexed
    assert again.fetch == ("q",)
    assert again.after.indexed == {"o", "q"}


def test_only_a_full_sync_removes_what_is_no_longer_listed() -> None:
    before = state("c", "a", "b", "c")
    assert plan(before, [row("d")]).remove == ()
    full = plan(before, [row("a"), row("c"), row("d")], full=True)
    assert full.remove == ("b",)
    assert full.fetch == ("d",)
    assert full.after == IndexState("d", frozenset({"a", "c", "d"}), "paragraphs")


def test_a_full_sync_recomputes_the_cursor() -> None:
    full = plan(state("c", "c"), [row("a", "processing"), row("c")], full=True)
    assert full.after.cursor is None
    assert full.fetch == ()  # c is indexed, a is not ready


def test_a_listing_repeating_a_row_fetches_it_once() -> None:
    assert plan(IndexState(), [row("a"), row("a")]).fetch == ("a",)


def test_an_index_of_another_mode_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"built in mode 'sentences'.*mode='sentences'"
    ):
        plan(IndexState(mode="sentences"), [row("a")])


def test_reference_mode_has_nothing_to_embed() -> None:
    with pytest.raises(ValueError, match="'reference' has no content to embed"):
        check_index_mode("reference")
    with pytest.raises(ValueError, match="`mode` must be one of"):
        check_index_mode("words")
    assert check_index_mode("utterances") == "utterances"


# -- the state as keys -----------------------------------------------------------------


def test_the_state_round_trips_through_its_keys() -> None:
    saved = IndexState("c-1", frozenset({"a", "b"}), "sentences")
    assert saved.keys() == {
        "aai-gateway/cursor/c-1",
        "aai-gateway/mode/sentences",
        "aai-gateway/transcript/a",
        "aai-gateway/transcript/b",
    }
    assert IndexState.from_keys(saved.keys()) == saved
    assert IndexState().keys() == frozenset()
    assert IndexState.from_keys([]) == IndexState()


def test_odd_keys_count_as_absent() -> None:
    keys = [
        "aai-gateway/cursor/a",
        "aai-gateway/cursor/b",  # two cursors: a write cut short
        "aai-gateway/mode/words",
        "aai-gateway/transcript/not an id",
        "aai-gateway/transcript/t-1",
        "0f3c9a",  # a record of someone else's
    ]
    assert IndexState.from_keys(keys) == IndexState(None, frozenset({"t-1"}))


# -- steps -----------------------------------------------------------------------------


def test_steps_write_the_state_after_each_group() -> None:
    whole = plan(state("o", "o", "gone"), [deleted("gone"), *map(row, "abcde")])
    steps = list(whole.steps(2))
    assert [s.fetch for s in steps] == [("a", "b"), ("c", "d"), ("e",)]
    assert steps[0].old_keys == whole.before.keys()
    for earlier, later in itertools.pairwise(steps):
        assert later.old_keys == earlier.new_keys
    middle = IndexState.from_keys(steps[1].new_keys)
    assert middle == IndexState("o", frozenset("oabcd"), "paragraphs")
    assert steps[-1].new_keys == whole.after.keys()


def test_a_run_with_nothing_to_fetch_still_writes_the_state() -> None:
    quiet = plan(state("o", "o"), [row("p", "error")])
    assert [(s.fetch, s.new_keys) for s in quiet.steps()] == [
        ((), IndexState("p", frozenset({"o"}), "paragraphs").keys())
    ]


@pytest.mark.parametrize("size", [0, -1, 1.5, True])
def test_a_bad_step_size_is_refused(size: Any) -> None:
    with pytest.raises(ValueError, match="`size` must be a whole number"):
        list(plan(IndexState(), []).steps(size))


# -- the listing walk ------------------------------------------------------------------


def page(*ids: str, older: str | None = None) -> TranscriptPage:
    return TranscriptPage(tuple(row(i) for i in ids), older)


def test_with_a_cursor_the_walk_goes_towards_the_newest() -> None:
    walk = ListingWalk("c0", full=False)
    assert walk.filters == {"limit": PAGE_SIZE, "after_id": "c0"}
    walk.take(page("b", "a"))  # each page newest first
    assert (walk.more, walk.filters["after_id"]) == (True, "b")
    walk.take(page("d", "c"))
    walk.take(page())
    assert not walk.more
    assert [r.id for r in walk.rows] == ["a", "b", "c", "d"]


def test_a_page_with_nothing_new_ends_the_walk() -> None:
    walk = ListingWalk("c0", full=False)
    walk.take(page("b", "a"))
    walk.take(page("b", "a"))
    assert not walk.more
    assert [r.id for r in walk.rows] == ["a", "b"]


@pytest.mark.parametrize("cursor", [None, "c0"], ids=["first-run", "full"])
def test_the_whole_account_is_walked_towards_the_oldest(cursor: str | None) -> None:
    walk = ListingWalk(cursor, full=True)
    assert walk.filters == {"limit": PAGE_SIZE}
    walk.take(page("d", "c", older="c"))
    assert walk.filters["before_id"] == "c"
    walk.take(page("b", "a"))
    assert not walk.more
    assert [r.id for r in walk.rows] == ["a", "b", "c", "d"]


def test_documents_are_found_by_their_transcript() -> None:
    ids = [
        "t-1:paragraphs:0",
        "t-1:paragraphs:1",
        "t-10:paragraphs:0",
        "t-1:utterances:3:es",
        "t-1:notamode:0",
        "aai-gateway/index-state",
        "t-2:text:0",
    ]
    assert find_transcript_documents(ids, ["t-1", "t-2"]) == [
        "t-1:paragraphs:0",
        "t-1:paragraphs:1",
        "t-1:utterances:3:es",
        "t-2:text:0",
    ]


# -- the shells, against the emulator --------------------------------------------------


class MemoryIndex:
    """An `IndexStore` (sync and async) in a dict, which can fail on the n-th add."""

    def __init__(self) -> None:
        self.keys: frozenset[str] = frozenset()
        self.documents: dict[str, TranscriptDocument] = {}
        self.fail_on_add: int | None = None
        self.adds = 0

    def load_keys(self) -> Iterable[str]:
        return self.keys

    def write_keys(self, old: frozenset[str], new: frozenset[str]) -> None:
        assert old == self.keys
        self.keys = new

    def remove(self, transcript_ids: Sequence[str]) -> None:
        for ident in find_transcript_documents(list(self.documents), transcript_ids):
            del self.documents[ident]

    def add(self, documents: Sequence[TranscriptDocument]) -> None:
        self.adds += 1
        if self.adds == self.fail_on_add:
            raise RuntimeError("the vector store is down")
        self.documents.update((d.id, d) for d in documents)

    async def aload_keys(self) -> Iterable[str]:
        return self.load_keys()

    async def awrite_keys(self, old: frozenset[str], new: frozenset[str]) -> None:
        self.write_keys(old, new)

    async def aremove(self, transcript_ids: Sequence[str]) -> None:
        self.remove(transcript_ids)

    async def aadd(self, documents: Sequence[TranscriptDocument]) -> None:
        self.add(documents)


ORDERED = [
    MEETING_IDS[k]
    for k in ("support_call", "product_planning", "incident_review", "hiring_debrief")
]  # oldest first


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    with Account.serve() as served:
        yield served


def execute(indexer: IncrementalIndexer, store: MemoryIndex, flavour: str) -> IndexPlan:
    if flavour == "sync":
        return indexer.run(store)
    return asyncio.run(indexer.arun(store))


@pytest.fixture(params=["sync", "async"], ids=["sync", "async"])
def run(request: pytest.FixtureRequest, account: Account) -> Any:
    account.reset()

    def go(store: MemoryIndex, **options: Any) -> IndexPlan:
        options = {
            "api_key": TEST_KEY,
            "transcript_base_url": account.rest_url,
            **options,
        }
        return execute(IncrementalIndexer(**options), store, request.param)

    return go


def test_an_interrupted_run_resumes_without_fetching_again(
    account: Account, run: Any
) -> None:
    store = MemoryIndex()
    store.fail_on_add = 2
    with pytest.raises(RuntimeError, match="the vector store is down"):
        run(store, transcripts_per_step=2)
    assert account.fetched() == COMPLETED  # the second step fetched, then failed
    assert IndexState.from_keys(store.keys) == IndexState(
        None, frozenset(ORDERED[:2]), "paragraphs"
    )
    account.emulator.clear_requests()
    store.fail_on_add = None
    done = run(store, transcripts_per_step=2)
    assert account.fetched() == set(ORDERED[2:])
    assert done.fetch == tuple(ORDERED[2:])
    indexed = {d.metadata["transcript_id"] for d in store.documents.values()}
    assert indexed == COMPLETED
    assert done.after.cursor == MEETING_IDS["failed_upload"]


def test_a_rerun_lists_after_the_cursor_and_fetches_nothing_old(
    account: Account, run: Any
) -> None:
    store = MemoryIndex()
    run(store, mode="sentences")
    account.emulator.clear_requests()
    again = run(store, mode="sentences")
    assert again.fetch == again.remove == ()
    assert account.fetched() == set()
    cursor = MEETING_IDS["failed_upload"]
    assert [r.query for r in account.emulator.requests] == [
        f"limit={PAGE_SIZE}&after_id={cursor}",
        # the still-processing meeting is the newest, so the walk asks after it
        f"limit={PAGE_SIZE}&after_id={MEETING_IDS['still_processing']}",
    ]


def test_deletions_and_late_meetings_through_the_shells(
    account: Account, run: Any
) -> None:
    store = MemoryIndex()
    run(store)
    late = account.add_meeting("late", complete=False)
    new = account.add_meeting("new")
    account.delete(DELETED)
    account.emulator.clear_requests()
    assert run(store, full=True).remove == (DELETED,)
    assert account.fetched() == {new}
    account.emulator.complete_transcript(late)
    account.emulator.clear_requests()
    assert run(store).fetch == (late,)
    assert account.fetched() == {late}
    indexed = {d.metadata["transcript_id"] for d in store.documents.values()}
    assert indexed == (COMPLETED - {DELETED}) | {late, new}


def test_another_mode_is_refused_before_any_request(account: Account, run: Any) -> None:
    store = MemoryIndex()
    run(store, mode="sentences")
    account.emulator.clear_requests()
    with pytest.raises(ValueError, match="built in mode 'sentences'"):
        run(store, mode="paragraphs")
    assert account.emulator.requests == []


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"after_id": "abc"}, TypeError, "takes no list filter; got `after_id`"),
        (
            {"status": "completed", "limit": 5},
            TypeError,
            "got `limit`, `status`",
        ),
        ({"mode": "reference"}, ValueError, "no content to embed"),
        ({"full": "yes"}, TypeError, "`full` must be True or False"),
        ({"transcripts_per_step": 0}, ValueError, "`transcripts_per_step` must be"),
        ({"no_such_option": 1}, TypeError, "unknown option"),
    ],
)
def test_bad_options_are_refused_at_construction(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        IncrementalIndexer(api_key=TEST_KEY, **options)


def listing_server(seen: list[str]) -> httpx.MockTransport:
    """A REST API of three transcripts listed two a page, newest first."""
    pages = {None: ["t-3", "t-2"], "t-2": ["t-1"]}

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.path}?{request.url.query.decode()}")
        path = request.url.path.split("/")
        if len(path) == 3:
            before = request.url.params.get("before_id")
            rows = [{"id": i, "status": "completed"} for i in pages[before]]
            older = "https://api.test/v2/transcript?before_id=t-2"
            details = {"prev_url": older if before is None else None}
            return httpx.Response(
                200, json={"transcripts": rows, "page_details": details}
            )
        if len(path) == 5:
            return httpx.Response(200, json={"paragraphs": [{"text": path[3]}]})
        return httpx.Response(200, json={"id": path[3], "status": "completed"})

    return httpx.MockTransport(answer)


@pytest.mark.parametrize("flavour", ["sync", "async"], ids=["sync", "async"])
def test_the_account_listing_follows_every_page(flavour: str) -> None:
    seen: list[str] = []
    transport = listing_server(seen)
    indexer = IncrementalIndexer(
        api_key=TEST_KEY,
        transcript_base_url="https://api.test",
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
    )
    store = MemoryIndex()
    done = execute(indexer, store, flavour)
    assert seen[:2] == [
        f"/v2/transcript?limit={PAGE_SIZE}",
        f"/v2/transcript?limit={PAGE_SIZE}&before_id=t-2",
    ]
    assert done.fetch == ("t-1", "t-2", "t-3")  # oldest first
    assert done.after.cursor == "t-3"
    assert sorted(d.text for d in store.documents.values()) == ["t-1", "t-2", "t-3"]
