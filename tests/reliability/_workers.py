"""Functions run in `ProcessPoolExecutor` workers (importable by the spawned children)."""

from __future__ import annotations

from typing import Any


def ask_langchain(model: Any, prompt: str) -> str:
    return str(model.invoke(prompt).content)


def ask_llama_index(model: Any, prompt: str) -> str:
    return str(model.complete(prompt).text)
