"""`TranscriptBatch`: one prompt, schema or step over many transcripts, checked up front."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from aai_gateway._config import API_KEY_ENV, Region, read_env
from aai_gateway.batch._job import PromptJob, build_prompt_job
from aai_gateway.batch._local import arun_local, run_local
from aai_gateway.batch._progress import BatchSummary
from aai_gateway.batch._sources import TranscriptSource
from aai_gateway.batch._steps import check_step
from aai_gateway.costs import PriceRegion, PriceTable
from aai_gateway.errors import MissingAPIKeyError

_MAX_CONCURRENCY = 1024


@dataclass(frozen=True)
class TranscriptBatch:
    """Run one prompt (or schema, or framework step) over many transcripts.

    Each transcript goes to the gateway by reference (`transcript_id`; its text
    never reaches this process), at the pace the gateway's rate limit allows, and
    its answer is written to `out` (JSONL) as it arrives. Running the same batch
    again skips the transcripts already answered, so a run that was stopped, or
    killed, finishes where it left off. Everything is checked when the batch is
    built, before any request.

    Example:
        ```python
        from aai_gateway.batch import TranscriptBatch

        batch = TranscriptBatch(
            "answers.jsonl",
            model="claude-sonnet-4-6",
            prompt="What did the customer ask for?",
            created_on="2026-11-30",
        )
        summary = batch.run()  # or: await batch.arun(); batch.run_on_ray()
        print(summary)
        ```

    Args:
        out: The JSONL output, one record per transcript (see `BatchRecord`).
        model: The gateway model (with `prompt`); with `step`, the name the
            pacing is kept under.
        prompt: The question. It holds the tag `{{ transcript }}`, or the
            transcript is put in front of it.
        schema: A Pydantic class or a JSON schema: answers come as `response_format`
            JSON and the record holds the parsed object.
        step: Instead of `prompt`: a LangChain Runnable, a LlamaIndex program or a
            callable taking the transcript id (see `aai_gateway.batch`).
        transcript_ids: The transcripts; without them, the account's listing.
        status: Listing filter (default `completed`).
        created_on: Listing filter, `YYYY-MM-DD`.
        after_id: Listing filter: transcripts newer than this one.
        max_transcripts: Listing filter: at most this many, newest first.
        fallbacks: The gateway's `fallbacks` (models to try when the first fails).
        request_options: Other request fields (`max_tokens`, `temperature`, ...).
        max_concurrency: Requests in flight at most.
        requests_per_minute: A cap on the pace; without it the pace is the
            gateway's advertised limit (a step's answers carry none).
        max_retries: Retries of a connection failure, timeout or 5xx per item.
        max_rate_limit_waits: 429s an item may wait out before it is recorded as failed.
        retry_errors: Run transcripts whose record is an error again on a re-run.
        parquet: Also write the results here as Parquet at the end (needs pyarrow).
        show_progress: Draw a progress bar on stderr.
        base_url: The gateway URL (default: region or environment).
        transcript_base_url: The transcript REST API root (for the listing).
        region: `"us"` or `"eu"`.
        timeout: Seconds per request, or an `httpx.Timeout`.
        prices: What the summary's estimated cost is priced with
            (`aai_gateway.costs.fetch_prices(client)` for the live catalogue;
            default: the bundled snapshot, dated in the summary).

    Raises:
        ValueError: an argument out of range or in conflict with another (named).
        TypeError: a `schema` or `step` of the wrong kind.
    """

    out: str | os.PathLike[str]
    model: str | None = None
    prompt: str | None = None
    schema: Any = None
    step: Any = None
    transcript_ids: Iterable[str] | None = None
    status: str | None = None
    created_on: str | None = None
    after_id: str | None = None
    max_transcripts: int | None = None
    fallbacks: Sequence[Mapping[str, Any]] | None = None
    request_options: Mapping[str, Any] | None = None
    max_concurrency: int = 16
    requests_per_minute: float | None = None
    max_retries: int = 3
    max_rate_limit_waits: int = 30
    retry_errors: bool = True
    parquet: str | os.PathLike[str] | None = None
    show_progress: bool = True
    base_url: str | None = None
    transcript_base_url: str | None = None
    region: Region | None = None
    timeout: float | httpx.Timeout | None = None
    prices: PriceTable | None = field(default=None, repr=False)
    source: TranscriptSource = field(init=False, repr=False)
    job: PromptJob | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ids = self.transcript_ids
        source = TranscriptSource.of(
            ids,
            status=self.status,
            created_on=self.created_on,
            after_id=self.after_id,
            max_transcripts=self.max_transcripts,
        )
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "transcript_ids", source.ids)
        object.__setattr__(self, "job", self._build_job())
        _check_whole("max_concurrency", self.max_concurrency, 1, _MAX_CONCURRENCY)
        _check_whole("max_retries", self.max_retries, 0, 100)
        _check_whole("max_rate_limit_waits", self.max_rate_limit_waits, 0, 10_000)
        rpm = self.requests_per_minute
        if rpm is not None and (
            isinstance(rpm, bool)
            or not isinstance(rpm, int | float)
            or not math.isfinite(rpm)
            or rpm <= 0
        ):
            msg = f"`requests_per_minute` must be a number above 0, got {rpm!r}"
            raise ValueError(msg)

    def _build_job(self) -> PromptJob | None:
        if (self.prompt is None) == (self.step is None):
            msg = "give `prompt` (with `model`) or `step`, exactly one of them"
            raise ValueError(msg)
        if self.step is not None:
            given = [
                n
                for n in ("schema", "fallbacks", "request_options")
                if getattr(self, n)
            ]
            if given:
                msg = f"{given} go with `prompt`; a `step` sets its own"
                raise ValueError(msg)
            check_step(self.step)
            return None
        return build_prompt_job(
            self.model,  # type: ignore[arg-type]  # checked there
            self.prompt,  # type: ignore[arg-type]
            schema=self.schema,
            fallbacks=self.fallbacks,
            request_options=self.request_options,
        )

    @property
    def price_tier(self) -> PriceRegion:
        """The pricing tier of the batch's requests: `global`, or the region's."""
        options = self.request_options or {}
        if options.get("model_region") == "global":
            return "global"
        return self.region or "us"

    @property
    def pace_key(self) -> str:
        """The name the pacing is kept under: the model, or `step`."""
        return self.model or "step"

    def client_options(self, api_key: str | None = None) -> dict[str, Any]:
        """Options of the batch's client: retries off (each 429 reaches the pacer)."""
        options: dict[str, Any] = {
            "base_url": self.base_url,
            "transcript_base_url": self.transcript_base_url,
            "region": self.region,
            "timeout": self.timeout,
            "max_retries": 0,
        }
        if api_key is not None:
            options["api_key"] = api_key
        return options

    def check_key(self, api_key: str | None) -> None:
        """Refuse to start without a key, before any request.

        Raises:
            MissingAPIKeyError: no `api_key` and `ASSEMBLYAI_API_KEY` is unset.
        """
        if api_key is None and read_env(API_KEY_ENV) is None:
            msg = f"no API key: pass `api_key=` or set {API_KEY_ENV}"
            raise MissingAPIKeyError(msg)

    def run(self, *, api_key: str | None = None) -> BatchSummary:
        """Run the batch in this process, with threads; return the summary.

        Args:
            api_key: Your key (default: `ASSEMBLYAI_API_KEY`); it is not kept.

        Raises:
            MissingAPIKeyError: no key.
            AuthenticationError: the key was refused (the run stops).
        """
        self.check_key(api_key)
        return run_local(self, api_key)

    async def arun(self, *, api_key: str | None = None) -> BatchSummary:
        """Run the batch on the running event loop (see `run`)."""
        self.check_key(api_key)
        return await arun_local(self, api_key)

    def run_on_ray(
        self, *, num_workers: int = 2, batch_size: int = 16, num_cpus: float = 0.5
    ) -> BatchSummary:
        """Run the batch on Ray Data; see `aai_gateway.batch` and `docs/scale.md`.

        Workers read the key from `ASSEMBLYAI_API_KEY` in their own environment;
        nothing sent to them carries it.

        Args:
            num_workers: Ray actors sending requests.
            batch_size: Transcripts per Ray Data batch.
            num_cpus: CPUs each worker reserves (the work waits on the network).

        Raises:
            ImportError: Ray is not installed (`pip install 'aai-gateway[ray]'`).
        """
        from aai_gateway.batch._ray import run_on_ray

        self.check_key(None)
        return run_on_ray(
            self, num_workers=num_workers, batch_size=batch_size, num_cpus=num_cpus
        )


def _check_whole(name: str, value: object, low: int, high: int) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        msg = f"`{name}` must be a whole number from {low} to {high}, got {value!r}"
        raise ValueError(msg)
