"""The emulator fuzzed by schemathesis against both vendor OpenAPI files (spec 6, 12, 15).

Every operation the emulator serves is generated from the vendor's own schema,
valid and invalid (schemathesis' default modes, coverage phase on), and sent to
the in-process ASGI app with the key `test-key`. No answer may be a 5xx, and its
status, content type and body must be ones the vendor file documents.

Where the file and the recorded live behaviour disagree, the in-memory copy of
the file is amended: one entry per disagreement in `VENDOR_EXCEPTIONS`, with its
`gateway-spec.md` section and grading, and a probe request that shows the
disagreement (`test_vendor_exception_is_still_needed` fails once an amendment is
no longer needed; an amendment of a request schema has instead a `witness` body
that the file rejects and the amended schema accepts). Every check stays on.
Transcripts created through `POST /v2/transcript` are also followed through their
life (queued, completed with and without speaker labels, failed, deleted), each
answer checked against the file. The files are read from
`tests.contract.VENDOR_DIR`, never copied; without them the module is skipped at
collection and nothing is loaded.

Run it: `python -m pytest tests/testing/test_schemathesis.py -p no:randomly`
("Fuzzing against the vendor schema" in `docs/testing.md`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jsonschema
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup

from aai_gateway.testing import MEETING_AUDIO_URLS, MEETING_IDS, GatewayEmulator
from tests.contract import (
    LATER_ADDITIONS,
    VENDOR_DIR,
    VENDOR_FILES_MISSING_REASON,
    VENDOR_FILES_PRESENT,
    requires_vendor_files,
)

pytestmark = requires_vendor_files
if not VENDOR_FILES_PRESENT:
    # The tests below are built from the files at import; without them there is
    # nothing to build (and schemathesis fails a test with no operations).
    pytest.skip(VENDOR_FILES_MISSING_REASON, allow_module_level=True)

GATEWAY_FILE = "llm-gateway.openapi.yml"
REST_FILE = "assemblyai-rest.openapi.yml"
AUTH = {"authorization": "test-key"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Operations in the vendor files the emulator does not serve: it redacts no audio.
NOT_SERVED = ("getRedactedAudio",)
SUPPORT_CALL = MEETING_IDS["support_call"]
# Generated transcript ids are swapped, now and then, for a completed, a failed
# and a still-processing transcript, so that requests reach the handlers.
KNOWN_IDS = (
    SUPPORT_CALL,
    MEETING_IDS["failed_upload"],
    MEETING_IDS["still_processing"],
)
# Generated models are swapped, now and then, for catalogue models: streaming,
# no stream (gpt-oss), no tools or response_format (qwen fast), Gemini.
KNOWN_MODELS = ("gpt-4.1", "gpt-oss-20b", "qwen3.5-4b-32k-fast", "gemini-2.5-flash")
# The coverage phase stays on (it finds what random examples miss), without its
# probes with undeclared methods: those test Starlette's router.
CONFIG: dict[str, Any] = {"phases": {"coverage": {"unexpected-methods": []}}}
FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    # Generation from these schemas may be slow on a loaded machine; not a bug.
    suppress_health_check=[HealthCheck.too_slow],
)

# Envelope A (`code`, `message`, `request_id`) or B (auth: a string `error`).
_GATEWAY_ERROR = {
    "type": "object",
    "oneOf": [
        {"required": ["code", "message", "request_id"]},
        {"required": ["error", "status", "request_id"]},
    ],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "request_id": {"type": "string", "format": "uuid"},
        "metadata": {
            "type": "object",
            "properties": {"errors": {"type": "array", "items": {"type": "string"}}},
        },
        "error": {"type": "string"},
        "status": {"const": "error"},
    },
}
# One streamed chunk: OpenAI's `chat.completion.chunk`, as the gateway forwards it
# (the same schema the contract checks hold the emulator's chunks to).
_CHUNK = LATER_ADDITIONS["chunk"]
_SSE_DATA = {
    "anyOf": [
        {"const": "[DONE]"},
        {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": _CHUNK,
        },
    ]
}


def _replace_with(schema: Any) -> Callable[[Any], Any]:
    return lambda _: copy.deepcopy(schema)


def _add_sse(content: dict[str, Any]) -> dict[str, Any]:
    event = {"type": "object", "required": ["data"], "properties": {"data": _SSE_DATA}}
    return {**content, "text/event-stream": {"itemSchema": event}}


def _any_task(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": schema["oneOf"]}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _with_properties(**extra: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def amend(schema: dict[str, Any]) -> dict[str, Any]:
        return {**schema, "properties": {**schema["properties"], **extra}}

    return amend


@dataclass(frozen=True)
class VendorException:
    """One place where a vendor file disagrees with recorded live behaviour.

    `pointer` (a JSON pointer into `file`) is replaced by `amend(old value)`;
    `probe` is a request (method, path template, path parameters, JSON body),
    sent with `headers`, whose answer breaks the unamended file. An amended
    request schema has a `witness` instead: a body the unamended schema rejects
    and the amended one accepts.
    """

    file: str
    pointer: str
    amend: Callable[[Any], Any]
    evidence: str
    probe: tuple[str, str, Mapping[str, str], Any] | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: AUTH)
    witness: Any = None


_SCHEMAS = "/components/schemas/"
_ONE = "/v2/transcript/{transcript_id}"
_PARAMS = {"transcript_id": SUPPORT_CALL}
_SEVERAL_TASKS = {
    "transcript_id": SUPPORT_CALL,
    "speech_understanding": {
        "request": {
            "translation": {"target_languages": ["es"]},
            "custom_formatting": {"date": "mm/dd/yyyy"},
        }
    },
}


def _merge_transcript_params(schema: dict[str, Any]) -> dict[str, Any]:
    """`TranscriptParams` as one closed object: `audio_url` plus the optional params."""
    optional = _vendor_document(REST_FILE)["components"]["schemas"][
        "TranscriptOptionalParams"
    ]
    own = schema["allOf"][0]
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {**own["properties"], **optional["properties"]},
        "required": [*own["required"], *optional["required"]],
        "example": schema["example"],
    }


_NEW_TRANSCRIPT = {
    "audio_url": "https://assembly.ai/wildfires.mp3",
    "speech_models": ["universal-3-pro"],
}
VENDOR_EXCEPTIONS: dict[str, VendorException] = {
    "gateway error envelopes": VendorException(
        GATEWAY_FILE,
        _SCHEMAS + "ErrorResponse",
        _replace_with(_GATEWAY_ERROR),
        "gateway-spec.md 6.1: envelope A [DOC] OPENAPI-NEW, [OBS] (flat since June "
        "2026) and the auth envelope B [OBS] (a string `error`, which the file's "
        "nested 6.1 C [DOC-old] rejects); A or B exactly, so the check is stricter "
        "than the file's, which requires nothing at the top.",
        ("POST", "/chat/completions", {}, {"model": "gpt-4.1", "prompt": "Hi"}),
        {"authorization": "wrong-key"},
    ),
    "SSE content type": VendorException(
        GATEWAY_FILE,
        "/paths/~1chat~1completions/post/responses/200/content",
        _add_sse,
        "gateway-spec.md 5 [OBS] G7, [SDK]: `stream: true` answers "
        "`text/event-stream; charset=utf-8`, `data: <chunk>` events ending in "
        "`data: [DONE]`; the file documents JSON only.",
        (
            "POST",
            "/chat/completions",
            {},
            {"model": "gpt-4.1", "prompt": "Hi", "stream": True},
        ),
    ),
    "understanding tasks together": VendorException(
        GATEWAY_FILE,
        "/paths/~1understanding/post/responses/200/content/application~1json/schema",
        _any_task,
        "gateway-spec.md 9 [DOC] llm-gateway.yml, [OBS] A5: several tasks can go in "
        "one request; the answer's `oneOf` of the three task answers rejects the "
        "file's own `complete_response` example, which holds all three.",
        ("POST", "/understanding", {}, _SEVERAL_TASKS),
    ),
    "transcript error null": VendorException(
        REST_FILE,
        _SCHEMAS + "Transcript/properties/error",
        _nullable,
        "gateway-spec.md 12.2-12.3 [DOC]: `error` holds a message only when the "
        "status is `error`; the vendor's own list example has `error: null`.",
        ("GET", _ONE, _PARAMS, None),
    ),
    "transcript live extras": VendorException(
        REST_FILE,
        _SCHEMAS + "Transcript",
        _with_properties(project_id={"type": "integer"}, token_id={"type": "integer"}),
        "gateway-spec.md 12.2 [OBS]: live transcripts carry the undocumented "
        "`project_id` and `token_id`.",
        ("GET", _ONE, _PARAMS, None),
    ),
    "sentences speech_model_used": VendorException(
        REST_FILE,
        _SCHEMAS + "SentencesResponse",
        _with_properties(speech_model_used={"type": "string"}),
        "gateway-spec.md 12.4 [OBS]: live envelopes carry `speech_model_used`.",
        ("GET", _ONE + "/sentences", _PARAMS, None),
    ),
    "paragraphs speech_model_used": VendorException(
        REST_FILE,
        _SCHEMAS + "ParagraphsResponse",
        _with_properties(speech_model_used={"type": "string"}),
        "gateway-spec.md 12.4 [OBS]: live envelopes carry `speech_model_used`.",
        ("GET", _ONE + "/paragraphs", _PARAMS, None),
    ),
    "transcript params closed twice": VendorException(
        REST_FILE,
        _SCHEMAS + "TranscriptParams",
        _merge_transcript_params,
        "the file's own contradiction: `TranscriptParams` is `allOf` an `audio_url` "
        "object and `TranscriptOptionalParams`, each with `additionalProperties: "
        "false`, so no body with `audio_url` is valid (its own example included) "
        "and nothing can be generated; amended to one closed object with both "
        "property sets and both `required` lists.",
        witness=_NEW_TRANSCRIPT,
    ),
}


def _amend(document: dict[str, Any], exception: VendorException) -> None:
    keys = [
        k.replace("~1", "/").replace("~0", "~")
        for k in exception.pointer[1:].split("/")
    ]
    parent = document
    for key in keys[:-1]:
        parent = parent[key]
    parent[keys[-1]] = exception.amend(copy.deepcopy(parent[keys[-1]]))


@cache
def _vendor_document(file: str) -> dict[str, Any]:
    return dict(yaml.safe_load((VENDOR_DIR / file).read_text(encoding="utf-8")))


def amended_document(
    file: str, exceptions: Mapping[str, VendorException] = VENDOR_EXCEPTIONS
) -> dict[str, Any]:
    """A copy of the vendor file with `exceptions` applied."""
    document = copy.deepcopy(_vendor_document(file))
    for exception in exceptions.values():
        if exception.file == file:
            _amend(document, exception)
    return document


def load_schema(
    file: str, app: Any, exceptions: Mapping[str, VendorException] = VENDOR_EXCEPTIONS
) -> schemathesis.schemas.BaseSchema:
    """The vendor file with `exceptions` applied, served by `app` in-process."""
    document = amended_document(file, exceptions)
    config = SchemathesisConfig.from_dict(CONFIG)
    schema = schemathesis.openapi.from_dict(document, config=config)
    schema.location = (VENDOR_DIR / file).as_uri()
    schema.app = app
    return schema


EMULATOR = GatewayEmulator(rate_limit=None, retry_delay=0.0)
GATEWAY = load_schema(GATEWAY_FILE, EMULATOR.app)
REST = load_schema(REST_FILE, EMULATOR.app)
for _operation_id in NOT_SERVED:
    REST = REST.exclude(operation_id=_operation_id)


# Generated transcript requests are swapped, now and then, for ones that reach a
# transcription: a meeting's audio, a supported model, with and without labels.
_AUDIO = (MEETING_AUDIO_URLS["support_call"], "https://example.com/missing.mp3")


@REST.hook("flatmap_body")
def known_audio(context: Any, body: Any) -> st.SearchStrategy[Any]:
    """Now and then give a transcript request a known audio URL and model."""
    if not isinstance(body, dict) or "audio_url" not in body:
        return st.just(body)
    fixed = {**body, "speech_models": ["universal-3-pro"]}
    fixed.pop("speech_model", None)
    variants = [{**fixed, "audio_url": url} for url in _AUDIO]
    return st.sampled_from([body, *variants, {**variants[0], "speaker_labels": True}])


@REST.hook
def flatmap_path_parameters(
    context: Any, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    """Now and then swap the generated transcript id for a stored one."""
    if not path_parameters or "transcript_id" not in path_parameters:
        return st.just(path_parameters)
    return st.sampled_from((path_parameters["transcript_id"], *KNOWN_IDS)).map(
        lambda ident: {**path_parameters, "transcript_id": ident}
    )


def _known_variants(body: dict[str, Any]) -> list[dict[str, Any]]:
    if "transcript_id" in body or "speech_understanding" in body:
        return [{**body, "transcript_id": ident} for ident in KNOWN_IDS]
    # The file allows both `prompt` and `messages`, or neither; the gateway wants
    # exactly one (spec 3.3), so the variants keep one of them.
    fixed = {k: v for k, v in body.items() if k not in ("prompt", "messages")}
    if body.get("messages"):
        fixed["messages"] = body["messages"]
    else:
        fixed["prompt"] = body.get("prompt") or "Hello"
    variants = [{**fixed, "model": model} for model in KNOWN_MODELS]
    return [*variants, {**variants[0], "stream": True}]


@GATEWAY.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    """Now and then swap the model or transcript id for a known one."""
    if not isinstance(body, dict):
        return st.just(body)
    return st.sampled_from([body, *_known_variants(body)])


@pytest.fixture(autouse=True)
def _fresh_emulator() -> None:
    EMULATOR.reset()
    EMULATOR.reset_transcripts()


@GATEWAY.parametrize()
@FUZZ
def test_gateway_matches_vendor_schema(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(headers=AUTH, checks=CHECKS)


@REST.parametrize()
@FUZZ
def test_transcript_api_matches_vendor_schema(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(headers=AUTH, checks=CHECKS)


def _call(
    schema: schemathesis.schemas.BaseSchema,
    method: str,
    path: str,
    path_parameters: Mapping[str, str],
    body: Any = None,
    headers: Mapping[str, str] = AUTH,
) -> Any:
    """Send one request through `schema`'s operation and run every check on it."""
    operation = schema[path][method]
    extra = {"body": body, "media_type": "application/json"} if body else {}
    case = operation.Case(path_parameters=dict(path_parameters), **extra)
    return case.call_and_validate(headers=dict(headers), checks=CHECKS)


def _probe(schema: schemathesis.schemas.BaseSchema, exception: VendorException) -> None:
    assert exception.probe is not None
    _call(schema, *exception.probe, headers=exception.headers)


def _accepts(document: Mapping[str, Any], pointer: str, body: Any) -> bool:
    root = {"$ref": "#" + pointer, "components": document["components"]}
    return jsonschema.Draft202012Validator(root).is_valid(body)


@pytest.mark.parametrize("name", sorted(VENDOR_EXCEPTIONS))
def test_vendor_exception_is_still_needed(name: str) -> None:
    exception = VENDOR_EXCEPTIONS[name]
    others = {k: v for k, v in VENDOR_EXCEPTIONS.items() if k != name}
    if exception.witness is not None:
        assert _accepts(
            amended_document(exception.file),
            exception.pointer,
            exception.witness,
        )
        unamended = amended_document(exception.file, others)
        assert not _accepts(unamended, exception.pointer, exception.witness)
        return
    _probe(load_schema(exception.file, EMULATOR.app), exception)
    with pytest.raises(FailureGroup):
        _probe(load_schema(exception.file, EMULATOR.app, others), exception)


_LIFECYCLE = [
    {},
    {"speaker_labels": True, "speakers_expected": 2},
    {"language_detection": True, "punctuate": False, "keyterms_prompt": ["SSO"]},
    {
        "webhook_url": "https://example.com/hook",
        "webhook_auth_header_name": "x-secret",
        "webhook_auth_header_value": "s3cret",
        "speech_understanding": {
            "request": {"translation": {"target_languages": ["es"]}}
        },
        "custom_spelling": [{"from": ["sso"], "to": "SSO"}],
    },
    {"audio_url": "https://example.com/missing.mp3"},
]


@pytest.mark.parametrize(
    "options", _LIFECYCLE, ids=["plain", "labels", "detection", "echoes", "failed"]
)
def test_transcript_lifecycle_matches_vendor_schema(options: dict[str, Any]) -> None:
    body = {
        **_NEW_TRANSCRIPT,
        "audio_url": MEETING_AUDIO_URLS["product_planning"],
        **options,
    }
    created = _call(REST, "POST", "/v2/transcript", {}, body).json()
    assert created["status"] == "processing"
    ident = {"transcript_id": created["id"]}
    done = _call(REST, "GET", _ONE, ident).json()
    assert done["status"] == ("error" if "audio_url" in options else "completed")
    for suffix in (
        ("/sentences", "/paragraphs") if done["status"] == "completed" else ()
    ):
        _call(REST, "GET", _ONE + suffix, ident)
    _call(REST, "GET", "/v2/transcript", {})
    deleted = _call(REST, "DELETE", _ONE, ident).json()
    assert deleted["text"] == "Deleted by user."
    _call(REST, "GET", _ONE, ident)


def test_upload_and_queued_transcript_match_vendor_schema() -> None:
    emulator = GatewayEmulator(rate_limit=None, queue_delay=60, meetings=False)
    schema = load_schema(REST_FILE, emulator.app)
    operation = schema["/v2/upload"]["POST"]
    case = operation.Case(
        body=b"RIFF fake audio", media_type="application/octet-stream"
    )
    uploaded = case.call_and_validate(headers=AUTH, checks=CHECKS).json()
    body = {**_NEW_TRANSCRIPT, "audio_url": uploaded["upload_url"]}
    queued = _call(schema, "POST", "/v2/transcript", {}, body).json()
    assert queued["status"] == "queued"
    assert (
        _call(schema, "GET", _ONE, {"transcript_id": queued["id"]}).json()["status"]
        == "queued"
    )
