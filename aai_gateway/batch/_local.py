"""Running a batch in this process: worker threads (`run`) or tasks on one loop (`arun`).

Both shells do the same: open the journal (so what is done is known before any
request), list the transcripts, start `max_concurrency` workers that take the
next transcript, pace, ask, and write its record; then close the bar and, when
asked, write Parquet. An authentication failure stops every worker and is raised.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from aai_gateway._http.client import AsyncGatewayClient, GatewayClient
from aai_gateway.batch._items import (
    PromptWork,
    Retries,
    StepWork,
    Work,
    arun_item,
    run_item,
)
from aai_gateway.batch._journal import Journal, check_parquet, write_parquet
from aai_gateway.batch._pacing import Pacer
from aai_gateway.batch._progress import BatchSummary, Progress
from aai_gateway.batch._records import BatchRecord
from aai_gateway.costs import CostTotals

if TYPE_CHECKING:
    from aai_gateway.batch._batch import TranscriptBatch


class Run:
    """What the workers of one run share: the journal, the pacer and the counters."""

    def __init__(self, batch: TranscriptBatch) -> None:
        self.batch = batch
        self.parquet = check_parquet(batch.parquet)
        self.journal = Journal(batch.out, retry_errors=batch.retry_errors)
        self.pacer = Pacer(batch.requests_per_minute)
        self.progress: Progress | None = None

    def plan(self, ids: Sequence[str]) -> list[str]:
        """The transcripts still to do; starts the counters."""
        todo = [tid for tid in ids if tid not in self.journal.done]
        self.progress = Progress(
            len(ids),
            len(ids) - len(todo),
            show=self.batch.show_progress,
            costs=CostTotals(self.batch.prices, region=self.batch.price_tier),
            model=self.batch.model,
        )
        return todo

    def retries(self) -> Retries:
        """A fresh retry budget for one item."""
        return Retries(self.batch.max_retries, self.batch.max_rate_limit_waits)

    def work(
        self,
        client: GatewayClient | None = None,
        aclient: AsyncGatewayClient | None = None,
    ) -> Work:
        """What each item does: the prompt through the client, or the step."""
        if self.batch.job is None:
            return StepWork(self.batch.step, self.batch.pace_key, self.batch.model)
        return PromptWork(self.batch.job, client, aclient)

    def record(self, result: tuple[BatchRecord, int]) -> None:
        """Write one item's record and count it."""
        record, waits = result
        self.journal.write(record)
        assert self.progress is not None  # noqa: S101 (set by plan)
        self.progress.add(record, throttled=waits)

    def finish(self) -> BatchSummary:
        """Close the journal and the bar; the summary."""
        self.journal.close()
        progress = self.progress or Progress(0, 0, show=False)
        return progress.close(str(self.journal.path))


def run_local(batch: TranscriptBatch, api_key: str | None) -> BatchSummary:
    """Run `batch` with worker threads."""
    run = Run(batch)
    with GatewayClient(**batch.client_options(api_key)) as client:
        try:
            todo = run.plan(batch.source.ids_from(client))
            work = run.work(client=client)

            def item(tid: str) -> None:
                run.record(run_item(work, run.pacer, tid, run.retries()))

            _in_threads(todo, batch.max_concurrency, item)
        finally:
            summary = run.finish()
    if run.parquet is not None:
        write_parquet(run.journal.path, run.parquet)
    return summary


async def arun_local(batch: TranscriptBatch, api_key: str | None) -> BatchSummary:
    """Run `batch` as tasks on the running loop."""
    run = Run(batch)
    async with AsyncGatewayClient(**batch.client_options(api_key)) as client:
        try:
            todo = run.plan(await batch.source.aids_from(client))
            work = run.work(aclient=client)

            async def item(tid: str) -> None:
                run.record(await arun_item(work, run.pacer, tid, run.retries()))

            await _in_tasks(todo, batch.max_concurrency, item)
        finally:
            summary = run.finish()
    if run.parquet is not None:
        await asyncio.to_thread(write_parquet, run.journal.path, run.parquet)
    return summary


def _in_threads(todo: Sequence[str], count: int, item: Callable[[str], None]) -> None:
    """Run `item` over `todo` in `count` threads; the first error stops them all."""
    ids = iter(todo)
    lock = threading.Lock()
    stop = threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        while not stop.is_set():
            with lock:
                tid = next(ids, None)
            if tid is None:
                return
            try:
                item(tid)
            except BaseException as exc:
                errors.append(exc)
                stop.set()

    threads = [
        threading.Thread(target=worker, name=f"aai-batch-{n}", daemon=True)
        for n in range(max(1, min(count, len(todo))))
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    finally:
        stop.set()
    if errors:
        raise errors[0]


async def _in_tasks(
    todo: Sequence[str], count: int, item: Callable[[str], Awaitable[None]]
) -> None:
    """Run `item` over `todo` in `count` tasks; the first error cancels the rest."""
    ids = iter(todo)

    async def worker() -> None:
        for tid in ids:
            await item(tid)

    tasks = [
        asyncio.ensure_future(worker()) for _ in range(max(1, min(count, len(todo))))
    ]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
