"""Everything about transcripts: references, the REST API, documents, understanding.

A transcript enters a request **by reference**: `transcript_ref(id)` in a message
becomes the gateway's `{{ transcript }}` tag plus `transcript_id`, and the
gateway injects the text server-side. The code lives in `aai_gateway._transcripts`,
one private module per concern:

- `_references`: the reference marker, the tag rules (`TagPlacement`) and the one
  transcript-id rule (`check_transcript_id`);
- `_rest_types` and `_rest_client`: the transcript REST API (`/v2`): shapes,
  parsing, and the client methods `GatewayClient` inherits;
- `_documents` (pure) and `_loader` (fetching): transcripts as documents in a
  content mode (`ContentMode`);
- `_understanding` and `_enrich`: speaker names and translations (Speech
  Understanding) and how they change documents;
- `_map_reduce`: a summary over many transcripts (`SummaryRun`: its prompts,
  checks and result, which both adapters run);
- `_incremental` (pure) and `_indexer` (fetching): an index over the account's
  transcripts kept up to date run after run (`IncrementalIndexer`), each
  framework's store behind `IndexStore`.

Example:
    ```python
    from aai_gateway import GatewayClient
    from aai_gateway.transcripts import TranscriptDocumentLoader, transcript_ref

    with GatewayClient() as client:
        answer = client.chat({
            "model": "claude-sonnet-4-6",
            "messages": [
                {"role": "user", "content": f"Summarise {transcript_ref('abc123')}"}
            ],
        })
    documents = TranscriptDocumentLoader(["abc123"], mode="paragraphs").load()
    ```
"""

from __future__ import annotations

from aai_gateway._transcripts._audio import TranscriptionOptions
from aai_gateway._transcripts._documents import (
    CONTENT_MODES,
    ContentMode,
    TranscriptDocument,
)
from aai_gateway._transcripts._incremental import (
    IndexPlan,
    IndexState,
    IndexStep,
    find_transcript_documents,
)
from aai_gateway._transcripts._indexer import (
    AsyncIndexStore,
    IncrementalIndexer,
    IndexStore,
)
from aai_gateway._transcripts._loader import (
    TranscriptDocumentLoader,
    TranscriptLoaderOptions,
)
from aai_gateway._transcripts._map_reduce import (
    DEFAULT_COMBINE_INSTRUCTIONS,
    DEFAULT_SUMMARY_INSTRUCTIONS,
    TranscriptSummaries,
)
from aai_gateway._transcripts._references import (
    TagPlacement,
    check_transcript_id,
    has_transcript_tag,
    resolve_transcript_refs,
    transcript_ref,
)
from aai_gateway._transcripts._rest_types import (
    Transcript,
    TranscriptListing,
    TranscriptPage,
    TranscriptParams,
    TranscriptSegment,
)
from aai_gateway._transcripts._understanding import (
    CustomFormatting,
    SpeakerIdentification,
    Translation,
    UnderstandingResult,
)

__all__ = [
    "CONTENT_MODES",
    "DEFAULT_COMBINE_INSTRUCTIONS",
    "DEFAULT_SUMMARY_INSTRUCTIONS",
    "AsyncIndexStore",
    "ContentMode",
    "CustomFormatting",
    "IncrementalIndexer",
    "IndexPlan",
    "IndexState",
    "IndexStep",
    "IndexStore",
    "SpeakerIdentification",
    "TagPlacement",
    "Transcript",
    "TranscriptDocument",
    "TranscriptDocumentLoader",
    "TranscriptListing",
    "TranscriptLoaderOptions",
    "TranscriptPage",
    "TranscriptParams",
    "TranscriptSegment",
    "TranscriptSummaries",
    "TranscriptionOptions",
    "Translation",
    "UnderstandingResult",
    "check_transcript_id",
    "find_transcript_documents",
    "has_transcript_tag",
    "resolve_transcript_refs",
    "transcript_ref",
]
