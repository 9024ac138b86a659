"""The scripted model's extractive answers: sentences of the text it was given.

A question gets the few sentences of the context that match it best, in their
original order; a request for a summary (or one with no question at all) gets
the context's most representative sentences: those with the highest BM25
similarity to the whole text, near-duplicates skipped, in their original order.
When nothing matches, the answer is `NO_ANSWER`. Ties go to the earlier sentence,
so the same request always gets the same answer.

Speakers and times are quoted when the text carries them: a line such as
`Speaker A (00:01:23): ...`, `[01:23] Alice: ...` or `Alice: ...`, or a passage
under metadata lines such as LlamaIndex's `speaker: A` and `timestamp: 01:23`
(other `key: value` lines with a lowercase key, and Markdown headings, are skipped).
Sentences end after a word ending in `.`, `?` or `!` (as in the emulator's
transcripts) and at line breaks.

The scorer is a small pure-Python Okapi BM25 (k1 = 1.5, b = 0.75) over lowercase
words, a short stop-word list removed and plural/verb endings trimmed. It is written
here rather than taken from the `bm25s` package because the emulator ships in the
`testing` extra, which should not pull in numpy and scipy for this.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

NO_ANSWER = "The provided text does not answer this question."
"""The answer when no sentence of the context matches the question."""
ANSWER_SENTENCES = 3
SUMMARY_SENTENCES = 4
K1 = 1.5
B = 0.75
_KEEP = 0.5
"""A question's answer keeps sentences scoring at least this share of the best one."""
_DUPLICATE = 0.5
"""A summary skips a sentence sharing this share of its words with a chosen one."""

_STOP_TEXT = """
a about after all also am an and any are as at be been before being but by can could
did do does doing for from had has have having he her here hers him his how i if in
into is it its just me more most my no not now of off on once only or other our ours
out over own same she should so some such than that the their theirs them then there
these they this those through to too under until up us very was we were what when
where which while who whom why will with would you your yours
"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())
_SUMMARY = re.compile(
    r"\b(?:summar\w*|recap\w*|tl;?dr|overview|key points?|main points?|"
    r"action items?|takeaways?)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SUFFIXES = (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")
_CLOCK = r"\d{1,2}(?::\d{2}){1,2}(?:\.\d+)?"
_NAME = r"[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3}"
_TIMED_SPEAKER = re.compile(
    rf"^(?P<speaker>{_NAME})\s*[(\[](?P<time>{_CLOCK})[)\]]\s*:\s+(?P<text>\S.*)$"
)
_TIME_FIRST = re.compile(
    rf"^[(\[](?P<time>{_CLOCK})[)\]]\s*(?:(?P<speaker>{_NAME}):\s+)?(?P<text>\S.*)$"
)
_SPEAKER = re.compile(rf"^(?P<speaker>{_NAME}):\s+(?P<text>\S.*)$")
_METADATA = re.compile(r"^(?P<key>[a-z][a-z0-9_]*)\s*:\s*(?P<value>.*)$")
_NOT_SPEAKERS = frozenset(
    {"answer", "context", "document", "note", "passage", "query", "question"}
    | {"source", "summary", "text", "title", "transcript"}
)
_QUESTION_MARKER = re.compile(r"^[ \t]*(?:question|query)[ \t]*:[ \t]*", re.I | re.M)
_ANSWER_MARKER = re.compile(r"^[ \t]*answer[ \t]*:", re.I | re.M)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def tokenize(text: str) -> list[str]:
    """The scorer's terms: lowercase words, stop words dropped, endings trimmed."""
    terms = []
    for word in _TOKEN.findall(text.lower()):
        word = word.removesuffix("'s")
        if word in _STOP_WORDS or "'" in word:
            continue
        terms.append(_stem(word))
    return terms


def _stem(word: str) -> str:
    # "agreed" and "agree" both become "agre"; "classes" and "class" both "class".
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if word.endswith("ss"):
                return word
            return word[: -len(suffix)] + replacement
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


class BM25:
    """Okapi BM25 over a fixed list of documents (each a list of terms).

    Example:
        ```python
        index = BM25([["budget", "plan"], ["sync", "queue"]])
        index.scores(Counter(["queue"]))  # [0.0, 0.69...]
        ```
    """

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self._documents = [Counter(d) for d in documents]
        self._lengths = [len(d) for d in documents]
        total = sum(self._lengths)
        self._average = total / len(documents) if total else 1.0
        frequencies = Counter(t for d in self._documents for t in d)
        count = len(documents)
        self._idf = {
            term: math.log(1 + (count - seen + 0.5) / (seen + 0.5))
            for term, seen in frequencies.items()
        }

    def scores(self, query: Counter[str]) -> list[float]:
        """Each document's score for `query` (a term's weight is its count in it)."""
        result = []
        for document, length in zip(self._documents, self._lengths, strict=True):
            norm = K1 * (1 - B + B * length / self._average)
            score = 0.0
            for term, weight in query.items():
                frequency = document.get(term, 0)
                if frequency:
                    saturation = frequency * (K1 + 1) / (frequency + norm)
                    score += weight * self._idf[term] * saturation
            result.append(score)
        return result


@dataclass(frozen=True)
class Sentence:
    """One sentence of the context, with who said it and when, if known."""

    text: str
    speaker: str = ""
    time: str = ""
    terms: tuple[str, ...] = field(default=(), compare=False)

    def quote(self) -> str:
        """The sentence with its speaker and time in front, when it has them."""
        speaker = self.speaker
        if len(speaker) == 1 and speaker.isupper():
            speaker = f"Speaker {speaker}"  # an AssemblyAI speaker label
        if speaker and self.time:
            return f"{speaker} ({self.time}): {self.text}"
        if speaker:
            return f"{speaker}: {self.text}"
        return f"[{self.time}] {self.text}" if self.time else self.text


def split_question(text: str) -> tuple[str, str]:
    """`(question, context)` of a user message.

    The question is what follows the last `Question:` or `Query:` line (up to an
    `Answer:` line), the context what precedes it. Without such a line, a message
    of several paragraphs asks its last paragraph when that is one line ending in
    `?`, else its first one (`Summarise this:` and the text below it); one paragraph whose
    first line ends in `:` asks that line; anything else is all question.
    """
    markers = list(_QUESTION_MARKER.finditer(text))
    if markers:
        rest = text[markers[-1].end() :]
        end = _ANSWER_MARKER.search(rest)
        question = rest[: end.start()] if end else rest
        return question.strip(), text[: markers[-1].start()].strip()
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    if len(paragraphs) >= 2:
        if "\n" not in paragraphs[-1] and paragraphs[-1].endswith("?"):
            return paragraphs[-1], "\n\n".join(paragraphs[:-1])
        return paragraphs[0], "\n\n".join(paragraphs[1:])
    first, _, rest = text.strip().partition("\n")
    if rest.strip() and first.rstrip().endswith(":"):
        return first.strip(), rest.strip()
    return text.strip(), ""


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of `text`, with speakers and times from line prefixes or metadata."""
    sentences: list[Sentence] = []
    passage: dict[str, str] = {}
    after_text = False
    for line in text.splitlines():
        line = line.strip()
        metadata = _METADATA.match(line)
        if line.startswith("#") or not any(c.isalnum() for c in line):
            continue
        if metadata:
            if after_text:
                passage, after_text = {}, False
            passage[metadata["key"]] = metadata["value"].strip()
            continue
        after_text = True
        speaker, time, body = _attribution(line, passage)
        sentences.extend(
            Sentence(words, speaker, time, tuple(tokenize(words)))
            for words in _sentences_of(body)
        )
    return sentences


def _attribution(line: str, passage: dict[str, str]) -> tuple[str, str, str]:
    """`(speaker, time, text)` of a line: its own prefix, else its passage's metadata."""
    speaker = passage.get("speaker_name") or passage.get("speaker", "")
    time = passage.get("timestamp") or passage.get("time", "")
    for pattern in (_TIMED_SPEAKER, _TIME_FIRST, _SPEAKER):
        match = pattern.match(line)
        named = match and (match["speaker"] or "")
        if match and (named or "").lower() not in _NOT_SPEAKERS:
            own_time = match.groupdict().get("time")
            return named or speaker, own_time or time, match["text"]
    return speaker, time, line


def _sentences_of(text: str) -> list[str]:
    sentences: list[list[str]] = [[]]
    for word in text.split():
        sentences[-1].append(word)
        if _SENTENCE_END.search(word):
            sentences.append([])
    return [" ".join(words) for words in sentences if words]


def is_summary_request(question: str) -> bool:
    """Whether `question` asks for a summary (or asks nothing at all)."""
    return not question.strip() or _SUMMARY.search(question) is not None


def extract_answer(question: str, context: str) -> str:
    """The answer to `question` from `context` (see the module docstring)."""
    sentences = split_sentences(context)
    index = BM25([s.terms for s in sentences])
    if is_summary_request(question):
        every_term = Counter(t for s in sentences for t in s.terms)
        chosen = _representative(sentences, index.scores(every_term))
    else:
        chosen = _best_matches(index.scores(Counter(tokenize(question))))
    if not chosen:
        return NO_ANSWER
    picked = [sentences[i] for i in sorted(chosen)]
    if any(s.speaker or s.time for s in picked):
        return "\n".join(s.quote() for s in picked)
    return " ".join(s.text for s in picked)


def _ranked(scores: Sequence[float]) -> list[int]:
    """Positions with a positive score, best first, earlier first on ties."""
    return sorted(
        (i for i, score in enumerate(scores) if score > 0),
        key=lambda i: (-scores[i], i),
    )


def _best_matches(scores: Sequence[float]) -> list[int]:
    ranked = _ranked(scores)
    if not ranked:
        return []
    best = scores[ranked[0]]
    return [i for i in ranked[:ANSWER_SENTENCES] if scores[i] >= _KEEP * best]


def _representative(
    sentences: Sequence[Sentence], scores: Sequence[float]
) -> list[int]:
    chosen: list[int] = []
    for position in _ranked(scores):
        terms = set(sentences[position].terms)
        if all(_overlap(terms, set(sentences[i].terms)) < _DUPLICATE for i in chosen):
            chosen.append(position)
        if len(chosen) == SUMMARY_SENTENCES:
            break
    return chosen


def _overlap(first: set[str], second: set[str]) -> float:
    union = first | second
    return len(first & second) / len(union) if union else 1.0
