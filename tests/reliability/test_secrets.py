"""Secret hygiene: the API key never leaves the objects that need it.

Checked: `repr()`/`str()` of clients and models, LangChain dumps, LangSmith and
invocation params, LlamaIndex `to_dict()`/`to_json()`, exception messages,
`repr()`s, pickles and formatted tracebacks, every log record at every level
during failing calls, pickles of the models, and every recorded cassette. Then
pickling for real work: models travel to `ProcessPoolExecutor` workers and
rebuild their HTTP clients there.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import pickle
import re
import traceback
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import aai_gateway as core
from aai_gateway.testing import Fault
from tests.reliability import _workers
from tests.reliability.conftest import ADAPTERS, MODEL, TEST_KEY, Runner, close_model

pytestmark = pytest.mark.e2e

SECRET = "aai-secret-4f1c9e2b7d6a8053"
ROOT = Path(__file__).resolve().parents[2]


def assert_clean(text: str, where: str = "") -> None:
    assert SECRET not in text, f"the key leaked into {where}: {text[:300]}"
    assert SECRET[4:] not in text, f"part of the key leaked into {where}"


def langchain_models(base_url: str) -> list[Any]:
    from langchain_aai_gateway import AssemblyAILLM, ChatAssemblyAI

    return [
        ChatAssemblyAI(model=MODEL, api_key=SECRET, base_url=base_url),
        AssemblyAILLM(model=MODEL, api_key=SECRET, base_url=base_url),
    ]


def llama_index_model(base_url: str, **fields: Any) -> Any:
    from llama_index_aai_gateway import AssemblyAI

    return AssemblyAI(model=MODEL, api_key=SECRET, base_url=base_url, **fields)


@pytest.fixture(scope="module")
def secret_server() -> Iterator[Any]:
    """An emulator that accepts `SECRET`, so stream faults get past auth."""
    from aai_gateway.testing import GatewayEmulator

    emulator = GatewayEmulator(api_keys=(TEST_KEY, SECRET), rate_limit=None)
    with emulator.serve() as server:
        yield emulator, server


@pytest.fixture
def secret_emulator(secret_server: Any) -> Any:
    emulator, _ = secret_server
    emulator.reset()
    return emulator


@pytest.fixture
def secret_runner(make_runner: Any, secret_server: Any) -> Any:
    def make(adapter: str, mode: str, streamed: bool, **fields: Any) -> Any:
        base_url = secret_server[1].base_url
        runner: Runner = make_runner(adapter, mode, streamed, base_url)
        return runner, runner.model(api_key=SECRET, **fields)

    return make


# -- repr, str, dumps, params -------------------------------------------------------


def test_reprs_and_strs(emulator_url: str) -> None:
    objects: list[Any] = [
        core.GatewayClient(api_key=SECRET, base_url=emulator_url),
        core.AsyncGatewayClient(api_key=SECRET, base_url=emulator_url),
        *langchain_models(emulator_url),
        llama_index_model(emulator_url, default_headers={"x-extra": SECRET}),
    ]
    for obj in objects:
        assert_clean(repr(obj), f"repr({type(obj).__name__})")
        assert_clean(str(obj), f"str({type(obj).__name__})")


def test_langchain_dumps_and_langsmith_params(emulator_url: str) -> None:
    from langchain_core.load import dumpd, dumps

    for model in langchain_models(emulator_url):
        assert_clean(dumps(model), "dumps")
        assert_clean(repr(dumpd(model)), "dumpd")
        assert_clean(repr(model.to_json()), "to_json")
        assert_clean(repr(model._get_ls_params()), "LangSmith params")
        assert_clean(repr(model._identifying_params), "identifying params")
        params = getattr(model, "_get_invocation_params", None)
        if params is not None:
            assert_clean(repr(params()), "invocation params")
        assert_clean(model.model_dump_json(), "model_dump_json")


def test_langchain_callbacks_never_see_the_key(emulator_url: str) -> None:
    from langchain_core.callbacks import BaseCallbackHandler

    seen: list[str] = []

    class Spy(BaseCallbackHandler):
        def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
            seen.append(repr((args, kwargs)))

        def on_llm_start(self, *args: Any, **kwargs: Any) -> None:
            seen.append(repr((args, kwargs)))

        def on_llm_error(self, *args: Any, **kwargs: Any) -> None:
            seen.append(repr((args, kwargs)))

    for model in langchain_models(emulator_url):
        with pytest.raises(core.AuthenticationError):
            model.invoke("Hi", config={"callbacks": [Spy()]})
        close_model(model)
    assert len(seen) == 4
    for text in seen:
        assert_clean(text, "callback arguments")


def test_llama_index_serialization(emulator_url: str) -> None:
    model = llama_index_model(emulator_url, default_headers={"x-extra": SECRET})
    assert_clean(repr(model.to_dict()), "to_dict")
    assert_clean(model.to_json(), "to_json")
    assert_clean(repr(model.model_dump()), "model_dump")
    assert_clean(repr(model.metadata), "metadata")


# -- errors, tracebacks and logs during failing calls ------------------------------------


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.formatter = logging.Formatter(
            "%(levelname)s %(name)s %(message)s %(args)s"
        )

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs() -> Iterator[Capture]:
    """Every record from every logger at DEBUG and above, tracebacks included."""
    capture = Capture()
    root = logging.getLogger()
    names = ["aai_gateway", "httpx", "httpcore", "langchain", "llama_index", "hpack"]
    saved = [(root, root.level)] + [
        (logging.getLogger(n), logging.getLogger(n).level) for n in names
    ]
    for logger, _ in saved:
        logger.setLevel(logging.DEBUG)
    root.addHandler(capture)
    yield capture
    root.removeHandler(capture)
    for logger, level in saved:
        logger.setLevel(level)


FAILURES = {
    "401": [Fault(status=401)],
    "500-retried": [Fault(status=500, times=3)],
    "key-echoed-back": [
        Fault(
            status=400,
            body={"code": 400, "message": f"bad key {SECRET}", "request_id": "r-1"},
        )
    ],
    "stream-drop": [Fault(drop_after_events=2)],
    "stream-error-echo": [Fault(error_event_after=1)],
}


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_failing_calls_leak_nothing(
    secret_runner: Any,
    secret_emulator: Any,
    sleeps: list[float],
    all_logs: Capture,
    failure: str,
    adapter: str,
    mode: str,
) -> None:
    for fault in FAILURES[failure]:
        secret_emulator.add_fault(fault)
    streamed = failure.startswith("stream")
    runner, model = secret_runner(adapter, mode, streamed)
    outcome = runner.run(model, "What did we decide?")
    error = outcome.error
    assert isinstance(error, core.APIError), repr(error)
    sent = secret_emulator.requests
    assert any(r.headers.get("authorization") == SECRET for r in sent)
    assert_clean(str(error), "the message")
    assert_clean(repr(error), "repr(error)")
    assert_clean("".join(traceback.format_exception(error)), "the traceback")
    assert_clean(repr(pickle.dumps(error)), "the pickled error")
    assert_clean(repr(pickle.loads(pickle.dumps(error)).__dict__), "unpickled error")
    for cb_error in outcome.callback_errors:
        assert_clean(str(cb_error), "a callback's error")
    assert all_logs.lines
    for line in all_logs.lines:
        assert_clean(line, "a log record")


# -- pickles ------------------------------------------------------------------------------


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_pickles_hold_no_key(emulator_url: str, adapter: str) -> None:
    models = (
        langchain_models(emulator_url)
        if adapter == "langchain"
        else [llama_index_model(emulator_url)]
    )
    for model in models:
        assert SECRET.encode() not in pickle.dumps(model)


def _ask(runner: Runner, model: Any, prompt: str) -> str:
    outcome = runner.run(model, prompt)
    assert outcome.error is None, repr(outcome.error)
    return outcome.text


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_fresh_model_round_trips_through_pickle(
    make_runner: Any, monkeypatch: pytest.MonkeyPatch, adapter: str
) -> None:
    monkeypatch.setenv(core.API_KEY_ENV, TEST_KEY)
    runner: Runner = make_runner(adapter, "sync", False)
    copy = pickle.loads(pickle.dumps(runner.model()))
    runner.models.append(copy)
    assert _ask(runner, copy, "after pickling") == "Echo: after pickling"


@pytest.mark.parametrize("adapter", ["langchain", "llama_index"])
def test_a_used_model_pickles_without_its_clients(
    make_runner: Any, monkeypatch: pytest.MonkeyPatch, adapter: str
) -> None:
    monkeypatch.setenv(core.API_KEY_ENV, TEST_KEY)
    runner: Runner = make_runner(adapter, "sync", False)
    model = runner.model()
    assert _ask(runner, model, "before") == "Echo: before"
    asyncio.run(_ainvoke(runner, model))
    data = pickle.dumps(model)
    assert b"httpx" not in data
    assert TEST_KEY.encode() not in data
    copy = pickle.loads(data)
    runner.models.append(copy)
    assert _ask(runner, copy, "after") == "Echo: after"


async def _ainvoke(runner: Runner, model: Any) -> None:
    if runner.adapter == "langchain":
        await model.ainvoke("async before")
    else:
        await model.acomplete("async before")


# Fork keeps the workers cheap (no re-import of LangChain/LlamaIndex); the models
# still travel by pickle, which is what this test is about.
_FORK_WARNING = "ignore:This process .* is multi-threaded:DeprecationWarning"


@pytest.mark.filterwarnings(_FORK_WARNING)
def test_a_batch_runs_in_a_process_pool(
    emulator_url: str, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_aai_gateway import ChatAssemblyAI
    from llama_index_aai_gateway import AssemblyAI

    # Workers read the key from the environment, as they would in production.
    monkeypatch.setenv(core.API_KEY_ENV, TEST_KEY)
    lc = ChatAssemblyAI(model=MODEL, base_url=emulator_url)
    li = AssemblyAI(model=MODEL, base_url=emulator_url)
    prompts = [f"meeting {n}" for n in range(6)]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        lc_answers = pool.map(_workers.ask_langchain, [lc] * 6, prompts, timeout=120)
        li_answers = pool.map(_workers.ask_llama_index, [li] * 6, prompts, timeout=120)
        answers = [*lc_answers, *li_answers]
    assert answers == [f"Echo: {p}" for p in prompts] * 2
    assert len(emulator.requests) == 12


# -- cassettes ----------------------------------------------------------------------------

_KEYLIKE = re.compile(r"\b[0-9a-f]{32}\b|Bearer\s+\S+|test-key|aai-secret", re.I)


def test_no_cassette_anywhere_holds_a_secret() -> None:
    # tests/langchain/test_cassettes.py checks its own folder header by header;
    # this scans every cassette under cassettes/, whoever recorded it.
    files = sorted((ROOT / "cassettes").rglob("*.y*ml"))
    assert files
    for path in files:
        text = path.read_text()
        assert not _KEYLIKE.search(text), f"{path} holds something like a key"
        assert not re.search(r"(?im)^\s*-?\s*authorization:", text), path
