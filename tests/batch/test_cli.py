"""`aai-gateway batch` and `aai-gateway demo` (the command line in `aai_gateway._cli`)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from aai_gateway._cli import main
from aai_gateway.batch import read_results
from tests.batch.conftest import MODEL, Served

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = "00000000-0000-4000-8000-00000000dead"


def batch_args(served: Served, out: Path, *extra: str) -> list[str]:
    return [
        "batch",
        "--model",
        MODEL,
        "--prompt",
        "What was agreed?",
        "--out",
        str(out),
        "--base-url",
        served.urls["base_url"],
        "--transcript-base-url",
        served.urls["transcript_base_url"],
        "--no-progress",
        *extra,
    ]


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "test-key")


def write_ids(path: Path, ids: list[str]) -> Path:
    path.write_text("# meetings\n" + "\n".join(ids) + "\n\n")
    return path


@pytest.mark.usefixtures("keyed")
def test_a_run_that_answers_everything_exits_0_with_the_counts(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = write_ids(tmp_path / "ids.txt", served.ids[:3])
    out = tmp_path / "out.jsonl"
    assert main(batch_args(served, out, "--ids", str(ids))) == 0
    printed = capsys.readouterr()
    assert "3 transcripts: 3 answered, 0 failed, 0 already done" in printed.out
    assert printed.err == ""  # --no-progress
    assert [r["status"] for r in read_results(out)] == ["ok"] * 3
    # Again: everything is done, nothing is sent.
    served.emulator.reset()
    assert main(batch_args(served, out, "--ids", str(ids))) == 0
    assert "0 answered, 0 failed, 3 already done" in capsys.readouterr().out
    assert served.chats() == []


@pytest.mark.usefixtures("keyed")
def test_a_failed_item_makes_the_exit_status_1(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = write_ids(tmp_path / "ids.txt", [served.ids[0], UNKNOWN])
    assert main(batch_args(served, tmp_path / "o.jsonl", "--ids", str(ids))) == 1
    out = capsys.readouterr().out
    assert "1 answered, 1 failed" in out
    assert "TranscriptNotFoundError: 1" in out


@pytest.mark.usefixtures("keyed")
def test_listing_filters_schema_prompt_file_and_parquet(
    served: Served,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("pyarrow")
    (tmp_path / "batch_schema_mod.py").write_text(
        "from pydantic import BaseModel\n\n"
        "class Outcome(BaseModel):\n    decision: str\n    owners: int\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "batch_schema_mod", raising=False)
    (tmp_path / "prompt.txt").write_text("Decision and owners: {{ transcript }}")
    args = batch_args(served, tmp_path / "o.jsonl", "--created-on", "2026-11-02")
    args[args.index("--prompt") : args.index("--prompt") + 2] = [
        "--prompt-file",
        str(tmp_path / "prompt.txt"),
    ]
    args += ["--schema", "batch_schema_mod:Outcome", "--parquet", "o.parquet"]
    assert main([*args, "--max-transcripts", "1", "--fallback", "claude-opus-4-6"]) == 0
    assert "1 transcripts: 1 answered" in capsys.readouterr().out
    (request,) = served.chats()
    assert request.json["transcript_id"] == served.ids[1]
    assert request.json["messages"][0]["content"].startswith("Decision and owners:")
    assert request.json["response_format"]["json_schema"]["name"] == "Outcome"
    assert request.json["fallbacks"] == [{"model": "claude-opus-4-6"}]
    assert set(read_results(tmp_path / "o.jsonl")[0]["answer"]) == {
        "decision",
        "owners",
    }
    assert (tmp_path / "o.parquet").is_file()


@pytest.mark.usefixtures("keyed")
def test_ids_from_stdin(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(served.ids[:2]) + "\n"))
    assert main(batch_args(served, tmp_path / "o.jsonl", "--ids", "-")) == 0
    assert sorted(served.asked()) == sorted(served.ids[:2])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--created-on", "2026-13-01"], "`created_on` must be a date"),
        (["--ids", "IDS", "--status", "completed"], "not both"),
        (["--ids", "BAD_IDS"], "`--ids line 2`"),
        (["--ids", "nowhere.txt"], "--ids`: cannot read"),
        (["--schema", "nocolon"], "--schema must be MODULE:NAME"),
        (["--schema", "no_such_module_xyz:Thing"], "cannot import"),
        (["--schema", "json:NoSuchName"], "has no 'NoSuchName'"),
        (["--max-concurrency", "0"], "`max_concurrency`"),
        (["--max-transcripts", "0"], "`max_transcripts`"),
        (["--prompt-file", "missing.txt"], "--prompt-file: cannot read"),
    ],
)
@pytest.mark.usefixtures("keyed")
def test_bad_arguments_exit_2_before_any_request(
    served: Served,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    write_ids(tmp_path / "IDS", served.ids[:1])
    (tmp_path / "BAD_IDS").write_text(f"{served.ids[0]}\nnot an id\n")
    extra = [
        str(tmp_path / e) if e.isupper() or e.endswith(".txt") else e for e in extra
    ]
    args = batch_args(served, tmp_path / "o.jsonl", *extra)
    if "--prompt-file" in extra:
        at = args.index("--prompt")
        del args[at : at + 2]
    assert main(args) == 2
    assert message in capsys.readouterr().err
    assert served.emulator.requests == []


def test_no_key_exits_2_before_any_request(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(batch_args(served, tmp_path / "o.jsonl")) == 2
    assert "ASSEMBLYAI_API_KEY" in capsys.readouterr().err
    assert served.emulator.requests == []


def test_a_refused_key_stops_the_run_with_1(
    served: Served,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "wrong-key")
    assert main(batch_args(served, tmp_path / "o.jsonl")) == 1
    assert "stopped" in capsys.readouterr().err


def test_usage_errors_from_argparse() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["batch", "--prompt", "x", "--out", "o.jsonl"])
    assert exc.value.code == 2


@pytest.mark.timeout(60)
def test_a_killed_run_finishes_without_redoing_anything(
    served: Served,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = served.ids
    write_ids(tmp_path / "ids.txt", ids)
    out = tmp_path / "out.jsonl"
    args = batch_args(served, out, "--ids", str(tmp_path / "ids.txt"))
    args += ["--requests-per-minute", "600", "--max-concurrency", "4"]
    env = {**os.environ, "ASSEMBLYAI_API_KEY": "test-key"}
    child = subprocess.Popen(
        [sys.executable, "-m", "aai_gateway", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        not out.exists() or out.read_bytes().count(b"\n") < 6
    ):
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=10)
    assert child.returncode == -signal.SIGKILL
    first_run = served.asked()
    recorded = {r["transcript_id"] for r in read_results(out)}
    assert 6 <= len(recorded) < len(ids)

    served.emulator.reset()
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "test-key")
    assert main(args) == 0
    assert f"{len(ids) - len(recorded)} answered, 0 failed, {len(recorded)}" in (
        capsys.readouterr().out
    )
    second_run = served.asked()
    assert sorted(second_run) == sorted(set(ids) - recorded)
    lines = out.read_text().splitlines()
    assert sorted(json.loads(line)["transcript_id"] for line in lines) == sorted(ids)
    # Only what was in flight when the first run died was asked twice.
    twice = {tid for tid, n in Counter(first_run + second_run).items() if n > 1}
    assert twice == set(first_run) - recorded


def test_demo_is_handed_to_the_demo_package(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--help"])
    assert exc.value.code == 0
    assert "usage: aai-gateway demo" in capsys.readouterr().out


def test_python_m_aai_gateway_runs_the_command_line() -> None:
    for command in (["demo", "--help"], ["batch", "--help"], ["--help"]):
        result = subprocess.run(
            [sys.executable, "-m", "aai_gateway", *command],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "usage: aai-gateway" in result.stdout


def test_the_entry_point_is_the_core_command_line() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["aai-gateway"] == "aai_gateway._cli:main"
    assert any(
        r.startswith("ray[data]") for r in project["optional-dependencies"]["ray"]
    )
