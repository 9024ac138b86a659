"""MkDocs hooks for the API reference pages (loaded by `mkdocs.yml`, `hooks:`).

mkdocstrings puts an object's canonical path in the hover text of each
cross-reference; for a public name defined in a private module that path is
private (`aai_gateway._types.ChatCompletion`). The reader imports the public name,
so the hover text of such a reference is dropped; the link itself stays.
"""

from __future__ import annotations

import re
from typing import Any

_PRIVATE_TITLE = re.compile(r' title="[^"]*\w\._\w[^"]*"')


def on_post_page(html: str, page: Any, **kwargs: Any) -> str:
    """Drop hover texts that spell a private module path, on the API pages."""
    if not page.file.src_uri.startswith("api/"):
        return html
    return _PRIVATE_TITLE.sub("", html)
