"""Speaker names and translations added to transcript documents."""

from __future__ import annotations

import pytest

from aai_gateway._transcripts._documents import build_documents
from aai_gateway._transcripts._enrich import (
    check_enrichment,
    name_speakers,
    translated_documents,
)
from aai_gateway._transcripts._rest_types import Transcript, TranscriptSegment
from aai_gateway._transcripts._understanding import (
    UnderstandingResult,
    UnderstoodUtterance,
)

UTTERANCES = (
    TranscriptSegment("Hello.", 0, 900, 0.9, "A"),
    TranscriptSegment("Hi.", 1000, 1500, 0.9, "B"),
)
MEETING = Transcript(
    id="t", status="completed", text="Hello. Hi.", utterances=UTTERANCES
)
RESULT = UnderstandingResult(
    statuses={"speaker_identification": "success", "translation": "success"},
    speaker_mapping={"A": "Dana"},
    translated_texts={"es": "Hola. Hola."},
    utterances=(
        UnderstoodUtterance("Hello.", "Dana", 0, 900, {"es": "Hola."}),
        UnderstoodUtterance("Hi.", "B", 1000, 1500, {"es": "Hola."}),
    ),
)


def test_speaker_names_lead_the_text_and_labels_stay() -> None:
    named = name_speakers(
        build_documents(MEETING, "utterances"), RESULT.speaker_mapping
    )
    assert [d.text for d in named] == ["Dana: Hello.", "Hi."]
    assert named[0].metadata["speaker"] == "A"
    assert named[0].metadata["speaker_name"] == "Dana"
    assert "speaker_name" not in named[1].metadata


def test_translations_per_utterance_and_whole_text() -> None:
    utterances = name_speakers(
        build_documents(MEETING, "utterances"), RESULT.speaker_mapping
    )
    extra = translated_documents(utterances, RESULT, ["es"])
    assert [(d.id, d.text, d.metadata["language"]) for d in extra] == [
        ("t:utterances:es:0", "Dana: Hola.", "es"),
        ("t:utterances:es:1", "Hola.", "es"),
    ]
    (whole,) = translated_documents(build_documents(MEETING, "text"), RESULT, ["es"])
    assert (whole.id, whole.text) == ("t:text:es:0", "Hola. Hola.")
    assert translated_documents(utterances, RESULT, ["fr"]) == []


@pytest.mark.parametrize(
    ("mode", "identify", "languages", "match"),
    [
        ("paragraphs", True, [], "identify_speakers"),
        ("sentences", False, ["es"], "translate_to"),
        ("utterances", False, "es", "language codes"),
    ],
)
def test_options_the_mode_cannot_use(
    mode: str, identify: bool, languages: list[str], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        check_enrichment(mode, identify, languages)
