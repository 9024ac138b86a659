"""Results, targets and the tables printed (and pasted into docs/performance.md)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Row:
    """One measured figure, with its ratios to the floor and to the alternative."""

    scenario: str
    contender: str
    value: float
    unit: str
    vs_floor: float | None = None
    vs_alternative: float | None = None


@dataclass
class Check:
    """One target: `measured` must not exceed `limit`."""

    target: str
    measured: float
    limit: float
    unit: str = "x"

    @property
    def passed(self) -> bool:
        return self.measured <= self.limit


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def add(self, scenario: str, values: dict[str, float], unit: str) -> None:
        for name, value in values.items():
            self.rows.append(Row(scenario, name, value, unit))

    def ratio(
        self,
        scenario: str,
        contender: str,
        *,
        floor: float | None = None,
        alternative: float | None = None,
    ) -> None:
        for row in self.rows:
            if row.scenario == scenario and row.contender == contender:
                if floor:
                    row.vs_floor = row.value / floor
                if alternative:
                    row.vs_alternative = row.value / alternative

    def check(
        self, target: str, measured: float, limit: float, unit: str = "x"
    ) -> None:
        self.checks.append(Check(target, measured, limit, unit))


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def results_table(report: Report) -> str:
    lines = [
        "| scenario | contender | value | vs floor | vs alternative |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for row in report.rows:
        lines.append(
            f"| {row.scenario} | {row.contender} | {row.value:,.1f} {row.unit} "
            f"| {_ratio(row.vs_floor)} | {_ratio(row.vs_alternative)} |"
        )
    return "\n".join(lines)


def checks_table(report: Report) -> str:
    lines = ["| target | measured | limit | result |", "| --- | ---: | ---: | --- |"]
    for check in report.checks:
        result = "PASS" if check.passed else "FAIL"
        lines.append(
            f"| {check.target} | {check.measured:.2f}{check.unit} "
            f"| {check.limit:g}{check.unit} | {result} |"
        )
    return "\n".join(lines)
