"""The same question two ways: the whole meeting by reference, and chunked RAG.

By reference, the request carries `transcript_id` and the `{{ transcript }}` tag,
and the gateway injects the whole meeting: nothing is downloaded, and the
request stays a few hundred bytes whatever the meeting's length. Chunked RAG
downloads the transcript, picks the paragraphs that share words with the
question and sends them inline. The script prints the bytes each request sent.

Run: `python examples/by_reference_vs_rag.py` (the emulator; set
ASSEMBLYAI_API_KEY for the real gateway).
"""

from __future__ import annotations

import re

import httpx
from langchain_core.documents import Document

from langchain_aai_gateway import (
    AssemblyAITranscriptLoader,
    ChatAssemblyAI,
    transcript_ref,
)

from _gateway import gateway

QUESTION = "What did the team decide about single sign-on, and when does it ship?"
sent: list[int] = []  # the size of every request body, in order


def record(request: httpx.Request) -> None:
    sent.append(len(request.read()))


def top_chunks(chunks: list[Document], question: str, k: int = 3) -> list[Document]:
    """The `k` chunks sharing the most words with the question (a stand-in retriever)."""
    words = set(re.findall(r"[a-z]{4,}", question.lower()))

    def score(doc: Document) -> int:
        return len(words & set(re.findall(r"[a-z]{4,}", doc.page_content.lower())))

    return sorted(chunks, key=score, reverse=True)[:k]


def main() -> None:
    with (
        gateway(count=1) as setup,
        httpx.Client(event_hooks={"request": [record]}) as http,
    ):
        llm = ChatAssemblyAI(
            model="claude-sonnet-4-6", max_tokens=200, http_client=http
        )

        # 1. Whole meeting, by reference: the gateway injects the transcript.
        whole = llm.invoke(f"{transcript_ref(setup.meeting_id)}\n\n{QUESTION}")
        by_reference = sent[-1]

        # 2. Chunked RAG: download paragraphs, keep the best three, send them inline.
        loader = AssemblyAITranscriptLoader(
            [setup.meeting_id],
            mode="paragraphs",
            transcript_base_url=setup.rest_base_url,
        )
        chunks = top_chunks(loader.load(), QUESTION)
        context = "\n\n".join(doc.page_content for doc in chunks)
        rag = llm.invoke(f"Meeting excerpts:\n{context}\n\n{QUESTION}")
        inline = sent[-1]

        print(f"question: {QUESTION}\n")
        print(f"by reference: {by_reference:>6,} bytes sent, whole meeting seen")
        print(f"  {whole.text[:200]}\n")
        print(f"chunked RAG:  {inline:>6,} bytes sent, {len(chunks)} paragraphs seen")
        print(f"  {rag.text[:200]}")
        assert by_reference < inline


if __name__ == "__main__":
    main()
