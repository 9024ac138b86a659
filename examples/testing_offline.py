"""Testing your own chain offline with `aai_gateway.testing`.

The emulator speaks the gateway's wire protocol on loopback, serves a few
meetings through the transcript API and logs every request, so a test can check
what your code sent, not only what came back. Its model is scripted and
deterministic: it answers from the text it received (an injected transcript, say)
with the sentences that best match the question, calls the tools you mention,
fills JSON schemas, and echoes a short prompt that comes with no text.

Run it as a script, or copy the `test_*` functions into your pytest suite.
This example always uses the emulator, key or not.
"""

from __future__ import annotations

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from aai_gateway.testing import MEETING_IDS, Fault, GatewayEmulator
from langchain_aai_gateway import ChatAssemblyAI, transcript_ref


def build_chain(llm: ChatAssemblyAI):  # the code under test
    prompt = ChatPromptTemplate.from_messages(
        [("human", "{meeting}\n\nWho owns the follow-ups?")]
    )
    return prompt | llm | StrOutputParser()


def test_sends_the_meeting_by_reference() -> None:
    emulator = GatewayEmulator()
    with emulator.serve() as server:
        llm = ChatAssemblyAI(
            model="claude-sonnet-4-6", api_key="test-key", base_url=server.base_url
        )
        meeting = MEETING_IDS["incident_review"]
        answer = build_chain(llm).invoke({"meeting": transcript_ref(meeting)})

    body = emulator.requests[-1].json
    assert body["transcript_id"] == meeting
    assert "{{ transcript }}" in body["messages"][0]["content"]
    assert "Let's capture follow-ups." in answer  # quoted from the injected meeting


def test_retries_a_gateway_outage() -> None:
    emulator = GatewayEmulator()
    emulator.add_fault(Fault(status=503, headers={"retry-after": "0"}))
    with emulator.serve() as server:
        llm = ChatAssemblyAI(
            model="claude-sonnet-4-6", api_key="test-key", base_url=server.base_url
        )
        build_chain(llm).invoke(
            {"meeting": transcript_ref(MEETING_IDS["support_call"])}
        )

    paths = [r.path for r in emulator.requests]
    assert paths == ["/v1/chat/completions"] * 2  # failed once, retried once


if __name__ == "__main__":
    for test in (test_sends_the_meeting_by_reference, test_retries_a_gateway_outage):
        test()
        print(f"passed: {test.__name__}")
