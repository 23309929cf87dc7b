"""The cost of the desk's view counts: ``GET /api/views`` for an agent (every view the agent
sees, each counted in SQL within the role filter, the SLA views joined on the clock table)
against the baseline of one plain count of the same tickets (``UserAccess.list`` with
``limit=1``), on the default pack; and one page of a view against one page of the list.

    .venv/bin/python bench/views.py [--n 5000] [--repeat 50]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.runtime.factory import build_engine
from engine.runtime.principal import Principal
from engine.views.view_lists import ViewLists

PACK = Path(__file__).resolve().parent.parent / "packs" / "service_default"


def _rate(repeat: int, call: Callable[[], Any]) -> float:
    call()  # warm up
    start = time.perf_counter()
    for _ in range(repeat):
        call()
    return repeat / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runtime = build_engine([PACK], f"sqlite:///{Path(tmp) / 'bench.db'}", environ={})
        table = runtime.records.table("ticket")
        now = runtime.clock.now()
        queues = ["billing", "technical", "sales", None]
        statuses = ["new", "open", "pending_customer", "resolved"]
        rows = [{"subject": f"t{i}", "priority": "P3", "status": statuses[i % 4],
                 "channel": "web", "category": "general", "language": "en",
                 "escalated": False, "reopen_count": 0, "queue": queues[i % 4],
                 "assignee": "andy" if i % 7 == 0 else None, "created_at": now,
                 "updated_at": now, "created_by": "bench", "version": 1}
                for i in range(args.n)]
        with runtime.database.begin() as conn:
            conn.execute(table.insert(), rows)
        agent = runtime.access.for_user(
            Principal(2, "andy", frozenset({"agent"}), teams=("billing", "technical")))
        views = ViewLists(runtime.registry, runtime.records, runtime.sla.table)
        shown = views.shown(agent)
        results = [
            ("plain count (baseline)", _rate(args.repeat,
                                             lambda: agent.list("ticket", [("limit", "1")]))),
            (f"GET /api/views ({len(shown)} counts)",
             _rate(args.repeat, lambda: views.items(agent, None, "en"))),
            ("list page of 50", _rate(args.repeat, lambda: agent.list("ticket", []))),
            ("view page of 50 (all_open)",
             _rate(args.repeat, lambda: views.records(agent, "all_open", []))),
        ]
        runtime.close()
    base = results[0][1]
    print(f"{'what':<32} {'calls/s':>8} {'ratio':>6}   (N={args.n} tickets, SQLite)")
    for name, rate in results:
        print(f"{name:<32} {rate:>8.1f} {rate / base:>6.2f}")


if __name__ == "__main__":
    main()
