"""Incremental indexing of an account's transcripts: the decisions, as pure code.

A re-run of an index over the account's transcripts should download only what is
new. The decisions that make it so live here once, for every framework:

- **the state** (`IndexState`): the cursor, the transcripts already in the index
  and the content mode, written into the user's own store (a LangChain record
  manager, a LlamaIndex docstore) as a set of short string keys;
- **the listing** (`ListingWalk`): with a cursor, the transcripts created after
  it, page by page towards the newest (`after_id`); on a full sync or a first
  run, the whole account, page by page towards the oldest (`before_id`);
- **the plan** (`plan_index`): which transcripts to fetch (completed, not
  deleted, not yet indexed), which to remove (deleted, or on a full sync no longer
  listed) and where the cursor may move.

The cursor is the newest transcript before which every transcript is settled
(completed or failed). It never passes a transcript still `queued` or
`processing`, so a meeting created before the last run but completed after it is
listed again, and fetched, on the next run; the completed transcripts listed
after it are recognised from the state and not fetched twice.

The fetching and the store writes are the shells' (`_indexer` and the adapters).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from aai_gateway._transcripts._documents import CONTENT_MODES, ContentMode, check_mode
from aai_gateway._transcripts._references import check_transcript_id
from aai_gateway._transcripts._rest_types import TranscriptListing, TranscriptPage

DELETED_AUDIO_URL = "http://deleted_by_user"
"""The `audio_url` `DELETE /v2/transcript/{id}` leaves; the listing still shows it."""
PAGE_SIZE = 200
"""Rows per listing page: the API's largest."""
TRANSCRIPTS_PER_STEP = 50
"""Transcripts fetched and indexed between two writes of the state."""

_PREFIX = "aai-gateway/"
_CURSOR = f"{_PREFIX}cursor/"
_MODE = f"{_PREFIX}mode/"
_INDEXED = f"{_PREFIX}transcript/"
_SETTLED = frozenset({"completed", "error"})


def is_deleted(row: TranscriptListing) -> bool:
    """Whether a listed transcript was deleted (the listing keeps a blanked record)."""
    return row.audio_url == DELETED_AUDIO_URL


def is_indexable(row: TranscriptListing) -> bool:
    """Whether a listed transcript has content to index: completed and not deleted."""
    return row.status == "completed" and not is_deleted(row)


def check_index_mode(mode: object) -> ContentMode:
    """A content mode that has content to embed.

    Raises:
        ValueError: an unknown mode, or `reference` (its documents hold only a
            reference, nothing to embed).
    """
    checked = check_mode(mode)
    if checked == "reference":
        content = ", ".join(m for m in CONTENT_MODES if m != "reference")
        msg = (
            "`mode` 'reference' has no content to embed; an index over transcripts "
            f"needs one of {content}"
        )
        raise ValueError(msg)
    return checked


def check_step_size(size: object, name: str = "transcripts_per_step") -> int:
    """A number of transcripts per step, checked.

    Raises:
        ValueError: anything but a whole number of at least 1 (named).
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        msg = f"`{name}` must be a whole number of at least 1, got {size!r}"
        raise ValueError(msg)
    return size


@dataclass(frozen=True, slots=True)
class IndexState:
    """What an index over the account holds, as kept in the user's store.

    Attributes:
        cursor: The newest transcript before which every transcript was settled
            at the last run (`None`: list the whole account).
        indexed: The transcripts whose documents are in the index.
        mode: The content mode the index was built in (`None`: a new index).
    """

    cursor: str | None = None
    indexed: frozenset[str] = field(default_factory=frozenset)
    mode: ContentMode | None = None

    def keys(self) -> frozenset[str]:
        """The state as short string keys (`aai-gateway/...`), one per fact."""
        keys = {f"{_INDEXED}{t}" for t in self.indexed}
        if self.cursor is not None:
            keys.add(f"{_CURSOR}{self.cursor}")
        if self.mode is not None:
            keys.add(f"{_MODE}{self.mode}")
        return frozenset(keys)

    @classmethod
    def from_keys(cls, keys: Iterable[str]) -> IndexState:
        """The state from its keys; keys of others are ignored.

        A malformed key, or two cursors or modes (a write cut short), counts as
        absent, which errs towards listing more, never less.
        """
        found: dict[str, set[str]] = {_CURSOR: set(), _MODE: set(), _INDEXED: set()}
        for key in keys:
            for prefix, values in found.items():
                if key.startswith(prefix):
                    values.add(key[len(prefix) :])
        cursors = {c for c in found[_CURSOR] if _is_id(c)}
        modes = [m for m in found[_MODE] if m in CONTENT_MODES]
        return cls(
            cursor=cursors.pop() if len(cursors) == 1 else None,
            indexed=frozenset(t for t in found[_INDEXED] if _is_id(t)),
            mode=check_mode(modes[0]) if len(modes) == 1 else None,
        )

    def check_mode(self, mode: ContentMode) -> None:
        """Refuse to extend an index built in another content mode.

        Raises:
            ValueError: the index holds documents of another mode.
        """
        if self.mode is not None and self.mode != mode:
            msg = (
                f"this index was built in mode {self.mode!r}, not {mode!r}: use "
                f"mode={self.mode!r}, or a new record manager or docstore"
            )
            raise ValueError(msg)


def _is_id(value: str) -> bool:
    try:
        check_transcript_id(value)
    except ValueError:
        return False
    return True


class ListingWalk:
    """The listing pages one run reads, as data: filters in, rows out.

    With a cursor (and no full sync) it walks from the cursor towards the newest
    transcript, each page's newest row anchoring the next (`after_id`, as the
    page's `next_url` does, wire notes 12.3), until a page is empty; otherwise it
    walks the whole account towards the oldest (`before_id`, as `prev_url` does).
    `rows` is oldest first either way.

    Example:
        ```python
        walk = ListingWalk(state.cursor, full=False)
        while walk.more:
            walk.take(client.list_transcripts(**walk.filters))
        plan = plan_index(state, walk.rows, full=False, mode="paragraphs")
        ```
    """

    def __init__(self, cursor: str | None, *, full: bool) -> None:
        self.newer = cursor is not None and not full
        self.filters: dict[str, str | int] = {"limit": PAGE_SIZE}
        if self.newer and cursor is not None:
            self.filters["after_id"] = cursor
        self.more = True
        self._pages: list[tuple[TranscriptListing, ...]] = []
        self._seen: set[str] = set()

    def take(self, page: TranscriptPage) -> None:
        """Keep a page's rows and set the filters of the next page (or stop)."""
        fresh = tuple(r for r in page.transcripts if r.id not in self._seen)
        self._seen.update(r.id for r in fresh)
        self._pages.append(fresh)
        # A page with nothing new ends the walk, so a server that repeats itself
        # cannot keep it going.
        if self.newer:
            self.more = bool(fresh)
            if fresh:
                self.filters["after_id"] = page.transcripts[0].id
        else:
            self.more = bool(fresh) and bool(page.older_before_id)
            if page.older_before_id:
                self.filters["before_id"] = page.older_before_id

    @property
    def rows(self) -> list[TranscriptListing]:
        """Every row read, oldest first."""
        pages = self._pages if self.newer else self._pages[::-1]
        return [row for page in pages for row in reversed(page)]


class IndexStep(NamedTuple):
    """One step of a run: fetch and index these, then write the state's keys.

    Attributes:
        fetch: The transcripts of this step (none in a step that only writes).
        old_keys: The state's keys as written before this step.
        new_keys: The state's keys to write after it.
    """

    fetch: tuple[str, ...]
    old_keys: frozenset[str]
    new_keys: frozenset[str]


@dataclass(frozen=True, slots=True)
class IndexPlan:
    """What one run does: fetch these, remove those, then save the new state.

    Attributes:
        fetch: Transcripts to fetch and index, oldest first.
        remove: Indexed transcripts whose documents leave the index.
        before: The state read at the start.
        after: The state to save once everything is done.
    """

    fetch: tuple[str, ...]
    remove: tuple[str, ...]
    before: IndexState
    after: IndexState

    def steps(self, size: int = TRANSCRIPTS_PER_STEP) -> Iterator[IndexStep]:
        """The fetches in groups of `size`, each with the state keys to write after it.

        The states in between keep the old cursor and add what was indexed so
        far, so a run cut short resumes without fetching those again; the last
        one is `after`. With nothing to fetch there is one step, which writes
        `after` (the cursor moved, transcripts removed).

        Raises:
            ValueError: `size` below 1.
        """
        check_step_size(size, "size")
        kept = self.after.indexed - frozenset(self.fetch)
        written = self.before.keys()
        for start in range(0, max(len(self.fetch), 1), size):
            ids = self.fetch[start : start + size]
            state = (
                self.after
                if start + size >= len(self.fetch)
                else IndexState(
                    self.before.cursor,
                    kept | frozenset(self.fetch[: start + size]),
                    self.after.mode,
                )
            )
            yield IndexStep(ids, written, state.keys())
            written = state.keys()


def advance_cursor(cursor: str | None, rows: Sequence[TranscriptListing]) -> str | None:
    """The cursor moved over the settled rows (oldest first) up to the first unsettled one."""
    for row in rows:
        if row.status not in _SETTLED:
            break
        cursor = row.id
    return cursor


def plan_index(
    state: IndexState,
    rows: Sequence[TranscriptListing],
    *,
    full: bool,
    mode: ContentMode,
) -> IndexPlan:
    """Decide one run from the stored state and the rows listed (oldest first).

    Args:
        state: What the index holds.
        rows: The listing: on a full sync (or with no cursor) the whole account,
            otherwise the transcripts created after `state.cursor`.
        full: Whether `rows` is the whole account, so an indexed transcript
            missing from it was deleted.
        mode: The content mode of this run.

    Raises:
        ValueError: the index was built in another mode.
    """
    state.check_mode(mode)
    whole = full or state.cursor is None
    fetch = tuple(
        dict.fromkeys(
            r.id for r in rows if is_indexable(r) and r.id not in state.indexed
        )
    )
    gone = {r.id for r in rows if is_deleted(r)}
    if whole:
        gone |= state.indexed - {r.id for r in rows}
    remove = tuple(sorted(gone & state.indexed))
    cursor = advance_cursor(None if whole else state.cursor, rows)
    indexed = (state.indexed - frozenset(remove)) | frozenset(fetch)
    after = IndexState(cursor, indexed, mode)
    return IndexPlan(fetch=fetch, remove=remove, before=state, after=after)


def find_transcript_documents(
    document_ids: Iterable[str], transcript_ids: Iterable[str]
) -> list[str]:
    """The ids among `document_ids` of documents of the given transcripts.

    Document ids are `{transcript_id}:{mode}:{index}` (and a language suffix for
    translations); a transcript id holds no `:`, so the part before the first one
    names the transcript. Other ids are left out.
    """
    wanted = set(transcript_ids)
    found = []
    for document_id in document_ids:
        transcript_id, colon, rest = document_id.partition(":")
        if colon and transcript_id in wanted and rest.split(":")[0] in CONTENT_MODES:
            found.append(document_id)
    return found
