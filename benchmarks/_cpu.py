"""Client CPU per call and per streamed chunk (targets 1 and 2)."""

from __future__ import annotations

import httpx

from benchmarks._contenders import (
    Clients,
    adrain,
    araw_stream,
    asdk_create,
    drain,
    li_messages,
    raw_call,
    raw_stream,
    request,
    sdk_create,
    words,
)
from benchmarks._frameworks import EchoLLM, fake_chat_model
from benchmarks._measure import acpu_medians, cpu_medians
from benchmarks._report import Report

CALL = "Hello there"
PER_CALL = "per call (us)"
SDK_CALL = "assemblyai SDK LLMGateway create"
SDK_STREAM = "assemblyai SDK LLMGateway create(stream=True)"
ASDK_STREAM = "assemblyai SDK AsyncLLMGateway create(stream=True)"


def per_call(clients: Clients, report: Report, rounds: int) -> None:
    c, url = clients.with_reply("Echo: " + CALL), clients.base_url
    body, msgs = request(CALL), li_messages(CALL)
    values = cpu_medians(
        {
            "raw httpx (floor)": lambda: raw_call(c.httpx, url, CALL),
            "aai_gateway GatewayClient.chat": lambda: c.core.chat(body),
            "GenericFakeChatModel.invoke": lambda: c.fake.invoke(CALL),
            "ChatAssemblyAI.invoke": lambda: c.lc.invoke(CALL),
            "ChatOpenAI.invoke": lambda: c.openai.invoke(CALL),
            "LlamaIndex echo LLM chat": lambda: c.echo.chat(msgs),
            "AssemblyAI (LlamaIndex).chat": lambda: c.li.chat(msgs),
            "OpenAILike.chat": lambda: c.like.chat(msgs),
            SDK_CALL: lambda: sdk_create(c.sdk, CALL),
        },
        rounds=rounds,
        inner=10,
    )
    _judge(report, PER_CALL, {k: v * 1e6 for k, v in values.items()}, "us", 0.6)


def _judge(
    report: Report, scenario: str, us: dict[str, float], unit: str, alt_limit: float
) -> None:
    """Ratios and checks shared by the per-call and per-chunk scenarios."""
    report.add(scenario, us, unit)
    floor = us["raw httpx (floor)"]
    names = list(us)
    core, fake, lc, openai, echo, li, like, sdk = names[1:9]
    # The floor adds up raw httpx and the framework, each measured on its own.
    lc_floor, li_floor = floor + us[fake], floor + us[echo]
    # Shown, not judged: the two run in lockstep, as in a real stream, against
    # that sum (the framework's work between reads costs more than in a loop).
    for name, apart in ((LC_LOCKSTEP, lc_floor), (LI_LOCKSTEP, li_floor)):
        if name in us:
            report.ratio(scenario, name, floor=apart)
    # The official SDK is the core's alternative: what AssemblyAI users have.
    report.ratio(scenario, core, floor=floor, alternative=us[sdk])
    report.ratio(scenario, sdk, floor=floor)
    report.ratio(scenario, lc, floor=lc_floor, alternative=us[openai])
    report.ratio(scenario, li, floor=li_floor, alternative=us[like])
    report.ratio(scenario, openai, floor=lc_floor)
    report.ratio(scenario, like, floor=li_floor)
    report.check(f"{scenario}: core vs raw httpx", us[core] / floor, 1.3)
    report.check(f"{scenario}: LangChain vs floor + fake", us[lc] / lc_floor, 1.3)
    report.check(f"{scenario}: LlamaIndex vs floor + echo", us[li] / li_floor, 1.3)
    report.check(f"{scenario}: LangChain vs ChatOpenAI", us[lc] / us[openai], alt_limit)
    report.check(f"{scenario}: LlamaIndex vs OpenAILike", us[li] / us[like], alt_limit)


LC_LOCKSTEP = "raw httpx + GenericFakeChatModel.stream, in lockstep"
LI_LOCKSTEP = "raw httpx + echo LLM stream_chat, in lockstep"


def per_chunk(clients: Clients, report: Report, rounds: int, chunks: int) -> None:
    prompt = words(chunks - 1)
    c, url = clients.with_reply("Echo: " + prompt), clients.base_url
    events = raw_stream(c.httpx, url, prompt)
    body, msgs = request(prompt), li_messages(prompt)
    # One framework chunk per event: the fake splits words and spaces apart.
    lockstep_fake = fake_chat_model(words(events // 2 + 1))
    lockstep_echo = EchoLLM(reply=words(events))
    totals = cpu_medians(
        {
            "raw httpx (floor)": lambda: raw_stream(c.httpx, url, prompt),
            "aai_gateway GatewayClient.stream_chat": lambda: drain(
                c.core.stream_chat(body)
            ),
            "GenericFakeChatModel.stream": lambda: drain(c.fake.stream(prompt)),
            "ChatAssemblyAI.stream": lambda: drain(c.lc.stream(prompt)),
            "ChatOpenAI.stream": lambda: drain(c.openai.stream(prompt)),
            "LlamaIndex echo LLM stream_chat": lambda: drain(c.echo.stream_chat(msgs)),
            "AssemblyAI (LlamaIndex).stream_chat": lambda: drain(
                c.li.stream_chat(msgs)
            ),
            "OpenAILike.stream_chat": lambda: drain(c.like.stream_chat(msgs)),
            SDK_STREAM: lambda: drain(sdk_create(c.sdk, prompt, stream=True)),
            LC_LOCKSTEP: lambda: raw_stream(
                c.httpx, url, prompt, lockstep_fake.stream(prompt)
            ),
            LI_LOCKSTEP: lambda: raw_stream(
                c.httpx, url, prompt, lockstep_echo.stream_chat(msgs)
            ),
        },
        rounds=rounds,
        warmup=1,
    )
    counts = _fake_counts(c, prompt, events)
    us = {k: v * 1e6 / counts.get(k, events) for k, v in totals.items()}
    _judge(report, f"per chunk, sync, {events} chunks (us)", us, "us", 0.5)


def _fake_counts(c: Clients, prompt: str, events: int) -> dict[str, int]:
    return {
        "GenericFakeChatModel.stream": drain(c.fake.stream(prompt)),
        "LlamaIndex echo LLM stream_chat": drain(
            c.echo.stream_chat(li_messages(prompt))
        ),
        "GenericFakeChatModel.astream": drain(c.fake.stream(prompt)),
        "LlamaIndex echo LLM astream_chat": drain(
            c.echo.stream_chat(li_messages(prompt))
        ),
    }


def per_chunk_async(clients: Clients, report: Report, rounds: int, chunks: int) -> None:
    prompt = words(chunks - 1)
    c, url = clients.with_reply("Echo: " + prompt), clients.base_url
    events = raw_stream(c.httpx, url, prompt)
    body, msgs = request(prompt), li_messages(prompt)
    client, asdk = httpx.AsyncClient(), c.new_asdk()

    async def li_stream() -> int:
        return await adrain(await c.li.astream_chat(msgs))

    async def echo_stream() -> int:
        return await adrain(await c.echo.astream_chat(msgs))

    async def like_stream() -> int:
        return await adrain(await c.like.astream_chat(msgs))

    async def sdk_stream() -> int:
        return await adrain(await asdk_create(asdk, prompt, stream=True))

    totals = acpu_medians(
        {
            "raw httpx (floor)": lambda: araw_stream(client, url, prompt),
            "aai_gateway AsyncGatewayClient.astream_chat": lambda: adrain(
                c.acore.astream_chat(body)
            ),
            "GenericFakeChatModel.astream": lambda: adrain(c.fake.astream(prompt)),
            "ChatAssemblyAI.astream": lambda: adrain(c.lc.astream(prompt)),
            "ChatOpenAI.astream": lambda: adrain(c.openai.astream(prompt)),
            "LlamaIndex echo LLM astream_chat": echo_stream,
            "AssemblyAI (LlamaIndex).astream_chat": li_stream,
            "OpenAILike.astream_chat": like_stream,
            ASDK_STREAM: sdk_stream,
        },
        rounds=rounds,
        warmup=1,
    )
    counts = _fake_counts(c, prompt, events)
    us = {k: v * 1e6 / counts.get(k, events) for k, v in totals.items()}
    _judge(report, f"per chunk, async, {events} chunks (us)", us, "us", 0.5)
