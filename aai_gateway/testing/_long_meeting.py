"""A long recording: a two-hour quarterly business review, built from templates.

The four hand-written meetings are a few minutes each; retrieval pipelines and
size measurements need one of realistic length too (about 40 KB of text). Every
sentence is produced from the fixed tables below, so the text is the same on
every run.
"""

from __future__ import annotations

_TEAMS = (
    ("Platform", "Priya", "API latency", "p95 request latency", "milliseconds"),
    ("Payments", "Marcus", "checkout conversion", "successful checkouts", "percent"),
    ("Mobile", "Lena", "crash-free sessions", "crash-free session rate", "percent"),
    ("Support", "Jordan", "ticket backlog", "open tickets at quarter end", "tickets"),
    ("Growth", "Sam", "activation", "seven-day activation", "percent"),
    ("Data", "Noor", "pipeline freshness", "hours of ingestion delay", "hours"),
    ("Security", "Tomas", "patch cadence", "days to patch critical issues", "days"),
    ("Sales engineering", "Ana", "proof-of-concept wins", "won evaluations", "deals"),
)
_SPEAKERS = ("B", "C", "D", "E")
_RISKS = (
    "hiring is behind plan by two engineers",
    "a vendor contract renews in the middle of the quarter",
    "the migration depends on the platform team's schema change",
    "holiday traffic will test the new capacity limits",
)


def _report(number: int, team: tuple[str, str, str, str, str]) -> list[tuple[str, str]]:
    name, owner, focus, metric, unit = team
    speaker = _SPEAKERS[number % len(_SPEAKERS)]
    before, after = 40 + number * 7, 45 + number * 9
    target = after + 5
    risk = _RISKS[number % len(_RISKS)]
    return [
        ("A", f"Next up is {name}. {owner}, over to you for {focus}."),
        (
            speaker,
            f"Thanks. This quarter the {name} team focused on {focus}. Our headline number is {metric}, which moved from {before} to {after} {unit} over the quarter, against a target of {target}.",
        ),
        (
            speaker,
            f"Most of the change came from two projects. The first was the rollout we planned in the spring, which shipped in week {3 + number % 6}. The second was cleanup work that nobody outside the team sees, but it removed a lot of noise from our dashboards.",
        ),
        ("A", f"What would it take to close the gap to {target} next quarter?"),
        (
            speaker,
            f"Honestly, mostly focus. If we protect the team from interrupts for six weeks we can get there. The main risk is that {risk}.",
        ),
        (
            "F",
            f"From finance, the {name} budget came in at {90 + number} percent of plan, so there is some room if you need contractors for a few weeks.",
        ),
        (
            speaker,
            f"That helps. I'll put a proposal in writing by Friday, with the cost and the expected effect on {metric}.",
        ),
        (
            "A",
            f"Good. Action item for {owner}: the {name} proposal by Friday. Let's keep moving.",
        ),
    ]


def long_meeting_utterances() -> tuple[tuple[str, str], ...]:
    """About two hours of review: an opening, one report per team, a wrap-up, three rounds."""
    utterances: list[tuple[str, str]] = [
        (
            "A",
            "Good morning, everyone, and welcome to the quarterly business review. We have every team lead here, plus finance. The plan is the same as always: each team reports its headline number, what moved it, the risks for next quarter, and what they need from the rest of us.",
        ),
        (
            "F",
            "Before we start, a reminder that the budget numbers I quote are preliminary until the books close on the fifteenth.",
        ),
    ]
    for round_number, prefix in enumerate(
        ("", "Second pass, deeper dive: ", "Last round, next quarter's commitments: ")
    ):
        for number, team in enumerate(_TEAMS):
            report = _report(number + round_number * len(_TEAMS), team)
            utterances.extend(
                (who, prefix + text if who == "A" and i == 0 else text)
                for i, (who, text) in enumerate(report)
            )
    utterances.append(
        (
            "A",
            "That's everyone. To recap, every team owes a written proposal by Friday, finance will confirm budgets after the books close, and we meet again in thirteen weeks. Thanks, all.",
        )
    )
    return tuple(utterances)
