"""The by-reference messages the transcript tool and the map-reduce helper send.

A question about a meeting goes out as a `transcript_ref` plus the question; the
chat model's core client turns the reference into the exact `{{ transcript }}`
tag and `transcript_id`, so the transcript's text is never downloaded.
"""

from __future__ import annotations

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from aai_gateway import transcript_ref

__all__ = ["transcript_messages"]


def transcript_messages(
    transcript_id: str, request: str, system_prompt: str | None = None
) -> list[BaseMessage]:
    """A system prompt (if any), then the transcript by reference and the request.

    Raises:
        ValueError: `transcript_id` is not a transcript id.
    """
    messages: list[BaseMessage] = (
        [SystemMessage(system_prompt)] if system_prompt else []
    )
    messages.append(HumanMessage(f"{transcript_ref(transcript_id)}\n\n{request}"))
    return messages
