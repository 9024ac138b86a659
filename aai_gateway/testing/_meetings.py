"""Meeting transcripts the emulator serves out of the box (the `/v2` store).

Five completed multi-speaker recordings (one of them two hours long), plus one transcript whose status is
`error` and one still `processing`. Their ids are fixed (see `MEETING_IDS`), and
every word, timestamp, sentence and paragraph is derived from the utterances
below, so the data is the same on every run.

Each utterance starts with its speaker label (`A:`); an indented line continues
the utterance above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from aai_gateway.testing._long_meeting import long_meeting_utterances
from aai_gateway.testing._transcripts import (
    TranscriptStatus,
    TranscriptStore,
    build_transcript,
)


@dataclass(frozen=True)
class Meeting:
    """One stored recording."""

    key: str
    id: str
    title: str
    created: str
    audio_url: str
    utterances: tuple[tuple[str, str], ...]
    status: TranscriptStatus = "completed"


def parse_utterances(block: str) -> tuple[tuple[str, str], ...]:
    """`(speaker, text)` pairs from `A: text` lines (indented lines continue)."""
    pairs: list[tuple[str, str]] = []
    for line in block.strip().splitlines():
        if line.startswith(" ") and pairs:
            speaker, text = pairs[-1]
            pairs[-1] = (speaker, text + " " + line.strip())
        else:
            speaker, _, text = line.partition(": ")
            pairs.append((speaker.strip(), text.strip()))
    return tuple(pairs)


_PLANNING = """
A: Okay, let's get started. Thanks everyone for joining the Q3 planning session for
   the mobile app. We have about forty minutes, and the main goal is to agree on the
   top three bets for the quarter.
B: Sounds good. Before we dive in, I shared the customer research summary in the
   channel this morning. The short version is that offline mode came up in eleven of
   the fourteen interviews.
A: Eleven of fourteen is a strong signal. Priya, what does that look like from the
   engineering side?
C: It's doable, but it's not small. We'd need a local database, a sync queue, and
   conflict resolution for edits made on two devices. I'd estimate six to eight
   weeks for two engineers.
D: From a design perspective, we also need clear states for stale data. Users have
   to know when they're looking at something that hasn't synced yet.
B: Agreed. Several customers said they lost work when the connection dropped in the
   field. That's the pain point, more than reading data offline.
A: So the real requirement is that edits never get lost. Reading offline is a nice
   bonus.
C: That changes the scope quite a bit. If we focus on a durable write queue first,
   we could ship a first version in about four weeks.
A: I like that. Let's call it phase one: a durable write queue with retry, plus a
   visible sync status indicator.
D: I can have mockups for the sync indicator by next Wednesday. I'll reuse the
   banner component from the web app so we stay consistent.
B: What about the second bet? The enterprise customers keep asking for single sign-
   on on mobile.
C: SSO is mostly configuration on our side since the web app already supports SAML.
   The mobile work is the login flow and token refresh. Maybe two weeks.
A: Two weeks for something three of our largest accounts are blocked on sounds like
   an easy yes.
B: One of those accounts renews in September, so timing matters. Their admin told me
   it's a hard requirement for the renewal.
A: Then SSO goes first, before offline mode. Priya, can you confirm the estimate
   with the platform team by Friday?
C: Yes, I'll sync with Marcus tomorrow and post the estimate in the planning doc.
D: For the third bet, I'd like to propose the onboarding redesign. Our activation
   rate dropped from forty-one percent to thirty-four percent since the last
   release.
B: That's a big drop. Do we know why?
D: The funnel shows people abandoning at the workspace setup step. It asks for too
   much information before they see any value.
A: Let's not commit to a full redesign yet. Can we run a quick experiment that skips
   workspace setup and measure activation for two weeks?
D: Yes, that's a small change. I'll pair with the growth team and have the
   experiment live next sprint.
C: Just flagging that engineering capacity is tight. With SSO and the write queue,
   we're at about ninety percent for the quarter.
A: Understood. The onboarding experiment is small enough to fit, but nothing else
   gets added without dropping something.
B: I'll update the roadmap slide and send it to leadership today.
A: Great. To recap: SSO first, then the durable write queue with a sync indicator,
   and a two-week onboarding experiment. Owners are Priya for engineering estimates,
   Lena for design, and Sam for the roadmap update. Thanks, everyone.
"""

_SUPPORT = """
A: Thank you for calling Northwind support, this is Jordan. Can I start with your
   name and the email on the account?
B: Hi Jordan, this is Maria Chen, and the email is maria at chen design studio dot
   com.
A: Thanks, Maria. I've got your account pulled up. How can I help you today?
B: Two things, actually. First, I was charged twice for my subscription this month.
   I see two charges of forty-nine dollars on my card statement, both on March
   third.
A: I'm sorry about that. Let me check the billing history. Yes, I can see two
   successful payments on the third. It looks like the renewal retried after a
   timeout, and both attempts went through.
B: Okay, so can you refund one of them?
A: Absolutely. I've issued a refund of forty-nine dollars for the duplicate charge.
   It usually takes five to seven business days to show up on your statement.
B: Great, thank you. The second issue is more annoying. Our CSV exports have been
   failing since last week.
A: I can look into that. What happens when you try to export?
B: It spins for a minute and then shows an error that says export failed, please try
   again later. We've tried at least ten times.
A: Do you know roughly how many records are in the project you're exporting?
B: It's our biggest project, probably around two hundred thousand rows.
A: That helps. We introduced a limit of one hundred thousand rows per export in last
   week's release, and the error message isn't clear about it. That's on us.
B: So there's no way to export the whole project?
A: There are two options. You can filter the export by date range and download it in
   parts, or I can request a full export from our data team, and they'll email you a
   download link.
B: The full export would be much easier. We need it for our quarterly audit.
A: Understood. I've opened a request with the data team. You should receive the link
   within one business day, and it stays valid for seven days.
B: Perfect. And will the limit be raised at some point?
A: I've added your account to the feature request for larger exports, and I'll also
   report the confusing error message to the product team.
B: Thank you, Jordan. You've been really helpful.
A: My pleasure. Just to recap, the duplicate charge of forty-nine dollars is
   refunded, and the full export link will arrive by email within one business day.
   Is there anything else I can help with?
B: No, that's everything. Have a great day.
A: You too, Maria. Thanks for calling Northwind.
"""

_INCIDENT = """
A: Alright, this is the review for last Tuesday's checkout outage. The goal is to
   understand what happened and agree on follow-ups, not to assign blame. Dev, can
   you walk us through the timeline?
B: Sure. At two fourteen PM the checkout service started returning five hundred
   errors. Our error rate alert fired at two seventeen, and I was paged at two
   eighteen.
A: How long until we knew the cause?
B: About twenty-five minutes. At first it looked like a bad deploy, because we had
   shipped a new version of the pricing service at two o'clock. We rolled it back at
   two twenty-nine, but the errors continued.
C: That's when I joined. The database dashboard showed the connection pool for the
   orders database was completely exhausted. Every instance of the checkout service
   was waiting for a connection.
A: What was holding the connections?
C: A reporting query that the finance team runs at the start of each month. It had
   been rewritten the week before and lost an index hint, so it ran a full table
   scan while holding a transaction open.
B: And because it ran on the primary instead of the read replica, it held locks that
   blocked the checkout writes.
A: Why was it running on the primary?
C: The reporting job reads its connection string from an environment variable, and
   the new deployment template defaulted to the primary. Nobody noticed in review
   because the variable name didn't change.
A: Okay. How did we resolve it?
C: At two forty-one I killed the reporting query, and the pool recovered within a
   minute. Error rates were back to normal by two forty-four.
B: So total customer impact was about thirty minutes. We estimate roughly eighteen
   hundred failed checkouts.
A: That's significant. Did the retry logic on the client side help at all?
B: Partly. The mobile app retried once, which recovered some orders, but the web
   checkout doesn't retry on server errors.
A: Let's capture follow-ups. First, the reporting job must always use the read
   replica. Can we enforce that?
C: Yes. I'll create a separate database user for reporting that only has access to
   the replica. That makes the mistake impossible rather than just unlikely.
A: Second, the connection pool. Should checkout have its own reserved pool?
C: I'd recommend it. We can cap other services at eighty percent of the connections
   and reserve the rest for checkout.
B: Third, I want an alert on pool saturation. We only alerted on errors, which fired
   three minutes after the pool was full.
A: Good. And fourth, the rollback. We lost fifteen minutes chasing the deploy. Dev,
   could the runbook have helped?
B: Yes. The runbook should tell on-call to check database saturation before rolling
   back. I'll update it this week.
A: Great. So the action items are: replica-only reporting user, owned by Aisha;
   reserved connection pool for checkout, also Aisha; pool saturation alert and
   runbook update, owned by Dev. I'll publish the written review by Friday.
C: One more thing. We should ask the finance team to review their query changes with
   us. They didn't know about the index hint.
A: Good point. I'll set up a short session with them next week.
"""

_HIRING = """
A: Thanks for making time for the debrief. We're discussing Tomás Rivera for the
   senior backend engineer role. Let's go around with a hire or no hire and the main
   evidence. Keisha, you did the system design interview.
B: I'm a strong hire. He designed a rate limiter for a multi-region API, and he
   asked great clarifying questions about consistency before drawing anything.
A: Anything he struggled with?
B: He initially proposed a single global counter, which wouldn't scale, but when I
   asked about latency between regions he moved to local counters with periodic
   reconciliation without any hints.
C: I did the coding interview. I'm a hire, but not a strong hire. His solution was
   correct and well tested, but it took him a while to get started.
A: How long?
C: About fifteen minutes of the forty-five talking through approaches. Once he
   started coding he was fast, and he wrote tests before I asked.
B: That matches what I saw. He's deliberate. I'd rather have that than someone who
   starts coding immediately and has to rewrite everything.
C: Fair. My other note is that he used Python idioms really well, and our stack is
   mostly Python, so ramp-up should be quick.
A: I did the behavioral interview. I'm a hire. He described leading a migration from
   a monolith to services at his current company, and he was honest about what went
   wrong.
B: What went wrong?
A: They split the services too early and ended up with a distributed monolith. He
   said if he did it again, he'd start with clear module boundaries inside the
   monolith first.
C: That's a mature answer. I like that he could reflect on it.
A: One concern from my side is mentoring. The role involves mentoring two junior
   engineers, and his examples were mostly informal.
B: He mentioned running the onboarding program for new hires on his team. That's
   something.
A: True. I'd want the hiring manager to probe that in the reference check.
C: Compensation-wise, recruiting said his expectations are within the band, near the
   top.
A: So we have one strong hire and two hires. Unless anyone objects, I'll recommend
   an offer at senior level and flag mentoring for the reference check.
B: No objection.
C: No objection from me either.
A: Great. I'll send the packet to the hiring committee today. Thanks, both.
"""

MEETINGS: tuple[Meeting, ...] = (
    Meeting(
        "quarterly_review",
        "b8c1d2e3-f4a5-4b6c-9d7e-8f9a0b1c2d3e",
        "Quarterly business review: every team's numbers, about two hours",
        "2026-09-01T13:00:00.000000",
        "https://assembly.ai/meetings/quarterly-review.mp3",
        long_meeting_utterances(),
    ),
    Meeting(
        "support_call",
        "a3f19c72-8d4e-4b61-b2a7-6e0c5d9f1b84",
        "Customer support call: duplicate charge and failing CSV export",
        "2026-09-08T15:02:11.482913",
        "https://assembly.ai/meetings/support-call.mp3",
        parse_utterances(_SUPPORT),
    ),
    Meeting(
        "product_planning",
        "5d8e2c1a-4b7f-4e2a-9c3d-1f6a8b0e7d21",
        "Q3 mobile app planning: SSO, offline edits, onboarding",
        "2026-09-10T09:31:45.120457",
        "https://assembly.ai/meetings/q3-planning.mp3",
        parse_utterances(_PLANNING),
    ),
    Meeting(
        "incident_review",
        "c7b2e4f9-1a3d-4c8e-a5f6-2d9b0e8c4a17",
        "Incident review: checkout outage from connection pool exhaustion",
        "2026-09-15T16:20:03.775120",
        "https://assembly.ai/meetings/incident-review.mp3",
        parse_utterances(_INCIDENT),
    ),
    Meeting(
        "hiring_debrief",
        "e1d4a6b8-3c5f-4a9e-8b2d-7f0c1e6a9d35",
        "Hiring debrief: senior backend engineer candidate",
        "2026-09-18T11:05:59.004311",
        "https://assembly.ai/meetings/hiring-debrief.mp3",
        parse_utterances(_HIRING),
    ),
    Meeting(
        "failed_upload",
        "f0e9d8c7-b6a5-4f3e-9d2c-1b0a9f8e7d6c",
        "A recording whose audio could not be downloaded",
        "2026-09-19T08:12:30.551902",
        "https://example.com/recordings/missing-file.mp3",
        (),
        "error",
    ),
    Meeting(
        "still_processing",
        "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "A recording that is still being transcribed",
        "2026-09-21T17:44:08.310266",
        "https://assembly.ai/meetings/all-hands.mp3",
        (),
        "processing",
    ),
)
"""Oldest first; the `/v2` list shows them newest first."""

MEETING_IDS = MappingProxyType({meeting.key: meeting.id for meeting in MEETINGS})
"""Transcript ids by name: `quarterly_review` (long, about two hours), `support_call`,
`product_planning`, `incident_review`, `hiring_debrief`, `failed_upload` (status
`error`), `still_processing`."""

MEETING_AUDIO_URLS = MappingProxyType(
    {m.key: m.audio_url for m in MEETINGS if m.status == "completed"}
)
"""Audio URLs of the completed meetings, by name: `POST /v2/transcript` with one
as `audio_url` transcribes that meeting again (a new transcript, same words)."""


def load_meetings(store: TranscriptStore) -> None:
    """Put every meeting into `store`."""
    for meeting in MEETINGS:
        transcript = build_transcript(
            meeting.id,
            meeting.utterances,
            status=meeting.status,
            audio_url=meeting.audio_url,
        )
        store.add(transcript, meeting.created)
