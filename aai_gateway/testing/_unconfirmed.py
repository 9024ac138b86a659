"""Request forms no source settles (spec section 16), each one a named switch.

Every rule has two readings. `strict` refuses the unconfirmed form with a 400 that
says the form is not documented, so code that passes under `strict` works whichever
way the live gateway turns out to behave. `lenient` accepts the form and says what
the emulator then does with it. The emulator starts `strict` for every rule;
`GatewayEmulator(unconfirmed=...)` turns rules to `lenient` one by one or all at
once.

Some questions are settled by evidence rather than left open; `SETTLED_RULES`
records them (they are not switches).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

Reading = Literal["strict", "lenient"]
"""How the emulator reads an unconfirmed request form."""

READINGS: tuple[Reading, ...] = ("strict", "lenient")


@dataclass(frozen=True)
class UnconfirmedRule:
    """One open question about the gateway and the emulator's two readings of it.

    Attributes:
        name: The switch's name (snake_case), as `unconfirmed=` takes it.
        question: What no source settles.
        strict: What the emulator does under `strict` (it refuses the form).
        lenient: What the emulator does under `lenient` (it accepts the form).
        section: The section of the wire specification that leaves it open.
    """

    name: str
    question: str
    strict: str
    lenient: str
    section: str


@dataclass(frozen=True)
class SettledRule:
    """A question the evidence settles: the emulator behaves one way, always.

    Attributes:
        name: A short snake_case name.
        question: The question.
        behaviour: What the emulator does under either reading.
        evidence: Where the answer comes from.
    """

    name: str
    question: str
    behaviour: str
    evidence: str


_RULES = (
    UnconfirmedRule(
        "tool_choice_required",
        'Is `tool_choice: "required"` accepted? The enum lists only `none` and `auto`.',
        '400 `tool_choice "required" is not documented ...`',
        "accepted: the model must call a tool (the first tool unless one is mentioned)",
        "3.1, 3.5, 16.2",
    ),
    UnconfirmedRule(
        "max_completion_tokens",
        "Is `max_completion_tokens` accepted in place of `max_tokens`?",
        "400 `max_completion_tokens is not documented ...`",
        "treated as `max_tokens` (gated, range-checked and echoed as `max_tokens`); "
        "sending both is still a 400",
        "3.1, 11, 16.2",
    ),
    UnconfirmedRule(
        "parallel_tool_calls_on_claude",
        "Do Claude models take `parallel_tool_calls`, which their catalogue entries "
        "do not list?",
        "400 `model X does not support parallel_tool_calls ...`",
        "accepted on Claude models (`false` makes the model call one tool)",
        "3.1, 3.12, 16.2",
    ),
    UnconfirmedRule(
        "developer_role",
        "Is OpenAI's `developer` message role accepted?",
        "400 `messages[i] role developer is not documented ...`",
        "treated as `system`",
        "3.2, 16.2",
    ),
    UnconfirmedRule(
        "response_format_json_object",
        'Is `response_format: {"type": "json_object"}` accepted? The enum lists only '
        "`json_schema`.",
        "400 `response_format type json_object is not documented ...`",
        "accepted where the model takes `response_format`; the answer is the "
        "scripted model's usual answer",
        "3.1, 3.6, 16.2",
    ),
    UnconfirmedRule(
        "prompt_with_messages",
        "Is sending both `prompt` and `messages` an error, or does one win?",
        "400 `only one of messages or prompt may be set ...`",
        "accepted: the prompt becomes a last user message after `messages`",
        "3.1, 3.3, 16.1",
    ),
    UnconfirmedRule(
        "image_url_parts",
        "What does the gateway do with `image_url` content parts?",
        "400 `content part type image_url is not supported` (the spec's "
        "recommendation)",
        "accepted and ignored: the parts are dropped before the model runs",
        "3.2, 16.3",
    ),
    UnconfirmedRule(
        "transcript_tag_in_prompt",
        "Is `{{ transcript }}` substituted inside `prompt` (not only `messages`)?",
        "400 when `transcript_id` is set and `prompt` holds the tag",
        "substituted: the prompt counts as a user message",
        "3.4",
    ),
    UnconfirmedRule(
        "transcript_tag_in_content_parts",
        "Is `{{ transcript }}` substituted inside a content-part array?",
        "400 when `transcript_id` is set and the first message with the tag has it "
        "in a content part",
        "substituted in the text part, like string content",
        "3.4",
    ),
    UnconfirmedRule(
        "null_values",
        "Is a field sent as JSON `null` treated as absent? The vendor schema types "
        "no field as nullable.",
        "400 `X is null ...` (except an assistant `content` beside `tool_calls`, "
        "which is documented)",
        "treated as absent: not gated, not checked, not echoed",
        "3.1, 3.12",
    ),
    UnconfirmedRule(
        "transcript_without_speech_models",
        "May `POST /v2/transcript` leave out `speech_models`? The vendor file "
        "requires it; a live capture (September 2026, third party) answered 200 "
        "without it.",
        "400 `a transcript request without speech_models is not documented ...`",
        'accepted: the transcript reports `["universal-3-5-pro", "universal-2"]`, '
        "as in the live capture",
        "12.4",
    ),
)

UNCONFIRMED_RULES: Mapping[str, UnconfirmedRule] = MappingProxyType(
    {rule.name: rule for rule in _RULES}
)
"""The emulator's switches for unconfirmed request forms, by name."""

SETTLED_RULES: tuple[SettledRule, ...] = (
    SettledRule(
        "stream_false",
        "Does `stream: false` count as using `stream` on a model that cannot stream "
        "(`gpt-oss-*`)?",
        "no: `stream: false` is never gated; `stream: true` is",
        "[SDK-1.8.2] always sends `stream: false` (spec section 13)",
    ),
    SettledRule(
        "sdk_extension_fields",
        "Are `fail_fast` and `max_timeout` model parameters?",
        "no: gateway extension fields, never gated; `fail_fast` must be a boolean, "
        "`max_timeout` a non-negative number",
        "[SDK-1.8.2] typed `create()` arguments (spec section 13)",
    ),
    SettledRule(
        "zero_data_retention",
        "Is `zero_data_retention` a model parameter?",
        "no: never gated; it must be a boolean; it changes nothing",
        "[SDK] `create()` docstring (spec section 3.1)",
    ),
    SettledRule(
        "message_thinking",
        "Is `thinking` accepted on messages?",
        "yes, as a string; the scripted model ignores it",
        "[SDK] message params (spec sections 3.2, 13)",
    ),
)
"""Questions evidence settles: one behaviour under either reading."""


@dataclass(frozen=True)
class Profile:
    """The reading of every unconfirmed rule, resolved from `unconfirmed=`."""

    readings: Mapping[str, Reading]

    def lenient(self, rule: str) -> bool:
        """Whether `rule` is read leniently (a `KeyError` names an unknown rule)."""
        return self.readings[rule] == "lenient"


def _valid_names() -> str:
    return ", ".join(UNCONFIRMED_RULES)


def _check_reading(where: str, value: Any) -> Reading:
    if value == "strict" or value == "lenient":
        return "strict" if value == "strict" else "lenient"
    msg = f"{where} must be 'strict' or 'lenient', got {value!r}"
    raise ValueError(msg)


def resolve_profile(unconfirmed: Any) -> Profile:
    """The readings `unconfirmed=` asks for.

    Args:
        unconfirmed: `"strict"` or `"lenient"` for every rule, or a mapping
            `{rule_name: "strict" | "lenient"}`; rules it does not name stay strict.

    Raises:
        ValueError: an unknown rule name or reading (the message lists the rules).
    """
    if isinstance(unconfirmed, str):
        reading = _check_reading("`unconfirmed`", unconfirmed)
        return Profile(MappingProxyType(dict.fromkeys(UNCONFIRMED_RULES, reading)))
    if not isinstance(unconfirmed, Mapping):
        msg = (
            "`unconfirmed` must be 'strict', 'lenient' or a mapping of rule names "
            f"to those, got {unconfirmed!r}"
        )
        raise ValueError(msg)
    readings: dict[str, Reading] = dict.fromkeys(UNCONFIRMED_RULES, "strict")
    for name, value in unconfirmed.items():
        if name not in UNCONFIRMED_RULES:
            msg = (
                f"`unconfirmed` names an unknown rule {name!r}; "
                f"valid rules: {_valid_names()}"
            )
            raise ValueError(msg)
        readings[name] = _check_reading(f"`unconfirmed[{name!r}]`", value)
    return Profile(MappingProxyType(readings))


STRICT = resolve_profile("strict")
"""Every rule strict: the emulator's default."""

LENIENT = resolve_profile("lenient")
"""Every rule lenient."""


def not_documented(rule: str, what: str) -> str:
    """The 400 message for an unconfirmed form refused under `strict`."""
    return f"{what} is not documented (unconfirmed rule {rule} is strict)"


def read_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """A valid request as the emulator runs it: the lenient readings applied.

    Under `strict` a valid request holds none of the unconfirmed forms, so this
    only matters for rules read leniently: `null` fields are dropped,
    `max_completion_tokens` becomes `max_tokens`, `developer` messages become
    `system` ones, `image_url` parts are dropped, and a `prompt` sent beside
    `messages` becomes a last user message. The input is not mutated.

    Args:
        request: The request after validation (and after fallback overrides).
    """
    result = {key: value for key, value in request.items() if value is not None}
    if "max_completion_tokens" in result:
        tokens = result.pop("max_completion_tokens")
        result.setdefault("max_tokens", tokens)
    messages = result.get("messages")
    if isinstance(messages, list):
        result["messages"] = [_read_message(m) for m in messages]
        if "prompt" in result:
            prompt = {"role": "user", "content": result.pop("prompt")}
            result["messages"].append(prompt)
    return result


def _read_message(message: Any) -> Any:
    if not isinstance(message, Mapping):
        return message
    result = {k: v for k, v in message.items() if v is not None or k == "content"}
    if result.get("role") == "developer":
        result["role"] = "system"
    content = result.get("content")
    if isinstance(content, list):
        result["content"] = [
            part
            for part in content
            if not (isinstance(part, Mapping) and part.get("type") == "image_url")
        ]
    return result
