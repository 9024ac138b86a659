"""The emulator's pure helpers: json-repair, schema values, subtitles, the scripted model."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aai_gateway.testing._jsonrepair import repair_json
from aai_gateway.testing._model import answer, input_tokens, split_words
from aai_gateway.testing._schema_values import generate_value
from aai_gateway.testing._subtitles import build_captions, build_srt, build_vtt
from aai_gateway.testing._transcripts import build_transcript, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ("{a: 1, b: 'two',}", {"a": 1, "b": "two"}),
        ("[1, 2, 3,]", [1, 2, 3]),
        ("prefix {'k': [true, False, None]} suffix", {"k": [True, False, None]}),
        ('{"text": "line\nbreak"}', {"text": "line\nbreak"}),
        ('{"a": {"b": [1, {"c": 2', {"a": {"b": [1, {"c": 2}]}}),
        ('{"s": "unterminated', {"s": "unterminated"}),
        ("{'it\\'s': 'say \"hi\"'}", {"it's": 'say "hi"'}),
        ('{"n": -1.5e-3}', {"n": -0.0015}),
        ('```json\n{"a": 1,}\n```', {"a": 1}),
    ],
)
def test_repair_json(text: str, expected: Any) -> None:
    repaired = repair_json(text)
    assert repaired is not None
    assert json.loads(repaired) == expected


def test_valid_json_is_returned_unchanged() -> None:
    assert repair_json('{"a":1}') == '{"a":1}'


@pytest.mark.parametrize("text", ["", "plain words", '{"a": }', "{:}"])
def test_unrepairable(text: str) -> None:
    assert repair_json(text) is None


@pytest.mark.parametrize(
    ("schema", "text", "expected"),
    [
        ({"type": "integer"}, "no numbers", 3),
        ({"type": "integer"}, "take 42 then 7", 42),
        ({"type": "number"}, "2.5 please", 2.5),
        ({"type": "integer", "minimum": 10, "maximum": 20}, "5", 10),
        ({"type": "integer", "maximum": 20}, "50", 20),
        ({"type": "string"}, "no quotes", "value"),
        ({"type": "string"}, "it's 'quoted' here", "quoted"),
        ({"type": "boolean"}, "", True),
        ({"type": "null"}, "", None),
        ({"enum": ["x", "y"]}, "", "x"),
        ({"const": 5}, "", 5),
        ({"type": ["null", "integer"]}, "8", 8),
        ({"oneOf": [{"type": "null"}, {"type": "boolean"}]}, "", True),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 2}, "1 2", [1, 2]),
        ({"type": "array"}, "", ["value"]),
        ({"type": "object"}, "", {}),
        ({"type": "string", "format": "email"}, "", "user@example.com"),
        ({"properties": {"a": {"type": "integer"}}}, "", {"a": 3}),
        (
            {
                "allOf": [
                    {"properties": {"a": {"type": "integer"}}},
                    {"properties": {"b": {"type": "boolean"}}},
                ]
            },
            "",
            {"a": 3, "b": True},
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                "required": ["b"],
            },
            '"first"',
            {"b": "first"},
        ),
    ],
)
def test_generate_value(schema: dict[str, Any], text: str, expected: Any) -> None:
    assert generate_value(schema, text) == expected


def test_refs_and_recursion_are_bounded() -> None:
    schema = {
        "$ref": "#/definitions/Node",
        "definitions": {
            "Node": {
                "type": "object",
                "properties": {
                    "child": {"$ref": "#/definitions/Node"},
                    "name": {"type": "string"},
                },
                "required": ["child", "name"],
            }
        },
    }
    value = generate_value(schema, "")
    depth = 0
    while isinstance(value, dict):
        value, depth = value["child"], depth + 1
    assert 1 < depth < 12
    assert generate_value({"$ref": "#/nowhere"}, "", "fallback") == "fallback"


def test_split_words_round_trips() -> None:
    text = "  Echo:  a\tb \n c  "
    assert "".join(split_words(text)) == text
    assert split_words("a b") == ["a", " b"]


def test_input_tokens_counts_text_and_tool_arguments() -> None:
    messages = [
        {"role": "user", "content": "one two"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"function": {"arguments": '{"a": 1}'}}],
        },
        {"role": "user", "content": [{"type": "text", "text": "three"}]},
    ]
    assert input_tokens(messages) == 5
    assert input_tokens([]) == 1


def test_answer_is_pure() -> None:
    request = {"model": "gpt-5", "messages": [{"role": "user", "content": "hi"}]}
    frozen = json.dumps(request)
    first = answer(request, request["messages"], b"seed")
    assert first == answer(request, request["messages"], b"seed")
    assert json.dumps(request) == frozen
    assert first.content == "Echo: hi"
    assert first.output_tokens == 2


def test_sentences_split_after_end_marks() -> None:
    words = [{"text": t} for t in ["Hi.", "How", "are", "you?", "Fine!", "ok"]]
    assert [[w["text"] for w in s] for s in split_sentences(words)] == [
        ["Hi."],
        ["How", "are", "you?"],
        ["Fine!"],
        ["ok"],
    ]


def test_captions_respect_length_and_speaker() -> None:
    transcript = build_transcript("t", [("A", "one two three four"), ("B", "five")])
    captions = build_captions(transcript["words"], chars_per_caption=9)
    assert [c[2] for c in captions] == ["one two", "three", "four", "five"]
    srt = build_srt(captions)
    assert srt.startswith("1\n00:00:00,320 --> ")
    assert "\n\n4\n" in srt
    vtt = build_vtt([(3_723_004, 3_724_000, "late")])
    assert vtt == "WEBVTT\n\n01:02:03.004 --> 01:02:04.000\nlate\n"


def test_transcript_without_utterances() -> None:
    transcript = build_transcript("t", [], status="completed")
    assert transcript["text"] is None
    assert transcript["status"] == "completed"
