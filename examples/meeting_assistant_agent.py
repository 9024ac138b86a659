"""A LangChain meeting assistant: `create_agent` with three tools.

- `list_meetings`: the account's recent transcripts (ids and dates);
- `ask_meeting_transcript`: a question answered from one whole meeting, by
  reference (`AssemblyAITranscriptQATool`: the gateway injects the transcript);
- `search_utterances`: who said a word or phrase, and when.

Run: `python examples/meeting_assistant_agent.py` (the emulator; set
ASSEMBLYAI_API_KEY for the real gateway).
"""

from __future__ import annotations

from langchain.agents import create_agent
from langchain_core.tools import tool

from aai_gateway import GatewayClient
from langchain_aai_gateway import (
    AssemblyAITranscriptLoader,
    AssemblyAITranscriptQATool,
    ChatAssemblyAI,
)

from _gateway import gateway


def build_agent(rest_base_url: str | None):
    llm = ChatAssemblyAI(model="claude-sonnet-4-6", max_tokens=300)
    rest = GatewayClient(transcript_base_url=rest_base_url)

    @tool
    def list_meetings() -> str:
        """List the recent recorded meetings: transcript id and date, newest first."""
        rows = rest.iter_transcripts(status="completed", max_results=10)
        return "\n".join(f"{t.id} recorded {t.created}" for t in rows)

    @tool
    def search_utterances(transcript_id: str, phrase: str) -> str:
        """Find who said `phrase` in one meeting, with the time they said it."""
        loader = AssemblyAITranscriptLoader(
            [transcript_id], mode="utterances", transcript_base_url=rest_base_url
        )
        hits = [
            f"[{d.metadata['speaker']} at {d.metadata['timestamp']}] {d.page_content}"
            for d in loader.lazy_load()
            if phrase.lower() in d.page_content.lower()
        ]
        return "\n".join(hits[:5]) or f"nobody said {phrase!r}"

    return create_agent(
        model=llm,
        tools=[list_meetings, AssemblyAITranscriptQATool(llm=llm), search_utterances],
        system_prompt="You help the team with its recorded meetings. Use the tools; never guess.",
    )


def main() -> None:
    with gateway() as setup:
        agent = build_agent(setup.rest_base_url)
        meeting = setup.meeting_id
        for question in (
            "List the recent meetings.",
            f'In the meeting transcript "{meeting}", answer: "What did we decide about SSO?"',
            f'Search the utterances of "{meeting}" for "offline".',
        ):
            print(f"> {question}")
            result = agent.invoke({"messages": [("user", question)]})
            calls = [
                c["name"]
                for m in result["messages"]
                for c in getattr(m, "tool_calls", [])
            ]
            print(f"  tools used: {', '.join(calls) or 'none'}")
            print(f"  {result['messages'][-1].text[:300]}\n")
            assert calls, "the agent answered without its tools"


if __name__ == "__main__":
    main()
