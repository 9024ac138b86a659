"""`POST /v2/transcript` bodies, checked against the vendor's `TranscriptParams`.

Every field the vendor file lists is checked for its type, range and enum; any
other field is refused (the schema is closed). `null` is accepted where the file
types a field as nullable, and for `summary_model` and `summary_type`, which the
vendor's own example sends as `null`; a `null` field counts as absent. The first
problem found answers 400 `{"error": ...}`, in the body's field order after the
`audio_url` check (live: `{}` answers `Transcript creation error, audio_url not
found`).

Beyond the file: a non-null `speech_model` answers the live deprecation error
(observed by several third parties since March 2026); `speech_models` must name
supported models (the file leaves `SpeechModel` an open string; these are the
names seen live); a `language_code` must be one the file's enum lists (the docs'
"Unsupported language code" error); `speech_understanding.request` holds exactly
one task (the file's `oneOf`). Whether `speech_models` may be left out is
unconfirmed rule `transcript_without_speech_models`: the file requires it, a live
capture of September 2026 (third party) answered 200 without it and reported
`["universal-3-5-pro", "universal-2"]`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from aai_gateway.testing._unconfirmed import Profile, not_documented
from aai_gateway.testing._understanding import validate_understanding

Check = Callable[[str, Any], str | None]
"""A field check: `(name, value) -> the error message, or None`."""

SPEECH_MODELS = ("universal-3-5-pro", "universal-3-pro", "universal-2")
"""The speech models a transcript request may name."""
DEFAULT_SPEECH_MODELS = ("universal-3-5-pro", "universal-2")
"""What a request without `speech_models` gets, under the lenient reading."""
NO_AUDIO_URL = "Transcript creation error, audio_url not found"
SPEECH_MODEL_DEPRECATED = (
    'speech_model is deprecated. Use "speech_models" instead. See documentation: '
    "https://www.assemblyai.com/docs/pre-recorded-audio/select-the-speech-model"
)
SPEECH_MODELS_RULE = "transcript_without_speech_models"


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


LANGUAGE_CODES = _names(
    """
    en en_au en_uk en_us es fr de it pt nl af sq am ar hy as az ba eu be bn bs
    br bg my ca zh hr cs da et fo fi gl ka el gu ht ha haw he hi hu is id ja jw
    kn kk km ko lo la lv ln lt lb mk mg ms ml mt mi mr mn ne no nn oc pa ps fa
    pl ro ru sa sr sn sd si sk sl so su sw sv tl tg ta tt te th bo tr tk uk ur
    uz vi cy yi yo
    """
)
"""`TranscriptLanguageCode` in the vendor file (102 codes)."""

PII_POLICIES = _names(
    """
    account_number banking_information blood_type credit_card_cvv
    credit_card_expiration credit_card_number date date_interval date_of_birth
    drivers_license drug duration email_address event filename gender_sexuality
    healthcare_number injury ip_address language location marital_status
    medical_condition medical_process money_amount nationality number_sequence
    occupation organization passport_number password person_age person_name
    phone_number physical_attribute political_affiliation religion statistics
    time url us_social_security_number username vehicle_id zodiac_sign
    """
)
"""`PiiPolicy` in the vendor file (44 policies)."""

_TASKS = ("translation", "speaker_identification", "custom_formatting")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    if _is_int(value):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _boolean(name: str, value: Any) -> str | None:
    return None if isinstance(value, bool) else f"{name} must be a Boolean"


def _integer(name: str, value: Any) -> str | None:
    return None if _is_int(value) else f"{name} must be an Integer"


def _string(name: str, value: Any) -> str | None:
    return None if isinstance(value, str) else f"{name} must be a String"


def _strings(name: str, value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return None
    return f"{name} must be an Array of Strings"


def _between(low: int, high: int, *, integer: bool = False) -> Check:
    kind = "an Integer" if integer else "a Number"

    def check(name: str, value: Any) -> str | None:
        typed = _is_int(value) if integer else _is_number(value)
        if typed and low <= value <= high:
            return None
        return f"{name} must be {kind} between {low} and {high}"

    return check


def _one_of(*choices: str) -> Check:
    def check(name: str, value: Any) -> str | None:
        if isinstance(value, str) and value in choices:
            return None
        return f"{name} must be one of {', '.join(choices)}"

    return check


def _url(name: str, value: Any) -> str | None:
    if isinstance(value, str):
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and parts.netloc:
            return None
    return f"{name} must be an http or https URL"


def _language_code(name: str, value: Any) -> str | None:
    if isinstance(value, str) and value in LANGUAGE_CODES:
        return None
    return f"{name} is not a supported language code"


def _language_codes(name: str, value: Any) -> str | None:
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v in LANGUAGE_CODES for v in value
    ):
        return f"{name} must be an Array of supported language codes"
    return None if "en" in value else f"{name} must include en"


def _pii_policies(name: str, value: Any) -> str | None:
    if isinstance(value, list) and all(
        isinstance(v, str) and v in PII_POLICIES for v in value
    ):
        return None
    return f"{name} must be an Array of PII policies"


def _speech_models(name: str, value: Any) -> str | None:
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, str) and v in SPEECH_MODELS for v in value)
    ):
        return None
    supported = ", ".join(SPEECH_MODELS)
    return f"{name} must be a non-empty Array of supported models ({supported})"


def _speech_model(name: str, value: Any) -> str | None:
    return SPEECH_MODEL_DEPRECATED


def _object(fields: Mapping[str, Check], required: Sequence[str] = ()) -> Check:
    """An object with only `fields`, each checked, and the `required` ones present."""

    def check(name: str, value: Any) -> str | None:
        if not isinstance(value, dict):
            return f"{name} must be an Object"
        for key in required:
            if key not in value:
                return f"{name}.{key} is required"
        for key, item in value.items():
            field_check = fields.get(key)
            if field_check is None:
                return f"{name}.{key} is not a known parameter"
            error = field_check(f"{name}.{key}", item)
            if error is not None:
                return error
        return None

    return check


def _array_of(item_check: Check) -> Check:
    def check(name: str, value: Any) -> str | None:
        if not isinstance(value, list):
            return f"{name} must be an Array"
        for index, item in enumerate(value):
            error = item_check(f"{name}[{index}]", item)
            if error is not None:
                return error
        return None

    return check


_speaker_range = _object(
    {"min_speakers_expected": _integer, "max_speakers_expected": _integer}
)


def _speaker_options(name: str, value: Any) -> str | None:
    error = _speaker_range(name, value)
    if error is None:
        low = value.get("min_speakers_expected", 1)
        high = value.get("max_speakers_expected", low)
        if low > high:
            return f"{name}.min_speakers_expected must not exceed max_speakers_expected"
    return error


def _speech_understanding(name: str, value: Any) -> str | None:
    if not isinstance(value, dict) or "request" not in value:
        return f"{name} must be an Object with a request"
    request = value["request"]
    tasks = [t for t in _TASKS if isinstance(request, dict) and t in request]
    if len(tasks) != 1:
        return f"{name}.request must hold exactly one of {', '.join(_TASKS)}"
    task = {tasks[0]: request[tasks[0]]}
    errors = validate_understanding(
        {"speech_understanding": {"request": task}}, require_transcript=False
    )
    return errors[0] if errors else None


_CHECKS: dict[str, Check] = {
    "audio_url": _url,
    "audio_end_at": _integer,
    "audio_start_from": _integer,
    "content_safety_confidence": _between(25, 100, integer=True),
    "custom_spelling": _array_of(
        _object({"from": _strings, "to": _string}, required=("from", "to"))
    ),
    "keyterms_prompt": _strings,
    "language_code": _language_code,
    "language_codes": _language_codes,
    "language_confidence_threshold": _between(0, 1),
    "language_detection_options": _object(
        {
            "expected_languages": _strings,
            "fallback_language": _string,
            "code_switching": _boolean,
            "code_switching_confidence_threshold": _between(0, 1),
        }
    ),
    "prompt": _string,
    "redact_pii_audio_options": _object(
        {
            "return_redacted_no_speech_audio": _boolean,
            "override_audio_redaction_method": _one_of("silence"),
        }
    ),
    "redact_pii_audio_quality": _one_of("mp3", "wav"),
    "redact_pii_policies": _pii_policies,
    "redact_pii_sub": _one_of("entity_name", "hash"),
    "speaker_options": _speaker_options,
    "speakers_expected": _integer,
    "speech_models": _speech_models,
    "speech_threshold": _between(0, 1),
    "speech_understanding": _speech_understanding,
    "summary_model": _one_of("informative", "conversational", "catchy"),
    "summary_type": _one_of(
        "bullets", "bullets_verbose", "gist", "headline", "paragraph"
    ),
    "remove_audio_tags": _one_of("all"),
    "temperature": _between(0, 1),
    "webhook_auth_header_name": _string,
    "webhook_auth_header_value": _string,
    "webhook_url": _url,
    "speech_model": _speech_model,
    "topics": _strings,
}
_BOOLEANS = _names(
    """
    auto_chapters auto_highlights content_safety disfluencies entity_detection
    filter_profanity format_text iab_categories language_detection multichannel
    punctuate redact_pii redact_pii_audio sentiment_analysis speaker_labels
    summarization custom_topics
    """
)
_CHECKS.update(dict.fromkeys(sorted(_BOOLEANS), _boolean))
_NULLABLE = _names(
    """
    language_code language_codes speakers_expected speech_threshold
    webhook_auth_header_name webhook_auth_header_value redact_pii_sub
    remove_audio_tags speech_model summary_model summary_type
    """
)
PARAMETERS = frozenset(_CHECKS)
"""Every field a transcript request may carry."""


def check_transcript_params(body: Any, profile: Profile) -> str | None:
    """The first reason `body` is not a valid transcript request, or `None`.

    Args:
        body: The parsed JSON body.
        profile: The emulator's readings of the unconfirmed rules.
    """
    if not isinstance(body, dict):
        return "Request body must be a JSON object"
    if body.get("audio_url") is None:
        return NO_AUDIO_URL
    for name, value in body.items():
        check = _CHECKS.get(name)
        if check is None:
            return f"{name} is not a known parameter"
        if value is None and name in _NULLABLE:
            continue
        error = check(name, value)
        if error is not None:
            return error
    if "speech_models" not in body and not profile.lenient(SPEECH_MODELS_RULE):
        return not_documented(
            SPEECH_MODELS_RULE, "a transcript request without speech_models"
        )
    return None


def read_params(body: Mapping[str, Any]) -> dict[str, Any]:
    """A valid request as the emulator runs it: `null` fields dropped, defaults in."""
    params = {name: value for name, value in body.items() if value is not None}
    params.setdefault("speech_models", list(DEFAULT_SPEECH_MODELS))
    return params
