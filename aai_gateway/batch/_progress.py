"""Counting a run as it goes: the tqdm bar, and the summary at the end."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TextIO

from tqdm import tqdm

from aai_gateway.batch._records import BatchRecord, RecordUsage
from aai_gateway.costs import CostTotals
from aai_gateway.types import Usage


@dataclass(frozen=True)
class BatchSummary:
    """What a run did.

    Attributes:
        total: Transcripts in the batch.
        skipped: Already done in the output before this run (resumed).
        succeeded: Answered in this run.
        failed: Failed in this run (their records hold the error).
        rate_limited: 429 answers met and waited out (each item was retried).
        input_tokens: Tokens sent in this run, as the gateway counted them.
        output_tokens: Tokens answered in this run.
        seconds: Wall time of the run.
        out: The JSONL output.
        errors: Failures by error type.
        cost_usd: The estimated cost of this run's answers (cache reads and
            writes priced as such), as `aai_gateway.costs` totals it.
        price_source: Where the prices came from.
        prices_as_of: When they were read (ISO 8601).
        unpriced_models: Models answered whose prices were not in the table.
    """

    total: int
    skipped: int
    succeeded: int
    failed: int
    rate_limited: int
    input_tokens: int
    output_tokens: int
    seconds: float
    out: str
    errors: Mapping[str, int] = field(default_factory=dict)
    cost_usd: float = 0.0
    price_source: str = ""
    prices_as_of: str = ""
    unpriced_models: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every item of the batch is done and none failed."""
        return self.failed == 0 and self.skipped + self.succeeded == self.total

    @property
    def requests_per_minute(self) -> float:
        """Items finished per minute of this run."""
        done = self.succeeded + self.failed
        return done * 60.0 / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        lines = [
            f"{self.total} transcripts: {self.succeeded} answered, {self.failed} "
            f"failed, {self.skipped} already done ({self.out})",
            f"tokens: {self.input_tokens:,} in, {self.output_tokens:,} out; "
            f"{self.rate_limited} rate-limited answers waited out; "
            f"{self.seconds:.1f} s ({self.requests_per_minute:.0f}/min)",
        ]
        if self.price_source:
            lines.append(
                f"estimated cost: ${self.cost_usd:.6f} (prices: {self.price_source}, "
                f"as of {self.prices_as_of})"
            )
        if self.unpriced_models:
            lines.append(f"  not priced: {', '.join(self.unpriced_models)}")
        lines += [f"  {kind}: {count}" for kind, count in sorted(self.errors.items())]
        return "\n".join(lines)


class Progress:
    """Counters of one run, shown as a tqdm bar when asked.

    Args:
        total: Transcripts in the batch.
        skipped: How many of them were already done.
        show: Draw the bar (done, failed, rate and tokens so far).
        file: Where the bar goes (default: stderr).
        costs: Totals the answers' cost (default: the bundled prices, `us` tier).
        model: The model an answer is priced as when its record names none.
    """

    def __init__(
        self,
        total: int,
        skipped: int,
        *,
        show: bool,
        file: TextIO | None = None,
        costs: CostTotals | None = None,
        model: str | None = None,
    ) -> None:
        self.costs = costs if costs is not None else CostTotals()
        self.model = model
        self.total = total
        self.skipped = skipped
        self.succeeded = 0
        self.failed = 0
        self.rate_limited = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.errors: Counter[str] = Counter()
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._bar = tqdm(
            total=total - skipped,
            unit="transcript",
            desc="batch",
            disable=not show,
            file=file,
            dynamic_ncols=True,
        )

    def add(self, record: BatchRecord, *, throttled: int = 0) -> None:
        """Count one finished item, and the 429s it waited out."""
        with self._lock:
            self.rate_limited += throttled
            if record["status"] == "ok":
                self.succeeded += 1
                self._cost(record)
            else:
                self.failed += 1
                self.errors[(record["error"] or {"type": "?"})["type"]] += 1
            usage = record["usage"]
            if usage is not None:
                self.input_tokens += usage["input_tokens"]
                self.output_tokens += usage["output_tokens"]
            if not self._bar.disable:
                self._show()

    def _cost(self, record: BatchRecord) -> None:
        counts, model = record["usage"], record["model"] or self.model
        if counts is not None and model is not None:
            self.costs.add(_usage(counts), model)

    def _show(self) -> None:
        elapsed = time.monotonic() - self._started
        done = self.succeeded + self.failed
        rate = done * 60.0 / elapsed if elapsed > 0 else 0.0
        tokens = self.input_tokens + self.output_tokens
        self._bar.set_postfix_str(
            f"failed={self.failed} rate={rate:.0f}/min tokens={tokens:,}",
            refresh=False,
        )
        self._bar.update(1)

    def throttled(self) -> None:
        """Count one 429 that was waited out."""
        with self._lock:
            self.rate_limited += 1

    def close(self, out: str) -> BatchSummary:
        """Close the bar and sum the run up."""
        self._bar.close()
        return BatchSummary(
            total=self.total,
            skipped=self.skipped,
            succeeded=self.succeeded,
            failed=self.failed,
            rate_limited=self.rate_limited,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            seconds=time.monotonic() - self._started,
            out=out,
            errors=dict(self.errors),
            cost_usd=self.costs.total_cost,
            price_source=self.costs.price_source,
            prices_as_of=self.costs.prices_as_of,
            unpriced_models=tuple(sorted(self.costs.unpriced_models)),
        )


def _usage(counts: RecordUsage) -> Usage:
    return Usage(
        input_tokens=counts["input_tokens"],
        output_tokens=counts["output_tokens"],
        total_tokens=counts["total_tokens"],
        cache_read_tokens=counts.get("cache_read_tokens"),
        cache_creation_tokens=counts.get("cache_creation_tokens"),
    )
