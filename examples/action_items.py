"""Structured extraction: a meeting's action items (owner, task, due date) into Pydantic.

The transcript goes by reference (`transcript_ref`), so the model sees the whole
meeting while the request stays small. The same Pydantic model is filled once
with LangChain (`with_structured_output`) and once with LlamaIndex
(`structured_predict`).

Run: `python examples/action_items.py` (the emulator; set ASSEMBLYAI_API_KEY for
the real gateway).
"""

from __future__ import annotations

from llama_index.core import PromptTemplate
from pydantic import BaseModel, Field

from langchain_aai_gateway import ChatAssemblyAI, transcript_ref
from llama_index_aai_gateway import AssemblyAI

from _gateway import gateway


class ActionItem(BaseModel):
    owner: str = Field(description="Who agreed to do it, by name or speaker label")
    task: str = Field(description="What they agreed to do")
    due_date: str | None = Field(description="When it is due, as said in the meeting")


class ActionItems(BaseModel):
    """Every action item agreed in the meeting."""

    items: list[ActionItem]


INSTRUCTIONS = "List every action item agreed in this meeting."


def with_langchain(meeting_id: str) -> ActionItems:
    llm = ChatAssemblyAI(model="claude-sonnet-4-6")
    extractor = llm.with_structured_output(ActionItems)
    return extractor.invoke(f"{transcript_ref(meeting_id)}\n\n{INSTRUCTIONS}")


def with_llama_index(meeting_id: str) -> ActionItems:
    llm = AssemblyAI(model="claude-sonnet-4-6")
    prompt = PromptTemplate("{meeting}\n\n{instructions}")
    return llm.structured_predict(
        ActionItems,
        prompt,
        meeting=transcript_ref(meeting_id),
        instructions=INSTRUCTIONS,
    )


def main() -> None:
    with gateway(count=1) as setup:
        for name, extract in (
            ("LangChain", with_langchain),
            ("LlamaIndex", with_llama_index),
        ):
            result = extract(setup.meeting_id)
            assert isinstance(result, ActionItems)
            print(f"{name}: {len(result.items)} action item(s)")
            for item in result.items:
                print(
                    f"  - {item.owner}: {item.task} (due {item.due_date or 'not said'})"
                )


if __name__ == "__main__":
    main()
