"""The batch on Ray Data: a local Ray instance (2 CPUs) against the emulator on loopback.

One Ray instance for the module (starting one costs ~5 s). Workers get the key
from their environment (`runtime_env`), never from what is pickled to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aai_gateway.batch import TranscriptBatch, read_results
from aai_gateway.batch._pacing import HEADROOM
from aai_gateway.errors import MissingAPIKeyError
from aai_gateway.testing import Fault
from tests.batch.conftest import LIMIT, MODEL, Served
from tests.conftest import TEST_KEY

ray = pytest.importorskip("ray")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(90),
    # Ray Data copies its DataContext, deprecated fields included, and each
    # one set warns (ray/data/context.py, `DataContext.__setattr__`).
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context"),
]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        namespace="aai-gateway-tests",
        logging_level="ERROR",
        log_to_driver=False,
        runtime_env={"env_vars": {"ASSEMBLYAI_API_KEY": TEST_KEY}},
    )
    yield
    ray.shutdown()


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", TEST_KEY)  # the driver lists


def batch_for(served: Served, out: Path, **options: Any) -> TranscriptBatch:
    return TranscriptBatch(
        out,
        model=MODEL,
        prompt="What was agreed?",
        show_progress=False,
        **{**served.urls, **options},
    )


def answers(path: Path) -> dict[str, Any]:
    return {r["transcript_id"]: (r["status"], r["answer"]) for r in read_results(path)}


@pytest.mark.usefixtures("local_ray", "keyed")
def test_the_ray_run_matches_the_local_run_and_keeps_to_the_limit(
    limited: Served, tmp_path: Path
) -> None:
    ids = limited.ids[:16]
    local = batch_for(limited, tmp_path / "local.jsonl", transcript_ids=ids)
    local.run()
    limited.emulator.reset()
    on_ray = batch_for(limited, tmp_path / "ray.jsonl", transcript_ids=ids)
    summary = on_ray.run_on_ray(num_workers=2, batch_size=4)
    assert summary.ok
    assert summary.succeeded == 16
    assert summary.rate_limited == 0
    assert answers(tmp_path / "ray.jsonl") == answers(tmp_path / "local.jsonl")
    # Two workers, one pace: together they keep to 600 a minute (less headroom);
    # each with its own would have sent twice as fast. (Ray's calls add jitter, so
    # single gaps vary; what the gateway counts, requests per window, does not.)
    spacing = 60 / (LIMIT * HEADROOM)
    times = [r.received_at for r in limited.chats()]
    assert times[-1] - times[0] >= 0.9 * 15 * spacing


@pytest.mark.usefixtures("local_ray", "keyed")
def test_a_ray_run_resumes_what_a_killed_run_left(
    served: Served, tmp_path: Path
) -> None:
    ids = served.ids[:12]
    out = tmp_path / "out.jsonl"
    batch_for(served, out, transcript_ids=ids[:5]).run()
    with out.open("a") as file:
        file.write('{"transcript_id": "' + ids[5] + '", "stat')  # torn
    served.emulator.reset()
    # A 429 on the way: every worker waits it out, then goes on.
    served.emulator.add_fault(Fault(status=429, headers={"retry-after": "0.6"}))
    summary = batch_for(
        served, out, transcript_ids=ids, requests_per_minute=1200
    ).run_on_ray(num_workers=2, batch_size=2)
    assert (summary.skipped, summary.succeeded, summary.rate_limited) == (5, 7, 1)
    asked = served.asked()
    assert sorted(set(asked)) == sorted(ids[5:])
    assert len(asked) == 8  # the refused one twice
    records = read_results(out)
    assert sorted(r["transcript_id"] for r in records) == sorted(ids)
    assert len(out.read_text().splitlines()) == 12
    # Unpaused, the other worker would have sent ~8 in this stretch at 20 a second;
    # requests granted before the 429 reached the pacer actor may still land late
    # (Ray's calls take tens of ms on two busy cores), never more than a couple.
    first = served.chats()[0]
    during = [
        r for r in served.chats()[1:] if 0.15 < r.received_at - first.received_at < 0.55
    ]
    assert len(during) <= 2
    again = [r for r in served.chats()[1:] if r.json == first.json]
    assert again[0].received_at - first.received_at >= 0.6


def test_nothing_pickled_to_the_workers_carries_the_key(
    monkeypatch: pytest.MonkeyPatch, served: Served, tmp_path: Path
) -> None:
    from aai_gateway.batch._ray import BatchWorker, WorkerSpec

    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "sk-live-secret")
    batch = batch_for(served, tmp_path / "o.jsonl", schema={"type": "object"})
    spec = WorkerSpec(
        job=batch.job,
        step=None,
        model=MODEL,
        named=MODEL,
        client_options=batch.client_options(None),
        max_retries=1,
        max_rate_limit_waits=1,
        concurrency=1,
    )
    assert b"sk-live-secret" not in ray.cloudpickle.dumps(spec)
    BatchWorker(spec, pacer=None)  # built in the worker, from its environment
    monkeypatch.delenv("ASSEMBLYAI_API_KEY")
    with pytest.raises(MissingAPIKeyError, match="Ray worker's environment"):
        BatchWorker(spec, pacer=None)


def test_a_langchain_step_pickles_without_its_key(served: Served) -> None:
    from langchain_aai_gateway import ChatAssemblyAI

    llm = ChatAssemblyAI(
        model=MODEL, api_key="sk-live-secret", base_url=served.urls["base_url"]
    )
    assert b"sk-live-secret" not in ray.cloudpickle.dumps(llm)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"num_workers": 0}, "num_workers"), ({"batch_size": 0}, "batch_size")],
)
@pytest.mark.usefixtures("keyed")
def test_bad_ray_arguments_are_named(
    served: Served, tmp_path: Path, options: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        batch_for(served, tmp_path / "o.jsonl").run_on_ray(**options)
    assert served.emulator.requests == []


@pytest.mark.usefixtures("local_ray", "keyed")
def test_the_command_line_runs_on_ray(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from aai_gateway._cli import main

    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(served.ids[:3]) + "\n")
    args = ["batch", "--model", MODEL, "--prompt", "What was agreed?"]
    args += ["--out", str(tmp_path / "o.jsonl"), "--ids", str(ids), "--no-progress"]
    args += ["--base-url", served.urls["base_url"], "--ray", "--ray-workers", "1"]
    assert main(args) == 0
    assert "3 transcripts: 3 answered" in capsys.readouterr().out
    assert sorted(served.asked()) == sorted(served.ids[:3])
