"""The same batch on Ray Data: `map_batches` over the transcript ids, one pacer actor per model.

The driver does what the local run does before and after the requests: it opens
the journal (what is done is skipped), lists the transcripts, writes each record
as it comes back, counts, and writes Parquet. In between, a pool of Ray actors
sends the requests. Their pace comes from one Ray actor per model holding the
same `Pacer` the local run uses, so every worker together stays under the
model's limit and a 429 holds all of them back. The actor is the run's own (not
looked up by name): a named one left by an earlier run could be handed back while
Ray was still tearing it down, and die under the new run.

Nothing sent to the workers carries the API key: each worker builds its client
from `ASSEMBLYAI_API_KEY` in its own environment (set it where the cluster
starts, or in `ray.init(runtime_env={"env_vars": {...}})`). Workers never raise
for an item: they return its record, so a failure keeps its type and message
(Ray would reduce a raised error to text); only an authentication failure,
which every item would meet, is sent back as the error itself and stops the run.
"""

from __future__ import annotations

import asyncio
import json
import math
import pickle
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ray
import ray.data

from aai_gateway._config import API_KEY_ENV, read_env
from aai_gateway._http.client import AsyncGatewayClient, GatewayClient
from aai_gateway.batch._items import (
    FATAL_ERRORS,
    PromptWork,
    Retries,
    StepWork,
    Work,
    arun_item,
)
from aai_gateway.batch._job import PromptJob
from aai_gateway.batch._journal import write_parquet
from aai_gateway.batch._local import Run
from aai_gateway.batch._pacing import Pacer
from aai_gateway.batch._progress import BatchSummary
from aai_gateway.batch._records import BatchRecord, encode_record
from aai_gateway.errors import MissingAPIKeyError
from aai_gateway.types import RateLimit

if TYPE_CHECKING:
    from aai_gateway.batch._batch import TranscriptBatch

_Limit = tuple[int | None, int | None, float | None, str | None] | None


def _fields(rate_limit: RateLimit | None) -> _Limit:
    if rate_limit is None:
        return None
    return (
        rate_limit.limit,
        rate_limit.remaining,
        rate_limit.reset_seconds,
        rate_limit.model,
    )


def _limit(fields: _Limit) -> RateLimit | None:
    return None if fields is None else RateLimit(*fields)


@ray.remote(num_cpus=0)
class PacerActor:
    """A `Pacer` shared by every worker: the one schedule of a model."""

    def __init__(self, requests_per_minute: float | None) -> None:
        self._pacer = Pacer(requests_per_minute)

    async def acquire(self, model: str) -> None:
        """Return when a request to `model` may start."""
        await self._pacer.acquire(model)

    async def observe(self, model: str, fields: _Limit) -> None:
        """An answer arrived."""
        self._pacer.observe(model, _limit(fields))

    async def note_failure(self, model: str, fields: _Limit) -> None:
        """A request failed, not with a 429."""
        self._pacer.note_failure(model, _limit(fields))

    async def throttle(
        self, model: str, retry_after: float | None, fields: _Limit
    ) -> None:
        """A 429."""
        self._pacer.throttle(model, retry_after, _limit(fields))


class _ActorPace:
    """A worker's view of the pacer actor (reports are sent without waiting)."""

    def __init__(self, actor: Any) -> None:
        self._actor = actor

    async def acquire(self, model: str) -> None:
        await self._actor.acquire.remote(model)

    def observe(self, model: str, rate_limit: RateLimit | None) -> None:
        self._actor.observe.remote(model, _fields(rate_limit))

    def note_failure(self, model: str, rate_limit: RateLimit | None) -> None:
        self._actor.note_failure.remote(model, _fields(rate_limit))

    def throttle(
        self, model: str, retry_after: float | None, rate_limit: RateLimit | None
    ) -> None:
        self._actor.throttle.remote(model, retry_after, _fields(rate_limit))


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs, and nothing secret (it is pickled to the workers)."""

    job: PromptJob | None
    step: Any
    model: str
    named: str | None
    client_options: Mapping[str, Any]
    max_retries: int
    max_rate_limit_waits: int
    concurrency: int


class BatchWorker:
    """A Ray Data callable class: asks about each transcript of a batch, in parallel."""

    def __init__(self, spec: WorkerSpec, pacer: Any) -> None:
        if read_env(API_KEY_ENV) is None:
            msg = (
                f"{API_KEY_ENV} is not set in the Ray worker's environment: set it "
                "where the cluster starts, or pass ray.init(runtime_env={'env_vars': "
                f"{{'{API_KEY_ENV}': ...}}}})"
            )
            raise MissingAPIKeyError(msg)
        self._spec = spec
        self._pace = _ActorPace(pacer)
        self._client = AsyncGatewayClient(**spec.client_options)
        self._work: Work = (
            StepWork(spec.step, spec.model, spec.named)
            if spec.job is None
            else PromptWork(spec.job, aclient=self._client)
        )
        self._slots: asyncio.Semaphore | None = None

    async def _one(self, transcript_id: str) -> tuple[str, int, bytes]:
        if self._slots is None:  # made on the loop Ray runs this class on
            self._slots = asyncio.Semaphore(self._spec.concurrency)
        retries = Retries(self._spec.max_retries, self._spec.max_rate_limit_waits)
        async with self._slots:
            try:
                record, waits = await arun_item(
                    self._work, self._pace, transcript_id, retries
                )
            except FATAL_ERRORS as exc:
                return "", retries.waits, pickle.dumps(exc)
        return encode_record(record), waits, b""

    async def __call__(self, batch: Mapping[str, Any]) -> dict[str, list[Any]]:
        """One Ray Data batch: `transcript_id` in; `record`, `waits`, `fatal` out."""
        ids = [str(tid) for tid in batch["transcript_id"]]
        done = await asyncio.gather(*(self._one(tid) for tid in ids))
        return {
            "record": [line for line, _, _ in done],
            "waits": [waits for _, waits, _ in done],
            "fatal": [fatal for _, _, fatal in done],
        }


def _pacer_actor(requests_per_minute: float | None) -> Any:
    """This run's pacer actor, alive while the driver holds it (the whole run)."""
    return PacerActor.remote(requests_per_minute)  # type: ignore[attr-defined]


def _results(
    todo: list[str],
    spec: WorkerSpec,
    pacer: Any,
    num_workers: int,
    batch_size: int,
    num_cpus: float,
) -> Iterator[tuple[BatchRecord, int]]:
    """Each record as its batch finishes (in no particular order), with its 429 count."""
    blocks = max(1, math.ceil(len(todo) / batch_size))
    dataset = ray.data.from_items(
        [{"transcript_id": tid} for tid in todo], override_num_blocks=blocks
    ).map_batches(
        BatchWorker,
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=num_workers),
        fn_constructor_kwargs={"spec": spec, "pacer": pacer},
        num_cpus=num_cpus,
    )
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        for line, waits, fatal in zip(
            batch["record"], batch["waits"], batch["fatal"], strict=True
        ):
            if fatal:
                raise pickle.loads(fatal)  # noqa: S301 (our own workers' error)
            yield json.loads(line), int(waits)


def run_on_ray(
    batch: TranscriptBatch, *, num_workers: int, batch_size: int, num_cpus: float = 0.5
) -> BatchSummary:
    """Run `batch` on Ray Data (see the module docstring)."""
    _check_ray_arguments(num_workers, batch_size)
    run = Run(batch)
    spec = WorkerSpec(
        job=batch.job,
        step=batch.step,
        model=batch.pace_key,
        named=batch.model,
        client_options=batch.client_options(None),
        max_retries=batch.max_retries,
        max_rate_limit_waits=batch.max_rate_limit_waits,
        concurrency=max(1, batch.max_concurrency // num_workers),
    )
    context = ray.data.DataContext.get_current()
    bars = context.enable_progress_bars
    context.enable_progress_bars = False  # the batch draws its own
    try:
        with GatewayClient(**batch.client_options(None)) as client:
            todo = run.plan(batch.source.ids_from(client))
        if todo:
            pacer = _pacer_actor(batch.requests_per_minute)
            for result in _results(
                todo, spec, pacer, num_workers, batch_size, num_cpus
            ):
                run.record(result)
    finally:
        context.enable_progress_bars = bars
        summary = run.finish()
    if run.parquet is not None:
        write_parquet(run.journal.path, run.parquet)
    return summary


def _check_ray_arguments(num_workers: int, batch_size: int) -> None:
    for name, value in (("num_workers", num_workers), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            msg = f"`{name}` must be a whole number of 1 or more, got {value!r}"
            raise ValueError(msg)
