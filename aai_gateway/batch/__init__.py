"""Account-scale runs: one prompt, schema or step over every transcript, resumable and paced.

`TranscriptBatch` asks the same thing of many transcripts (an id list, or the
account's listing filtered by `status`, `created_on`, `after_id`,
`max_transcripts`). Each request carries only `transcript_id`: the gateway injects
the text, which never reaches this process. Results are appended to a JSONL file
as they arrive, one `BatchRecord` per transcript; a failed item records its error
and the run goes on. Running the same batch again skips what is done, so a run
that was stopped or killed finishes where it left off. Requests are paced to the
model's advertised rate limit (`x-ratelimit-*`), and a 429's `retry-after` holds
back every worker of that model.

The per-transcript work can also be a framework step:

- a LangChain Runnable, called with `{"transcript": transcript_ref(id),
  "transcript_id": id}`, e.g. `ChatPromptTemplate.from_messages([("human",
  "Who owns the follow-ups in {transcript}?")]) |
  ChatAssemblyAI(...).with_structured_output(FollowUps)`;
- a LlamaIndex program (`FunctionCallingProgram`, ...), called with the keywords
  `transcript=` and `transcript_id=`;
- any callable taking the transcript id (sync or async).

`run()` uses threads, `await arun()` the running loop, and `run_on_ray()` Ray Data
with one shared rate-limiter actor per model (`pip install 'aai-gateway[ray]'`).
The command line is `aai-gateway batch` (see `docs/scale.md`).

Example:
    ```python
    from pydantic import BaseModel

    from aai_gateway.batch import TranscriptBatch, read_results


    class Outcome(BaseModel):
        resolved: bool
        next_step: str


    summary = TranscriptBatch(
        "outcomes.jsonl",
        model="claude-sonnet-4-6",
        prompt="Was the customer's problem resolved?",
        schema=Outcome,
        max_transcripts=500,
    ).run()
    print(summary)  # counts, tokens, time
    answers = {r["transcript_id"]: r["answer"] for r in read_results("outcomes.jsonl")}
    ```
"""

from __future__ import annotations

from aai_gateway.batch._batch import TranscriptBatch
from aai_gateway.batch._journal import read_results
from aai_gateway.batch._progress import BatchSummary
from aai_gateway.batch._records import BatchRecord

__all__ = [
    "BatchRecord",
    "BatchSummary",
    "TranscriptBatch",
    "read_results",
]
