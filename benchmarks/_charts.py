"""The figures `python -m benchmarks` reports, drawn as PNG images for the docs.

One image per scenario, written to `docs/images/` (`perf-*.png`), so a run of some
scenarios (`--only`) redraws theirs and leaves the others as they were:

- client CPU per call and per chunk: each contender's ratio to its floor, and
  ours to the alternative a user would pick instead, with the targets marked;
- time to first token (ms), with the floor marked;
- the 400 calls with 100 in flight (wall ms), with raw aiohttp and raw aiohttp
  plus LangChain's own share marked;
- the batch: client CPU per item against the raw aiohttp loop.

The soak test draws its memory over time with `write_soak_chart`. Everything
needs matplotlib (the `bench` extra); without it the charts are skipped with a
message and nothing else changes.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks._report import Report, Row

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
DPI = 100
MISSING = (
    "charts skipped: matplotlib is not installed "
    '(pip install -e ".[bench]" installs it)'
)

OURS, FLOOR, ALTERNATIVE, FRAMEWORK = "#3b6fd4", "#9aa3ad", "#e08a3c", "#c9ced4"
LIMIT = "#c0392b"


def have_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    return plt


def _is_ours(name: str) -> bool:
    return name.startswith(
        ("aai_gateway", "AsyncGatewayClient", "ChatAssemblyAI", "AssemblyAI (", "Tra")
    )


def _versus(name: str) -> str:
    """The alternative an `_is_ours` contender is compared with."""
    if name.startswith("ChatAssemblyAI"):
        return "ChatOpenAI"
    if name.startswith("AssemblyAI ("):
        return "OpenAILike"
    if name.startswith("Tra"):
        return "the core client alone"
    return "the assemblyai SDK"


def _color(name: str) -> str:
    if _is_ours(name):
        return OURS
    if "floor" in name or name.startswith("raw"):
        return FLOOR
    if "Fake" in name or "echo" in name:
        return FRAMEWORK
    return ALTERNATIVE


def _bars(
    ax: Any,
    values: Mapping[str, float],
    fmt: str,
    *,
    limit: float | None = None,
    limit_label: str = "",
) -> None:
    """Horizontal bars, top to bottom in `values`' order, each labelled."""
    names = list(values)
    ax.barh(names, list(values.values()), color=[_color(n) for n in names])
    ax.invert_yaxis()
    for y, value in enumerate(values.values()):
        ax.annotate(
            fmt.format(value),
            (value, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    top = max(values.values()) if values else 1.0
    if limit is not None:
        ax.axvline(limit, color=LIMIT, linestyle="--", linewidth=1, label=limit_label)
        ax.legend(fontsize=8, loc="lower right", frameon=False)
    ax.set_xlim(0, max(top, limit or 0.0) * 1.2)
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)


def _key(fig: Any) -> None:
    """The colours' legend, under the figure's title."""
    from matplotlib.patches import Patch

    handles = [
        Patch(color=OURS, label="this package"),
        Patch(color=FLOOR, label="floor (raw client)"),
        Patch(color=FRAMEWORK, label="framework alone (no I/O)"),
        Patch(color=ALTERNATIVE, label="alternative"),
    ]
    fig.legend(handles=handles, loc="upper right", ncol=4, fontsize=8, frameon=False)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    _pyplot().close(fig)
    return path


def _rows(report: Report, prefix: str) -> tuple[str, list[Row]]:
    found = [r for r in report.rows if r.scenario.startswith(prefix)]
    return (found[0].scenario if found else ""), found


def _cpu_chart(rows: list[Row], title: str, alt_limit: float, path: Path) -> Path:
    """Two panels: every ratio to the floor, and ours to the alternatives."""
    plt = _pyplot()
    floor = {r.contender: r.vs_floor for r in rows if r.vs_floor is not None}
    versus = {
        f"{r.contender}\nvs {_versus(r.contender)}": r.vs_alternative
        for r in rows
        if r.vs_alternative is not None and _is_ours(r.contender)
    }
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 0.42 * max(len(floor), 4) + 1.4), width_ratios=(3, 2)
    )
    _bars(left, floor, "{:.2f}x", limit=1.3, limit_label="target 1.3x")
    left.set_title("vs floor (raw client, plus the framework's own cost)", fontsize=9)
    _bars(right, versus, "{:.2f}x", limit=alt_limit, limit_label=f"{alt_limit:g}x")
    right.set_title("ours vs the alternative (lower is better)", fontsize=9)
    fig.suptitle(title, fontsize=11, x=0.02, ha="left")
    _key(fig)
    return _save(fig, path)


def _first_token(rows: list[Row], path: Path) -> Path:
    plt = _pyplot()
    values = {r.contender: r.value for r in rows}
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(values) + 1.2))
    _bars(ax, values, "{:.1f} ms")
    ax.set_xlabel("ms from the request to the first token (server: 20 ms)")
    fig.suptitle("Time to first token (median)", fontsize=11, x=0.02, ha="left")
    _key(fig)
    return _save(fig, path)


def _in_flight(rows: list[Row], title: str, path: Path) -> Path:
    plt = _pyplot()
    values = {r.contender: r.value for r in rows}
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(values) + 1.4))
    _bars(ax, values, "{:,.0f} ms")
    ax.set_xscale("log")
    ax.set_xlim(min(values.values()) * 0.7, max(values.values()) * 3)
    floor = values.get("raw aiohttp (floor)")
    fake = values.get("GenericFakeChatModel.abatch (no I/O)")
    if floor is not None:
        ax.axvline(floor, color=FLOOR, linestyle=":", linewidth=1)
    if floor is not None and fake is not None:
        ax.axvline(
            floor + fake,
            color=LIMIT,
            linestyle="--",
            linewidth=1,
            label="raw aiohttp + LangChain's share (target: 1.3x this)",
        )
        ax.legend(fontsize=8, loc="lower right", frameon=False)
    ax.set_xlabel("wall time (ms, log scale)")
    fig.suptitle(title, fontsize=11, x=0.02, ha="left")
    _key(fig)
    return _save(fig, path)


def _batch(report: Report, path: Path) -> Path | None:
    panels = [
        (title, rows)
        for title, rows in (
            _rows(report, "batch: client CPU per item, unpaced"),
            _rows(report, "batch: client CPU per item, paced"),
        )
        if rows
    ]
    if not panels:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 3.2))
    for ax, (title, rows) in zip(
        axes if len(panels) > 1 else [axes], panels, strict=True
    ):
        ratios = {r.contender: r.vs_floor or 0.0 for r in rows}
        _bars(ax, ratios, "{:.2f}x", limit=1.3, limit_label="target 1.3x")
        ax.set_title(title.removeprefix("batch: ").removesuffix(" (us)"), fontsize=9)
        ax.set_xlabel("client CPU per item vs the raw aiohttp loop")
    fig.suptitle(
        "Batch of transcripts: client CPU per item", fontsize=11, x=0.02, ha="left"
    )
    _key(fig)
    return _save(fig, path)


CPU_CHARTS: Sequence[tuple[str, str, float, str]] = (
    ("per call", "perf-per-call.png", 0.6, "Client CPU per call"),
    ("per chunk, sync", "perf-per-chunk-sync.png", 0.5, "Client CPU per chunk, sync"),
    (
        "per chunk, async",
        "perf-per-chunk-async.png",
        0.5,
        "Client CPU per chunk, async",
    ),
)


def write_charts(report: Report, directory: Path = IMAGES) -> list[Path]:
    """Draw the charts of the scenarios in `report`; the files written.

    Without matplotlib, print why and draw nothing.
    """
    if not have_matplotlib():
        print(MISSING)
        return []
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for prefix, name, alt_limit, title in CPU_CHARTS:
        scenario, rows = _rows(report, prefix)
        if rows:
            heading = f"{title} ({scenario.split(', ')[-1].split(' (')[0]})"
            label = title if prefix == "per call" else heading
            written.append(_cpu_chart(rows, label, alt_limit, directory / name))
    drawers: list[tuple[str, Callable[[str, list[Row]], Path]]] = [
        (
            "time to first token",
            lambda s, r: _first_token(r, directory / "perf-first-token.png"),
        ),
        ("400 calls", lambda s, r: _in_flight(r, s, directory / "perf-400-calls.png")),
    ]
    for prefix, draw in drawers:
        scenario, rows = _rows(report, prefix)
        if rows:
            written.append(draw(scenario, rows))
    batch = _batch(report, directory / "perf-batch.png")
    return [*written, *([batch] if batch else [])]


SOAK_LINES = (
    # (panel, key, style, colour, alpha, label)
    (0, "rss_mb", "o-", OURS, 1.0, "client RSS"),
    (
        0,
        "rss_less_tracemalloc_mb",
        "o--",
        OURS,
        0.6,
        "client RSS less tracemalloc's tables",
    ),
    (0, "emulator_rss_mb", "s-", FLOOR, 1.0, "emulator RSS (child process)"),
    (1, "traced_mb", "o-", OURS, 1.0, "traced Python memory"),
    (1, "tracemalloc_overhead_mb", "s-", FLOOR, 1.0, "tracemalloc's own tables"),
)
SOAK_TITLES = ("Resident memory", "Traced memory (after a full collection)")


def write_soak_chart(checkpoints: Sequence[Mapping[str, float]], path: Path) -> Path:
    """The soak's memory over time: client RSS, traced memory, the emulator's RSS.

    `checkpoints` are the soak report's `memory_checkpoints` (with `seconds`).
    """
    plt = _pyplot()
    seconds = [c["seconds"] for c in checkpoints]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for panel, key, style, color, alpha, label in SOAK_LINES:
        values = [c[key] for c in checkpoints]
        axes[panel].plot(seconds, values, style, color=color, alpha=alpha, label=label)
    for ax, title in zip(axes, SOAK_TITLES, strict=True):
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("MB")
        ax.set_ylim(bottom=0)
        ax.set_xlabel("seconds into the run")
        ax.legend(fontsize=8, loc="center right")
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    done = int(checkpoints[-1]["done"]) if checkpoints else 0
    fig.suptitle(f"Soak: {done:,} requests with 5% injected faults", fontsize=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    return _save(fig, path)
