"""Construction, import time and streaming memory (targets 5 and 6)."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tracemalloc
from collections.abc import Callable

from langchain_openai import ChatOpenAI
from llama_index.llms.openai_like import OpenAILike

from aai_gateway import GatewayClient
from benchmarks._contenders import (
    Clients,
    drain,
    li_messages,
    request,
    words,
)
from benchmarks._emulator import API_KEY, MODEL
from benchmarks._frameworks import fake_chat_model
from benchmarks._measure import cpu_medians
from benchmarks._report import Report
from langchain_aai_gateway import ChatAssemblyAI
from llama_index_aai_gateway import AssemblyAI

URL = "http://127.0.0.1:9/v1"


def construction(report: Report, rounds: int) -> None:
    us = cpu_medians(
        {
            "ChatOpenAI(...)": lambda: ChatOpenAI(
                model=MODEL, base_url=URL, api_key=API_KEY
            ),  # type: ignore[arg-type]
            "ChatAssemblyAI(...)": lambda: ChatAssemblyAI(
                model=MODEL, base_url=URL, api_key=API_KEY
            ),
            "OpenAILike(...)": lambda: OpenAILike(
                model=MODEL, api_base=URL, api_key=API_KEY
            ),
            "AssemblyAI (LlamaIndex)(...)": lambda: AssemblyAI(
                model=MODEL, base_url=URL, api_key=API_KEY
            ),
            "GatewayClient(...)": lambda: GatewayClient(base_url=URL, api_key=API_KEY),
        },
        rounds=rounds,
        inner=20,
    )
    values = {k: v * 1e6 for k, v in us.items()}
    scenario = "construction (us)"
    report.add(scenario, values, "us")
    report.ratio(scenario, "ChatAssemblyAI(...)", alternative=values["ChatOpenAI(...)"])
    report.ratio(
        scenario, "AssemblyAI (LlamaIndex)(...)", alternative=values["OpenAILike(...)"]
    )
    ratio = values["ChatAssemblyAI(...)"] / values["ChatOpenAI(...)"]
    report.check("construction: ChatAssemblyAI vs ChatOpenAI", ratio, 0.25)


_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$")


def import_seconds(setup: str, module: str, runs: int = 5) -> float:
    """Cumulative seconds `python -X importtime` gives `module` after `setup` ran."""
    samples = []
    for _ in range(runs):
        code = f"{setup}\nimport {module}" if setup else f"import {module}"
        done = subprocess.run(  # noqa: S603 (our own interpreter)
            [sys.executable, "-X", "importtime", "-c", code],
            capture_output=True,
            text=True,
            check=True,
        )
        cumulative = [
            int(m.group(1))
            for line in done.stderr.splitlines()
            if (m := _LINE.match(line)) and m.group(2) == module
        ]
        samples.append(cumulative[-1] / 1e6 if cumulative else 0.0)
    return statistics.median(samples)


FRAMEWORKS = {
    "langchain_aai_gateway": "from langchain_core.language_models import BaseChatModel",
    "llama_index_aai_gateway": "import llama_index.core",
}


def imports(report: Report) -> None:
    values = {"aai_gateway": import_seconds("", "aai_gateway")}
    for adapter, setup in FRAMEWORKS.items():
        values[f"{setup} (framework)"] = import_seconds("", setup.split()[1])
        values[f"{adapter} on top"] = import_seconds(setup, adapter)
    report.add("import time (s)", values, "s")
    report.check("import aai_gateway", values["aai_gateway"], 0.4, " s")
    for adapter in FRAMEWORKS:
        report.check(
            f"import {adapter} over its framework",
            values[f"{adapter} on top"],
            0.3,
            " s",
        )


def _peak(consume: Callable[[], object]) -> int:
    tracemalloc.start()
    consume()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


NAMES = (
    "aai_gateway stream_chat",
    "ChatAssemblyAI.stream",
    "GenericFakeChatModel.stream",
    "AssemblyAI (LlamaIndex).stream_chat",
)


def _stream_peaks(c: Clients, size: int) -> dict[str, float]:
    prompt = words(size)
    body, msgs = request(prompt), li_messages(prompt)
    fake = fake_chat_model("Echo: " + prompt)
    runs = (
        lambda: drain(c.core.stream_chat(body)),
        lambda: drain(c.lc.stream(prompt)),
        lambda: drain(fake.stream(prompt)),
        lambda: drain(c.li.stream_chat(msgs)),
    )
    return {
        f"{name}, {size} chunks": _peak(run)
        for name, run in zip(NAMES, runs, strict=True)
    }


def memory(clients: Clients, report: Report, short: int, long: int) -> None:
    values = {**_stream_peaks(clients, short), **_stream_peaks(clients, long)}
    report.add(
        "peak memory while streaming (KiB)",
        {k: v / 1024 for k, v in values.items()},
        "KiB",
    )
    text = len(words(long)) - len(words(short))
    growth = {
        name: values[f"{name}, {long} chunks"] - values[f"{name}, {short} chunks"]
        for name in NAMES
    }
    # LangChain's own `stream()` keeps every chunk it yields (the fake shows it), so
    # no LangChain model can stay flat: ours is judged against LangChain's own.
    framework = growth.pop("GenericFakeChatModel.stream")
    langchain = growth.pop("ChatAssemblyAI.stream")
    for name, grown in growth.items():
        report.check(f"memory: {name} growth / text growth", grown / text, 4.0)
    report.check(
        "memory: ChatAssemblyAI.stream growth / GenericFakeChatModel.stream growth",
        langchain / framework,
        1.0,
    )
