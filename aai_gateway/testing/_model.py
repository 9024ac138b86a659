"""The emulator's scripted model: deterministic answers from the request alone.

Tokens are whitespace-separated words. Input tokens are the words of every
message's text (at least 1); output tokens are the words of the answer plus, per
tool call, one for its name and the words of its arguments (at least 1).

The rules, first match wins:

1. The last message is a tool result: the text
   `"Tool results: <trailing tool messages' contents joined by '; '>"`.
2. `tools` are present, `tool_choice` is not `"none"`, and either `tool_choice`
   names a function, or it is `"required"`, or the last user message mentions a
   tool's name as a whole word, or every word of four letters or more of it
   (`get_weather` by "the weather"; case-insensitive): call the named tool, or every
   mentioned tool in the order of `tools` (parallel calls; only the first when
   `parallel_tool_calls` is false; `"required"` with nothing mentioned calls the
   first tool). Arguments are generated from the tool's JSON schema (see
   `_schema_values`). Call ids are `"call_"` + 24 hex characters derived from
   the request body and the call's position, so recordings replay.
3. `response_format` is `json_schema`: a JSON string generated from the schema.
4. The request carries context: an extractive answer from it (see
   `_extractive`). The question is the last user message's text with every
   `{{ transcript }}` tag taken out, cut by `split_question` into a question and
   inline context (the text before a `Question:`/`Query:` line, or the paragraphs
   around the asking one). The context is
   - the transcript the gateway injected, when `transcript_id` was given and a tag
     was replaced (whatever its length; nothing else counts then, and a one- or
     two-word label such as `Transcript:` left alone on its line is dropped from
     the question), or else
   - the `system`/`developer` messages' text plus that inline context, when it
     has at least `CONTEXT_MIN_WORDS` words and at least twice as many words as
     the question.
   A question asking for a summary, key points, a recap or action items (or no
   question at all) gets the most representative sentences; any other gets the
   sentences that match it best, or `NO_ANSWER`.
5. Otherwise the text `"Echo: " + <the last user message's text>` (the last
   message's text when there is no user message): a short prompt with no context,
   such as `"Hello"`, gets `"Echo: Hello"`.

Then `stop` sequences cut the text at the earliest match (finish `stop`, Claude
`stop_sequence`), and the text is truncated to `max_tokens` words (default 1000;
finish `length`, Claude `max_tokens`, Gemini `MAX_TOKENS`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aai_gateway.testing._catalog_data import Family
from aai_gateway.testing._extractive import extract_answer, split_question
from aai_gateway.testing._injection import TRANSCRIPT_TAG
from aai_gateway.testing._schema_values import generate_value

Finish = Literal["stop", "tool_calls", "length", "stop_sequence"]
DEFAULT_MAX_TOKENS = 1000
CONTEXT_MIN_WORDS = 25
"""Fewer words of system or inline context than this, and the model echoes."""
_CONTEXT_ROLES = ("system", "developer")
_LABEL_LINE = re.compile(r"^[ \t]*\w+(?: \w+)?[ \t]*:[ \t]*$", re.MULTILINE)
"""A label left alone on its line once the tag after it is taken out."""

_NATIVE_FINISH: dict[Family, dict[Finish, str]] = {
    "openai": {
        "stop": "stop",
        "tool_calls": "tool_calls",
        "length": "length",
        "stop_sequence": "stop",
    },
    "anthropic": {
        "stop": "end_turn",
        "tool_calls": "tool_use",
        "length": "max_tokens",
        "stop_sequence": "stop_sequence",
    },
    "google": {
        "stop": "STOP",
        "tool_calls": "STOP",
        "length": "MAX_TOKENS",
        "stop_sequence": "STOP",
    },
}
_WORD = re.compile(r"\s*\S+")


@dataclass(frozen=True)
class ToolCall:
    """One function call the model makes."""

    id: str
    name: str
    arguments: str

    def to_wire(self) -> dict[str, Any]:
        """The call as `message.tool_calls` carries it."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True)
class Answer:
    """What the scripted model says, before it is shaped into a response."""

    content: str | None
    finish: Finish
    input_tokens: int
    tool_calls: tuple[ToolCall, ...] = field(default=())

    @property
    def output_tokens(self) -> int:
        """Words of the text plus, per call, its name and its arguments' words."""
        words = count_words(self.content or "")
        words += sum(1 + count_words(c.arguments) for c in self.tool_calls)
        return max(1, words)

    def finish_reason(self, family: Family, *, native: bool = True) -> str:
        """The `finish_reason` a model of `family` reports for this answer."""
        return _NATIVE_FINISH[family if native else "openai"][self.finish]


def count_words(text: str) -> int:
    """Whitespace-separated words in `text`."""
    return len(text.split())


def split_words(text: str) -> list[str]:
    """`text` cut before each word; joining the pieces gives `text` back."""
    pieces = _WORD.findall(text)
    rest = text[sum(map(len, pieces)) :]
    if rest:
        pieces.append(rest)
    return pieces


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a message: its string content, or its text parts joined."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def request_messages(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's messages, with `prompt` turned into a first user message."""
    if isinstance(request.get("prompt"), str):
        return [{"role": "user", "content": request["prompt"]}]
    return [dict(m) for m in request.get("messages") or []]


def input_tokens(messages: Sequence[Mapping[str, Any]]) -> int:
    """Words over every message's text and tool-call arguments (at least 1)."""
    words = 0
    for message in messages:
        words += count_words(message_text(message))
        for call in message.get("tool_calls") or []:
            words += count_words(str(call.get("function", {}).get("arguments", "")))
    return max(1, words)


def answer(
    request: Mapping[str, Any], messages: Sequence[Mapping[str, Any]], seed: bytes
) -> Answer:
    """Run the scripted model on `request` (see the module docstring).

    Args:
        request: The request body (after fallback overrides).
        messages: Its messages after transcript injection.
        seed: Bytes the tool-call ids are derived from (the raw request body).
    """
    tokens = input_tokens(messages)
    if messages and messages[-1].get("role") == "tool":
        results = []
        for message in reversed(messages):
            if message.get("role") != "tool":
                break
            results.append(message_text(message))
        return _finish_text(
            request, "Tool results: " + "; ".join(reversed(results)), tokens
        )
    user_text = _last_user_text(messages)
    calls = _tool_calls(request, user_text, seed)
    if calls:
        return Answer(None, "tool_calls", tokens, calls)
    response_format = request.get("response_format")
    if (
        isinstance(response_format, dict)
        and response_format.get("type") == "json_schema"
    ):
        schema = response_format["json_schema"]["schema"]
        return _finish_text(
            request, json.dumps(generate_value(schema, user_text)), tokens
        )
    extracted = _extract(request, messages)
    if extracted is not None:
        return _finish_text(request, extracted, tokens)
    return _finish_text(request, "Echo: " + user_text, tokens)


def _extract(
    request: Mapping[str, Any], messages: Sequence[Mapping[str, Any]]
) -> str | None:
    """Rule 4: the extractive answer, or `None` when the request has no context."""
    original = request_messages(request)
    asked = _last_user_text(original).replace(TRANSCRIPT_TAG, " ")
    transcript = (
        _injected_text(original, messages) if request.get("transcript_id") else None
    )
    if transcript is not None:
        question, _ = split_question(_LABEL_LINE.sub("", asked))
        return extract_answer(question, transcript)
    question, inline = split_question(asked)
    texts = [message_text(m) for m in messages if m.get("role") in _CONTEXT_ROLES]
    context = "\n\n".join([*texts, inline])
    size = count_words(context)
    if size < CONTEXT_MIN_WORDS or size < 2 * count_words(question):
        return None
    return extract_answer(question, context)


def _injected_text(
    original: Sequence[Mapping[str, Any]], messages: Sequence[Mapping[str, Any]]
) -> str | None:
    """The text the gateway put in place of the first tag, if it replaced one."""
    for before, after in zip(original, messages, strict=False):
        text = message_text(before)
        if TRANSCRIPT_TAG not in text:
            continue
        head, _, tail = text.partition(TRANSCRIPT_TAG)
        injected = message_text(after)
        if injected == text or not (
            injected.startswith(head) and injected.endswith(tail)
        ):
            return None
        return injected[len(head) : len(injected) - len(tail)]
    return None


def _last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return message_text(messages[-1]) if messages else ""


def _finish_text(request: Mapping[str, Any], text: str, tokens: int) -> Answer:
    finish: Finish = "stop"
    stops = request.get("stop")
    stops = (
        [stops]
        if isinstance(stops, str)
        else [s for s in stops or [] if isinstance(s, str) and s]
    )
    cuts = [text.find(s) for s in stops if s and s in text]
    if cuts:
        text, finish = text[: min(cuts)], "stop_sequence"
    limit = request.get("max_tokens") or DEFAULT_MAX_TOKENS
    words = split_words(text)
    if len(words) > limit:
        text, finish = "".join(words[:limit]), "length"
    return Answer(text, finish, tokens)


def _selected_tools(
    request: Mapping[str, Any], user_text: str
) -> list[Mapping[str, Any]]:
    tools = [t["function"] for t in request.get("tools") or [] if isinstance(t, dict)]
    choice = request.get("tool_choice")
    if not tools or choice == "none":
        return []
    if isinstance(choice, dict):
        forced = choice.get("function", {}).get("name")
        return [t for t in tools if t.get("name") == forced][:1]
    mentioned = [t for t in tools if _mentions(user_text, str(t.get("name", "")))]
    if choice == "required" and not mentioned:
        mentioned = tools[:1]
    if request.get("parallel_tool_calls") is False:
        mentioned = mentioned[:1]
    return mentioned


def _has_word(text: str, word: str) -> bool:
    pattern = r"(?<![A-Za-z0-9_])" + re.escape(word) + r"(?![A-Za-z0-9_])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _mentions(text: str, name: str) -> bool:
    # The whole name, or every long word of it: "get_weather" is mentioned by
    # "What is the weather in Paris?".
    if not name:
        return False
    words = [w for w in re.split(r"[_\-]+", name) if len(w) >= 4]
    return _has_word(text, name) or (
        bool(words) and all(_has_word(text, w) for w in words)
    )


def _tool_calls(
    request: Mapping[str, Any], user_text: str, seed: bytes
) -> tuple[ToolCall, ...]:
    calls = []
    for index, tool in enumerate(_selected_tools(request, user_text)):
        schema = (
            tool.get("parameters") if isinstance(tool.get("parameters"), dict) else {}
        )
        arguments = generate_value(schema or {"type": "object"}, user_text)
        digest = hashlib.sha256(seed + b":" + str(index).encode()).hexdigest()
        calls.append(
            ToolCall("call_" + digest[:24], str(tool["name"]), json.dumps(arguments))
        )
    return tuple(calls)
