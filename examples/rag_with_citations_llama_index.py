"""LlamaIndex RAG over several meetings, answering with speaker and timestamp citations.

`AssemblyAITranscriptReader` in `utterances` mode makes one document per speaker
turn, with the speaker, the time and a link to that moment of the recording in
its metadata. A keyword index (no embedding model needed) retrieves the turns,
and the answer cites them as `[speaker, time]`.

Run: `python examples/rag_with_citations_llama_index.py` (the emulator; set
ASSEMBLYAI_API_KEY for the real gateway).
"""

from __future__ import annotations

from llama_index.core import PromptTemplate, SimpleKeywordTableIndex

from llama_index_aai_gateway import AssemblyAI, AssemblyAITranscriptReader

from _gateway import gateway

QA_PROMPT = PromptTemplate(
    "Meeting excerpts, each with its speaker and time:\n{context_str}\n\n"
    "Answer from the excerpts only, and cite each fact as [speaker, time].\n"
    "Question: {query_str}\nAnswer: "
)


def main() -> None:
    with gateway(count=3) as setup:
        reader = AssemblyAITranscriptReader(
            setup.meeting_ids,
            mode="utterances",
            transcript_base_url=setup.rest_base_url,
        )
        documents = reader.load_data()
        print(
            f"loaded {len(documents)} speaker turns from {len(setup.meeting_ids)} meetings"
        )

        llm = AssemblyAI(model="claude-sonnet-4-6", max_tokens=300)
        index = SimpleKeywordTableIndex.from_documents(documents, llm=llm)
        engine = index.as_query_engine(llm=llm, text_qa_template=QA_PROMPT)

        response = engine.query(
            "What caused the checkout outage, and who will fix the pool?"
        )
        print(f"answer: {str(response)[:400]}\n")
        print("sources:")
        for source in response.source_nodes[:5]:
            meta = source.node.metadata
            print(f"  [{meta['speaker']}, {meta['timestamp']}] {meta['source']}")
        assert response.source_nodes, "nothing was retrieved"


if __name__ == "__main__":
    main()
