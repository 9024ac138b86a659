"""Hygiene of the recorded cassettes: plain YAML, no secrets, content types kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from tests.langchain.conftest import CASSETTES

FILES = sorted(CASSETTES.glob("*.yaml"))
_SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "cookie", "set-cookie"}
# An AssemblyAI key is 32 hex characters; a bearer token or the test key must not appear either.
_SECRET_TEXT = re.compile(r"\b[0-9a-f]{32}\b|Bearer\s+\S+|test-key", re.IGNORECASE)


def test_cassettes_exist_and_are_plain_yaml() -> None:
    assert FILES, f"no cassettes under {CASSETTES}"
    assert not list(CASSETTES.rglob("*.gz"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_cassette_has_no_secret_and_keeps_content_type(path: Path) -> None:
    text = path.read_text()
    assert not _SECRET_TEXT.search(text), (
        f"{path.name} holds something that looks like a secret"
    )
    data: dict[str, Any] = yaml.safe_load(text)
    for interaction in data["interactions"]:
        request_headers = {k.lower() for k in interaction["request"]["headers"]}
        response_headers = {k.lower() for k in interaction["response"]["headers"]}
        assert not (request_headers | response_headers) & _SECRET_HEADERS
        assert "content-type" in response_headers
        assert "content-type" in request_headers
