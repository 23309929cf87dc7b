"""The cost of permissions on lists: one page of tickets read as an admin (no condition)
against the same page read as an agent (``queue == null or queue in user.teams``) and as a
portal user (``customer == user.customer``, plus hidden fields removed), on the default pack.

Each side lists the first page (50) of N tickets, with its total, many times through
``UserAccess.list`` (what ``GET /api/records/ticket`` calls). Goal: a role filter costs no
more than half the admin's rate.

    .venv/bin/python bench/access.py [--n 5000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from engine.runtime.factory import build_engine
from engine.runtime.principal import Principal

PACK = Path(__file__).resolve().parent.parent / "packs" / "service_default"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runtime = build_engine([PACK], f"sqlite:///{Path(tmp) / 'bench.db'}")
        table = runtime.records.table("ticket")
        customers = [runtime.records.create("customer", {"name": f"C{i}"}, "bench")["id"]
                     for i in range(20)]
        queues = ["billing", "sales", "support", None]
        rows = [{"subject": f"t{i}", "priority": "P3", "status": "new", "channel": "web",
                 "category": "general", "language": "en", "escalated": False,
                 "reopen_count": 0, "customer": customers[i % 20], "queue": queues[i % 4],
                 "created_at": runtime.clock.now(), "updated_at": runtime.clock.now(),
                 "created_by": "bench", "version": 1} for i in range(args.n)]
        with runtime.database.begin() as conn:
            conn.execute(table.insert(), rows)
        principals = {
            "admin": Principal(1, "boss", frozenset({"admin"})),
            "agent": Principal(2, "andy", frozenset({"agent"}), teams=("billing",)),
            "customer": Principal(3, "cathy", frozenset({"customer"}),
                                  attributes={"customer": customers[0]}),
        }
        rates: dict[str, tuple[float, int]] = {}
        for name, principal in principals.items():
            access = runtime.access.for_user(principal)
            page = access.list("ticket", [])  # warm up (compiles validators once)
            start = time.perf_counter()
            for _ in range(args.repeat):
                page = access.list("ticket", [])
            rates[name] = (args.repeat / (time.perf_counter() - start), page.total)
        runtime.close()
    base = rates["admin"][0]
    print(f"{'who':<10} {'visible':>8} {'lists/s':>9} {'ratio':>6}   (N={args.n}, page 50)")
    for name, (rate, total) in rates.items():
        print(f"{name:<10} {total:>8} {rate:>9.0f} {rate / base:>6.2f}")


if __name__ == "__main__":
    main()
