"""SRT and WebVTT subtitles from a transcript's words (`/v2/transcript/{id}/srt|vtt`).

Captions fill up word by word until the next word would pass
`chars_per_caption` characters (default 80); a new speaker always starts a new
caption.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_CHARS_PER_CAPTION = 80
Caption = tuple[int, int, str]


def build_captions(
    words: Sequence[Mapping[str, Any]],
    chars_per_caption: int = DEFAULT_CHARS_PER_CAPTION,
) -> list[Caption]:
    """`(start_ms, end_ms, text)` for each caption."""
    captions: list[Caption] = []
    current: list[Mapping[str, Any]] = []
    for word in words:
        text = " ".join(str(w["text"]) for w in [*current, word])
        same_speaker = not current or current[-1].get("speaker") == word.get("speaker")
        if current and (len(text) > chars_per_caption or not same_speaker):
            captions.append(_caption(current))
            current = []
        current.append(word)
    if current:
        captions.append(_caption(current))
    return captions


def _caption(words: Sequence[Mapping[str, Any]]) -> Caption:
    text = " ".join(str(w["text"]) for w in words)
    return int(words[0]["start"]), int(words[-1]["end"]), text


def _clock(ms: int, separator: str, *, hours: bool) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    prefix = f"{h:02d}:" if hours or h else ""
    return f"{prefix}{m:02d}:{s:02d}{separator}{ms:03d}"


def build_srt(captions: Sequence[Caption]) -> str:
    """SubRip text: numbered cues, `HH:MM:SS,mmm` times."""
    cues = []
    for number, (start, end, text) in enumerate(captions, 1):
        times = f"{_clock(start, ',', hours=True)} --> {_clock(end, ',', hours=True)}"
        cues.append(f"{number}\n{times}\n{text}\n")
    return "\n".join(cues)


def build_vtt(captions: Sequence[Caption]) -> str:
    """WebVTT text: a `WEBVTT` header, `MM:SS.mmm` times (hours when needed)."""
    cues = [
        f"{_clock(start, '.', hours=False)} --> {_clock(end, '.', hours=False)}\n{text}\n"
        for start, end, text in captions
    ]
    return "WEBVTT\n\n" + "\n".join(cues)
