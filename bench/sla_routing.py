"""SLA and routing benchmarks, one section each, every figure against a baseline measured in
the same run. Sections so far:

- ``calendar``: business-time deadlines (``BusinessCalendar.add``) on the default pack's
  ``cn_business`` calendar, against a naive minute-stepping loop that walks local wall time one
  minute at a time (the obvious implementation). Both must agree on every deadline.

    .venv/bin/python bench/sla_routing.py [--only calendar] [--n 20000] [--seed 7]

A new section (SLA replay, assignment among 1,000 agents) is a function returning ``Row``s,
added to ``SECTIONS``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from engine.packs import load_registry
from engine.workflows.calendar import BusinessCalendar

ROOT = Path(__file__).resolve().parent.parent
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """One line of the table: the workload, how many ran on each side, and their rates."""

    section: str
    workload: str
    n: int
    rate: float
    baseline_n: int
    baseline_rate: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.rate / self.baseline_rate if self.baseline_rate else float("inf")


def per_second(fn: Callable[[], object], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - started)


# -- calendar ------------------------------------------------------------------------------------


def naive_add(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The baseline: step minute by minute through local wall time, counting open minutes
    (minute-aligned inputs only)."""
    tz = ZoneInfo(calendar.timezone)
    remaining = duration // timedelta(minutes=1)
    t = start.astimezone(UTC)
    while remaining > 0:
        local = t.astimezone(tz)
        minute = local.hour * 60 + local.minute
        if any(i.start <= minute < i.end for i in calendar.hours_on(local.date())):
            remaining -= 1
        t += timedelta(minutes=1)
    return t


def calendar_section(n: int, seed: int) -> list[Row]:
    calendar = load_registry([ROOT / "packs/service_default"]).calendar("cn_business")
    rng = random.Random(seed)
    starts = [YEAR_START + timedelta(minutes=rng.randrange(365 * 24 * 60)) for _ in range(n)]
    rows = []
    # (workload, business duration, computations on the naive side)
    workloads = [("4 business hours", timedelta(hours=4), 300),
                 ("3 business days (24h)", timedelta(hours=24), 40),
                 ("400 business days (3,200h)", timedelta(hours=3200), 2)]
    for workload, target, naive_n in workloads:
        for start in starts[:naive_n]:
            assert naive_add(calendar, start, target) == calendar.add(start, target), start
        it = iter(starts * 2)
        warm = per_second(lambda: calendar.add(next(it), target), n)  # noqa: B023
        it_naive = iter(starts)
        naive = per_second(lambda: naive_add(calendar, next(it_naive), target),  # noqa: B023
                           naive_n)
        rows.append(Row("calendar", workload, n, warm, naive_n, naive,
                        "dates cached (steady state)"))
        if target <= timedelta(hours=24):
            fresh = [_fresh(calendar) for _ in range(min(n, 2000))]
            pairs = iter(zip(fresh, starts, strict=False))
            cold = per_second(lambda: _add(next(pairs), target), len(fresh))  # noqa: B023
            rows.append(Row("calendar", f"{workload}, cold", len(fresh), cold, naive_n, naive,
                            "a new calendar each time: no cached dates"))
    return rows


def _fresh(calendar: BusinessCalendar) -> BusinessCalendar:
    return BusinessCalendar(calendar.name, calendar.timezone, calendar.weekly,
                            calendar.holidays, calendar.working_days)


def _add(pair: tuple[BusinessCalendar, datetime], target: timedelta) -> datetime:
    return pair[0].add(pair[1], target)


# -- routing -------------------------------------------------------------------------------------


def routing_section(n: int, seed: int) -> list[Row]:
    """Assignment decisions among 1,000 agents; see ``bench/routing_decisions.py``."""
    from routing_decisions import measure  # bench/ is the script's folder

    return [Row("routing", *measured) for measured in measure(n, seed)]


# -- sla replay ----------------------------------------------------------------------------------


def replay_section(n: int, seed: int) -> list[Row]:
    """``flowdesk sla replay`` over ``5 * n`` records (100,000 with the default ``--n``); see
    ``bench/sla_replay_timing.py``. Baseline: a query per record's history."""
    from sla_replay_timing import measure  # bench/ is the script's folder

    return [Row("replay", *measured) for measured in measure(5 * n, seed)]


SECTIONS: dict[str, Callable[[int, int], list[Row]]] = {
    "calendar": calendar_section,
    "routing": routing_section,
    "replay": replay_section,
}


def print_table(rows: Sequence[Row]) -> None:
    print(f"{'section':<10} {'workload':<34} {'n':>7} {'per second':>12} "
          f"{'baseline n':>10} {'baseline/s':>11} {'ratio':>10}  note")
    print("-" * 120)
    for r in rows:
        print(f"{r.section:<10} {r.workload:<34} {r.n:>7,} {r.rate:>12,.0f} "
              f"{r.baseline_n:>10,} {r.baseline_rate:>11,.1f} {r.ratio:>9,.0f}x  {r.note}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--n", type=int, default=20_000, help="computations per workload")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for name in args.only or SECTIONS:
        rows += SECTIONS[name](args.n, args.seed)
    print("baseline: naive minute-stepping over local wall time (same calendar, same starts)")
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
