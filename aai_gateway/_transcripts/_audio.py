"""Audio in: upload, submit and wait, for many files at once (the loaders' `audio=`).

`plan_transcription` checks everything given (files, URLs, the REST options, the
timing) before any request. `TranscriptionRun` makes every decision of a run:
what still needs submitting, what a polled status means, how long to wait
(backoff from `poll_interval` up to `MAX_POLL_INTERVAL`), when the total
deadline has passed and which ids were created. `transcribe` and `atranscribe`
are the thin shells that send, through a bounded pool of threads or tasks.

Every transcript is recorded as soon as its `POST /v2/transcript` answers: in
`TranscriptionRun.created` (the loaders' `created_transcript_ids`), through the
`on_transcript_created` callback and on the `aai_gateway` logger (INFO). Given
back as `reuse_transcript_ids`, that mapping makes a later run wait for those
transcripts instead of uploading and paying for them again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeAlias, TypeVar
from urllib.parse import urlsplit

from typing_extensions import TypedDict

from aai_gateway._exceptions import TranscriptionError, TranscriptionTimeoutError
from aai_gateway._settings import check_seconds
from aai_gateway._transcripts._references import check_transcript_id
from aai_gateway._transcripts._rest_client import (
    AsyncShell,
    SyncShell,
    arun_call,
    build_transcript_request,
    run_call,
    submit_call,
    transcript_call,
    upload_call,
)
from aai_gateway._transcripts._rest_types import (
    DEFAULT_SPEECH_MODELS,
    Transcript,
    check_transcript_param,
)

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_SPEECH_MODELS",
    "DEFAULT_TRANSCRIPTION_TIMEOUT",
    "MAX_POLL_INTERVAL",
    "AudioInput",
    "AudioSource",
    "TranscriptionOptions",
    "TranscriptionPlan",
    "TranscriptionRun",
    "atranscribe",
    "check_audio",
    "open_progress",
    "plan_transcription",
    "transcribe",
]

logger = logging.getLogger("aai_gateway")

T = TypeVar("T")

AudioInput: TypeAlias = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
"""One local file or http(s) URL, or a list of them."""

DEFAULT_POLL_INTERVAL = 1.0
"""Seconds before the second status check; each later wait is 1.5 times longer."""
MAX_POLL_INTERVAL = 10.0
"""The longest wait between two status checks (unless `poll_interval` is longer)."""
DEFAULT_TRANSCRIPTION_TIMEOUT = 3600.0
"""Seconds a whole run may take before `TranscriptionTimeoutError`."""
_BACKOFF = 1.5
_FLAT_PARAMS = (
    "speaker_labels",
    "speakers_expected",
    "language_code",
    "language_detection",
    "speech_model",
)


class TranscriptionOptions(TypedDict, total=False):
    """What to transcribe audio with, and how to wait for it.

    Attributes:
        config: The rest of the REST options (`TranscriptParams`), as a mapping
            or an `assemblyai.TranscriptionConfig` (its set fields are taken).
        speaker_labels: Label who speaks (`utterances` mode needs it).
        speakers_expected: How many speakers to tell apart.
        language_code: The audio's language (`en`, `de`, ...).
        language_detection: Detect the language instead.
        speech_model: One speech model (sent as `speech_models`); default:
            `DEFAULT_SPEECH_MODELS`, or `config["speech_models"]`.
        transcription_timeout: Seconds the whole run may take (default one hour;
            `None`: no limit), then `TranscriptionTimeoutError`.
        poll_interval: Seconds before the second status check (default 1); the
            waits grow 1.5 times up to 10 s.
        reuse_transcript_ids: Audio -> transcript id from an earlier run
            (`created_transcript_ids`): those are waited for, not sent again.
        on_transcript_created: Called with the audio and the transcript id as
            each transcript is created (from worker threads in sync code, one
            call at a time).
    """

    config: Any
    speaker_labels: bool | None
    speakers_expected: int | None
    language_code: str | None
    language_detection: bool | None
    speech_model: str | None
    transcription_timeout: float | None
    poll_interval: float
    reuse_transcript_ids: Mapping[str, str] | None
    on_transcript_created: Callable[[str, str], object] | None


@dataclass(frozen=True, slots=True)
class AudioSource:
    """One recording to transcribe.

    Attributes:
        key: As given (a path or a URL): the key of `created_transcript_ids`.
        url: The URL, or `None` for a local file (uploaded first).
    """

    key: str
    url: str | None = None

    @property
    def path(self) -> Path:
        """The local file."""
        return Path(self.key)

    @property
    def shown(self) -> str:
        """How messages and logs name it: a URL loses its query (it may be signed)."""
        if self.url is None:
            return self.key
        parts = urlsplit(self.url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


def _audio_source(item: object) -> AudioSource:
    if not isinstance(item, str | os.PathLike):
        msg = f"`audio` takes file paths and http(s) URLs, got {type(item).__name__}"
        raise TypeError(msg)
    key = os.fspath(item)
    if not isinstance(key, str):
        msg = f"`audio` takes file paths as str, got {key!r}"
        raise TypeError(msg)
    if key.lower().startswith(("http://", "https://")):
        if not urlsplit(key).hostname:
            msg = f"`audio`: {key!r} is not a usable URL (it has no host)"
            raise ValueError(msg)
        return AudioSource(key, key)
    path = Path(key)
    if not path.is_file():
        msg = f"`audio`: {key!r} is not a file (give a local file or an http(s) URL)"
        raise FileNotFoundError(msg)
    if path.stat().st_size == 0:
        msg = f"`audio`: {key!r} is empty"
        raise ValueError(msg)
    return AudioSource(key)


def check_audio(audio: object) -> tuple[AudioSource, ...]:
    """The recordings of `audio`, each checked (a local file must exist).

    Raises:
        TypeError: something that is neither a path nor a URL.
        ValueError: no audio, one given twice, an empty file or a URL without host.
        FileNotFoundError: a path that is not a file.
    """
    items = [audio] if isinstance(audio, str | os.PathLike) else audio
    if isinstance(items, str | bytes | bytearray | Mapping) or not isinstance(
        items, Iterable
    ):
        msg = f"`audio` must be a file path, a URL or a list of them, got {audio!r}"
        raise TypeError(msg)
    sources = tuple(_audio_source(item) for item in items)
    if not sources:
        msg = "`audio` is empty: give at least one file path or URL"
        raise ValueError(msg)
    seen: set[str] = set()
    for source in sources:
        if source.key in seen:
            msg = f"`audio` names {source.shown!r} twice"
            raise ValueError(msg)
        seen.add(source.key)
    return sources


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def config_params(config: object) -> dict[str, Any]:
    """The REST options in `config`: a mapping, or the SDK's `TranscriptionConfig`.

    Raises:
        TypeError: another kind of object, `audio_url`, or an unknown option or a
            value of the wrong type (named `config['...']`).
        ValueError: a value out of range.
    """
    if config is None:
        return {}
    # The assemblyai SDK's TranscriptionConfig keeps its fields in a pydantic
    # model on `.raw` (pydantic v1 there: `.dict`; v2: `.model_dump`).
    raw = getattr(config, "raw", config)
    if not isinstance(raw, Mapping):
        dump = getattr(raw, "model_dump", None) or getattr(raw, "dict", None)
        if dump is None:
            msg = (
                "`config` must be a mapping of REST options or an "
                f"assemblyai.TranscriptionConfig, got {type(config).__name__}"
            )
            raise TypeError(msg)
        raw = dump(exclude_none=True)
    params = {str(k): _plain(v) for k, v in raw.items() if v is not None}
    if "audio_url" in params:
        msg = "`config['audio_url']` cannot be set: the audio comes from `audio`"
        raise TypeError(msg)
    for name, value in params.items():
        check_transcript_param(name, value, f"config[{name!r}]")
    return params


def build_transcription_params(options: TranscriptionOptions) -> dict[str, Any]:
    """The `POST /v2/transcript` options of a run (without `audio_url`), checked.

    Raises:
        TypeError: an option of the wrong type (named), or one given both flat and
            in `config` with different values.
        ValueError: a value out of range.
    """
    params = config_params(options.get("config"))
    for name in _FLAT_PARAMS:
        value = options.get(name)
        if value is None:
            continue
        check_transcript_param(name, _plain(value))
        if params.get(name, value) != _plain(value):
            msg = (
                f"`{name}` is given twice, with different values: here and in `config`"
            )
            raise TypeError(msg)
        params[name] = _plain(value)
    body = build_transcript_request("https://audio.invalid/", params)
    del body["audio_url"]
    return body


@dataclass(frozen=True)
class TranscriptionPlan:
    """A checked run: the recordings, the request options and the timing."""

    sources: tuple[AudioSource, ...]
    params: Mapping[str, Any]
    timeout: float | None = DEFAULT_TRANSCRIPTION_TIMEOUT
    poll_interval: float = DEFAULT_POLL_INTERVAL
    reuse: Mapping[str, str] = field(default_factory=dict)
    on_created: Callable[[str, str], object] | None = None


def _check_reuse(reuse: object, sources: Sequence[AudioSource]) -> dict[str, str]:
    if reuse is None:
        return {}
    if not isinstance(reuse, Mapping):
        msg = f"`reuse_transcript_ids` must map audio to transcript ids, got {reuse!r}"
        raise TypeError(msg)
    keys = {source.key for source in sources}
    for key, transcript_id in reuse.items():
        if key not in keys:
            msg = (
                f"`reuse_transcript_ids` names {key!r}, which is not in `audio`: "
                "give the audio exactly as in the run that created it"
            )
            raise ValueError(msg)
        check_transcript_id(transcript_id, "reuse_transcript_ids")
    return dict(reuse)


def plan_transcription(
    audio: object, options: TranscriptionOptions
) -> TranscriptionPlan:
    """Check a run before any request: the audio, the options and the timing.

    Raises:
        TypeError: an unknown option or a value of the wrong type (named).
        ValueError: a value out of range, or reused ids for audio not in `audio`.
        FileNotFoundError: a local file that does not exist.
    """
    unknown = sorted(set(options) - set(TranscriptionOptions.__annotations__))
    if unknown:
        msg = f"unknown transcription option(s) {', '.join(unknown)}"
        raise TypeError(msg)
    sources = check_audio(audio)
    params = build_transcription_params(options)
    timeout = options.get("transcription_timeout", DEFAULT_TRANSCRIPTION_TIMEOUT)
    if timeout is not None:
        check_seconds("transcription_timeout")(timeout)
    poll_interval = options.get("poll_interval", DEFAULT_POLL_INTERVAL)
    check_seconds("poll_interval")(poll_interval)
    on_created: object = options.get("on_transcript_created")
    if on_created is not None and not callable(on_created):
        msg = f"`on_transcript_created` must be callable, got {on_created!r}"
        raise TypeError(msg)
    reuse = _check_reuse(options.get("reuse_transcript_ids"), sources)
    return TranscriptionPlan(sources, params, timeout, poll_interval, reuse, on_created)


class TranscriptionRun:
    """One run's state and every decision in it, for both shells (thread-safe).

    Args:
        plan: The checked run.
        skip_failed: Skip a failed transcription with a warning instead of raising
            `TranscriptionError`.
        created: Where created ids are recorded (audio -> id); the reused ones
            are put in first. Audio found there is waited for, not submitted.
        max_concurrency: How many requests the shells send at once.
        show_progress: Whether the shells draw a tqdm bar over the files.
        clock: Monotonic seconds (tests pass a fake one).
    """

    def __init__(
        self,
        plan: TranscriptionPlan,
        *,
        skip_failed: bool = False,
        created: dict[str, str] | None = None,
        max_concurrency: int = 8,
        show_progress: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.plan = plan
        self.skip_failed = skip_failed
        self.max_concurrency = max_concurrency
        self.show_progress = show_progress
        self.created = {} if created is None else created
        self.created.update(plan.reuse)
        self._shown = {source.key: source.shown for source in plan.sources}
        # Ids made by an earlier load of the same loader are waited for too.
        known = [s.key for s in plan.sources if s.key in self.created]
        self._pending = {self.created[key]: key for key in known}
        self._done: dict[str, Transcript] = {}
        self._lock = threading.Lock()
        self._callback_lock = threading.Lock()
        self._clock = clock
        self._deadline = None if plan.timeout is None else clock() + plan.timeout
        self._round = 0

    def to_submit(self) -> list[AudioSource]:
        """The recordings without a transcript yet, in order."""
        return [s for s in self.plan.sources if s.key not in self.created]

    def submitted(self, source: AudioSource, transcript: Transcript) -> int:
        """Record a created transcript (callback, log); 1 if it is already finished."""
        with self._lock:
            self.created[source.key] = transcript.id
            self._pending[transcript.id] = source.key
        logger.info(
            "transcript %s created for %s (pass it in reuse_transcript_ids to wait "
            "for it again rather than transcribe again)",
            transcript.id,
            source.shown,
        )
        if self.plan.on_created is not None:
            # One call at a time, so a callback that appends to a journal file
            # needs no lock of its own.
            with self._callback_lock:
                self.plan.on_created(source.key, transcript.id)
        return self.observe(transcript)

    @property
    def pending(self) -> list[str]:
        """The ids still queued or processing, in the order they were created."""
        with self._lock:
            return list(self._pending)

    def observe(self, transcript: Transcript) -> int:
        """Take a transcript's status: 1 when it has finished, 0 while it runs.

        Raises:
            TranscriptionError: it failed (unless `skip_failed`: then a warning).
        """
        if transcript.status not in ("completed", "error"):
            return 0
        with self._lock:
            key = self._pending.pop(transcript.id, None)
            if key is not None and transcript.status == "completed":
                self._done[key] = transcript
        if key is None or transcript.status == "completed":
            return 0 if key is None else 1
        if not self.skip_failed:
            raise TranscriptionError(transcript.id, transcript.error, self._shown[key])
        logger.warning(
            "skipping %s (transcript %s): the transcription failed: %s",
            self._shown[key],
            transcript.id,
            transcript.error,
        )
        return 1

    def next_wait(self) -> float:
        """Seconds to wait before the next status checks (none before the first).

        Raises:
            TranscriptionTimeoutError: the deadline has passed.
        """
        interval = self.plan.poll_interval
        delay = (
            0.0
            if self._round == 0
            else min(
                interval * _BACKOFF ** (self._round - 1),
                max(interval, MAX_POLL_INTERVAL),
            )
        )
        self._round += 1
        if self._deadline is None or self.plan.timeout is None:
            return delay
        left = self._deadline - self._clock()
        if left <= 0:
            with self._lock:
                pending = {i: self._shown[key] for i, key in self._pending.items()}
            raise TranscriptionTimeoutError(self.plan.timeout, pending, self.created)
        return min(delay, left)

    def results(self) -> list[Transcript]:
        """The completed transcripts, in the order of the audio."""
        with self._lock:
            done = dict(self._done)
        return [done[s.key] for s in self.plan.sources if s.key in done]


class Progress(Protocol):
    """What the shells need of a progress bar."""

    def update(self, n: int) -> object: ...


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def open_progress(total: int, show: bool, desc: str, unit: str) -> Any:
    """A tqdm bar over `total` items when `show`, else one that draws nothing.

    Raises:
        ImportError: `show` without tqdm installed.
    """
    if not show:
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:  # pragma: no cover - tqdm comes with the package
        msg = "show_progress=True needs tqdm: pip install tqdm"
        raise ImportError(msg) from exc
    return tqdm(total=total, desc=desc, unit=unit)


# -- the shells --------------------------------------------------------------------


def _progress(run: TranscriptionRun) -> Any:
    return open_progress(
        len(run.plan.sources), run.show_progress, "Transcribing", "file"
    )


def _submit(
    client: SyncShell, run: TranscriptionRun, bar: Progress, source: AudioSource
) -> None:
    url = source.url or run_call(client, upload_call(source.path.read_bytes()))
    transcript = run_call(client, submit_call(url, run.plan.params))
    bar.update(run.submitted(source, transcript))


def transcribe(client: SyncShell, run: TranscriptionRun) -> list[Transcript]:
    """Upload, submit and wait for every recording of `run`, `max_concurrency` at a time.

    Every submit that started runs to its end, even after another failed, so
    each created id is recorded.

    Returns:
        The completed transcripts, in the order of the audio.
    """
    with (
        _progress(run) as bar,
        ThreadPoolExecutor(run.max_concurrency) as pool,
    ):
        list(pool.map(partial(_submit, client, run, bar), run.to_submit()))
        while run.pending:
            time.sleep(run.next_wait())
            calls = (transcript_call(i) for i in run.pending)
            for transcript in pool.map(partial(run_call, client), calls):
                bar.update(run.observe(transcript))
    return run.results()


async def _gather_all(awaitables: Iterable[Awaitable[T]]) -> list[T]:
    # Each one runs to its end (a submit cut short could lose a created id);
    # the first failure is raised after.
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


async def _asubmit(
    client: AsyncShell,
    run: TranscriptionRun,
    bar: Progress,
    gate: asyncio.Semaphore,
    source: AudioSource,
) -> None:
    async with gate:
        url = source.url
        if url is None:
            data = await asyncio.to_thread(source.path.read_bytes)
            url = await arun_call(client, upload_call(data))
        transcript = await arun_call(client, submit_call(url, run.plan.params))
    bar.update(run.submitted(source, transcript))


async def _afetch(
    client: AsyncShell, gate: asyncio.Semaphore, transcript_id: str
) -> Transcript:
    async with gate:
        return await arun_call(client, transcript_call(transcript_id))


async def atranscribe(client: AsyncShell, run: TranscriptionRun) -> list[Transcript]:
    """Upload, submit and wait for every recording of `run` (see `transcribe`)."""
    gate = asyncio.Semaphore(run.max_concurrency)
    with _progress(run) as bar:
        submits = (_asubmit(client, run, bar, gate, s) for s in run.to_submit())
        await _gather_all(submits)
        while run.pending:
            await asyncio.sleep(run.next_wait())
            fetches = (_afetch(client, gate, i) for i in run.pending)
            for transcript in await _gather_all(fetches):
                bar.update(run.observe(transcript))
    return run.results()
