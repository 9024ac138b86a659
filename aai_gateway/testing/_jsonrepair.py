"""The `json-repair` post-processing step (spec section 3.8), written for the emulator.

`repair_json` takes the first JSON object or array in a text and fixes the
common faults a model makes: code fences, single-quoted strings, unquoted keys,
trailing commas, Python's `True`/`False`/`None`, raw newlines inside strings and
unclosed brackets or strings. Text before the JSON and after its end is dropped.
Valid JSON is returned unchanged; what cannot be repaired gives `None`.
"""

from __future__ import annotations

import json

_WORDS = {
    "true": "true",
    "false": "false",
    "null": "null",
    "True": "true",
    "False": "false",
    "None": "null",
}
_CLOSERS = {"{": "}", "[": "]"}
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def repair_json(text: str) -> str | None:
    """The repaired JSON text, or `None` when there is none to repair."""
    try:
        json.loads(text)
    except ValueError:
        pass
    else:
        return text
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if not starts:
        return None
    rebuilt = _Repairer(text[min(starts) :]).run()
    try:
        return json.dumps(json.loads(rebuilt))
    except ValueError:
        return None


class _Repairer:
    """A one-pass rewriter over the characters of a JSON-like text."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._out: list[str] = []
        self._stack: list[str] = []
        self._comma = False

    def run(self) -> str:
        while self._pos < len(self._text):
            if self._step():
                break
        self._out.extend(_CLOSERS[opener] for opener in reversed(self._stack))
        return "".join(self._out)

    def _emit(self, token: str) -> None:
        if self._comma and token not in ("}", "]"):
            self._out.append(",")
        self._comma = False
        self._out.append(token)

    def _step(self) -> bool:
        """Consume one token; `True` once the top-level value has closed."""
        char = self._text[self._pos]
        if char == "`":  # a closing code fence ends the JSON
            return True
        if char in "\"'":
            self._emit(self._string(char))
        elif char in "{[":
            self._stack.append(char)
            self._emit(char)
            self._pos += 1
        elif char in "}]":
            self._pos += 1
            if self._stack:
                self._stack.pop()
            self._emit(char)
            return not self._stack
        elif char == ",":
            self._comma = True
            self._pos += 1
        elif char.isalpha() or char in "_$":
            self._emit(self._word())
        elif char.isdigit() or char in "-+.":
            self._emit(self._number())
        else:
            self._other(char)
        return False

    def _other(self, char: str) -> None:
        if char.isspace():
            self._out.append(char)
        else:
            self._emit(char)
        self._pos += 1

    def _string(self, quote: str) -> str:
        chars = ['"']
        self._pos += 1
        while self._pos < len(self._text):
            char = self._text[self._pos]
            self._pos += 1
            if char == "\\" and self._pos < len(self._text):
                escaped = self._text[self._pos]
                self._pos += 1
                chars.append(escaped if escaped == "'" else "\\" + escaped)
            elif char == quote:
                break
            elif char == '"':
                chars.append('\\"')
            else:
                chars.append(_ESCAPES.get(char, char))
        chars.append('"')
        return "".join(chars)

    def _number(self) -> str:
        end = self._pos
        while end < len(self._text) and self._text[end] in "0123456789+-.eE":
            end += 1
        number = self._text[self._pos : end]
        self._pos = end
        return number

    def _word(self) -> str:
        end = self._pos
        while end < len(self._text) and (
            self._text[end].isalnum() or self._text[end] in "_$-"
        ):
            end += 1
        word = self._text[self._pos : end]
        self._pos = end
        return _WORDS.get(word, json.dumps(word))
