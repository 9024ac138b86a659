"""Speaker names and translations from Speech Understanding, added to transcript documents.

Pure functions over `TranscriptDocument`s and an `UnderstandingResult`, shared by
the LangChain loader and the LlamaIndex reader through `TranscriptDocumentLoader`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from aai_gateway._transcripts._documents import TranscriptDocument
from aai_gateway._transcripts._understanding import (
    Translation,
    UnderstandingResult,
    build_understanding_request,
)

SPEAKER_MODES = frozenset({"utterances", "sentences"})
TRANSLATION_MODES = frozenset({"utterances", "text"})


def check_enrichment(
    mode: str, identify_speakers: bool, translate_to: Sequence[str]
) -> None:
    """Refuse an option the mode cannot use, before anything is sent.

    Raises:
        ValueError: speaker names outside `utterances`/`sentences`, or
            translations outside `utterances`/`text`.
    """
    if identify_speakers and mode not in SPEAKER_MODES:
        msg = f"`identify_speakers` works in 'utterances' and 'sentences' modes, not {mode!r}"
        raise ValueError(msg)
    if translate_to and mode not in TRANSLATION_MODES:
        msg = f"`translate_to` works in 'utterances' and 'text' modes, not {mode!r}"
        raise ValueError(msg)
    if isinstance(translate_to, str) or not all(
        isinstance(x, str) and x for x in translate_to
    ):
        msg = "`translate_to` must be a list of language codes such as ['es']"
        raise ValueError(msg)


def name_speakers(
    documents: Sequence[TranscriptDocument], mapping: Mapping[str, str] | None
) -> list[TranscriptDocument]:
    """Add `speaker_name` and start each text with the name ("Dana: ...").

    The original label stays in `speaker`; a label the mapping lacks is left alone.
    """
    named = []
    for document in documents:
        label = document.metadata.get("speaker")
        name = (mapping or {}).get(label) if isinstance(label, str) else None
        if name is None:
            named.append(document)
            continue
        metadata = {**document.metadata, "speaker_name": name}
        named.append(
            replace(document, text=f"{name}: {document.text}", metadata=metadata)
        )
    return named


def translated_documents(
    documents: Sequence[TranscriptDocument],
    result: UnderstandingResult,
    languages: Sequence[str],
) -> list[TranscriptDocument]:
    """One extra document per language: per utterance, or the whole text in `text` mode.

    Ids carry the language (`{transcript_id}:{mode}:{language}:{index}`), so they stay
    stable across loads.
    """
    extra: list[TranscriptDocument] = []
    for language in languages:
        for position, document in enumerate(documents):
            text = _translation(document, position, result, language)
            if text is None:
                continue
            transcript_id, mode = (
                document.metadata["transcript_id"],
                document.metadata["mode"],
            )
            metadata = {**document.metadata, "language": language}
            speaker_name = metadata.get("speaker_name")
            body = f"{speaker_name}: {text}" if speaker_name else text
            doc_id = f"{transcript_id}:{mode}:{language}:{document.metadata['index']}"
            extra.append(TranscriptDocument(id=doc_id, text=body, metadata=metadata))
    return extra


def _translation(
    document: TranscriptDocument,
    position: int,
    result: UnderstandingResult,
    language: str,
) -> str | None:
    if document.metadata.get("mode") == "text":
        return result.translated_texts.get(language)
    if position < len(result.utterances):
        return result.utterances[position].translated_texts.get(language)
    return None


def understanding_tasks(
    mode: str, identify_speakers: object, translate_to: Sequence[str]
) -> dict[str, Any]:
    """The Speech Understanding tasks a loader's options ask for (none: `{}`), checked.

    Raises:
        ValueError: an option the mode cannot use, or a task the service would refuse.
    """
    languages = list(translate_to or ())
    check_enrichment(mode, identify_speakers is not None, languages)
    tasks: dict[str, Any] = {}
    if identify_speakers is not None:
        tasks["speaker_identification"] = identify_speakers
    if languages:
        # Per-utterance translations need the service to keep utterance boundaries.
        tasks["translation"] = Translation(
            languages, match_original_utterance=mode == "utterances" or None
        )
    if tasks:
        build_understanding_request("check", **tasks)
    return tasks


def enrich_documents(
    documents: Sequence[TranscriptDocument],
    result: UnderstandingResult,
    tasks: Mapping[str, Any],
) -> list[TranscriptDocument]:
    """Names first (so translated documents carry them too), then translations."""
    named = (
        name_speakers(documents, result.speaker_mapping)
        if "speaker_identification" in tasks
        else list(documents)
    )
    translation = tasks.get("translation")
    if translation is None:
        return named
    return named + translated_documents(
        named, result, list(translation.target_languages)
    )
