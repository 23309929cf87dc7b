"""The cost of what a signed-in user's write goes through: a reply created through
``RecordService.create`` (the system, no checks: the baseline) against the same reply through
``UserAccess.create`` (what ``POST /api/records/ticket_message`` calls) as an admin (its
reference looked up) and as a portal user (author and author type filled from the user, the
ticket looked up through the user's read filter, the create filter evaluated), on the default
pack and SQLite. Goal: the portal user keeps at least half the baseline's rate.

The sides take turns in rounds (so a busy machine slows them alike) and each reports its best
round. Each create also runs the pack's automations for a new message, as the API would.

    .venv/bin/python bench/user_writes.py [--n 300] [--rounds 5]
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

PACK = Path(__file__).resolve().parent.parent / "packs" / "service_default"


def _rate(n: int, create: Callable[[int], Any]) -> float:
    start = time.perf_counter()
    for i in range(n):
        create(i)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runtime = build_engine([PACK], f"sqlite:///{Path(tmp) / 'bench.db'}")
        records = runtime.records
        customer = records.create("customer", {"name": "Mine"}, "bench")["id"]
        ticket = records.create("ticket", {"subject": "t", "customer": customer,
                                           "queue": "billing"}, "bench")["id"]
        admin = runtime.access.for_user(Principal(1, "boss", frozenset({"admin"})))
        portal = runtime.access.for_user(Principal(
            2, "cathy", frozenset({"customer"}), attributes={"customer": customer}))

        def reply(i: int) -> dict[str, Any]:
            return {"ticket": ticket, "kind": "reply", "body": f"message {i}"}

        sides: dict[str, Callable[[int], Any]] = {
            "system": lambda i: records.create(
                "ticket_message", reply(i) | {"author": "cathy", "author_type": "customer"},
                "cathy"),
            "admin": lambda i: admin.create("ticket_message", reply(i)),
            "customer": lambda i: portal.create("ticket_message", reply(i)),
        }
        for create in sides.values():
            create(-1)  # warm up (validators, statements)
        rates = dict.fromkeys(sides, 0.0)
        for _ in range(args.rounds):
            for name, create in sides.items():
                rates[name] = max(rates[name], _rate(args.n // args.rounds, create))
        runtime.close()
    base = rates["system"]
    print(f"{'who':<10} {'creates/s':>10} {'ratio':>6}   (N={args.n} each, best of "
          f"{args.rounds} rounds, SQLite)")
    for name, rate in rates.items():
        print(f"{name:<10} {rate:>10.0f} {rate / base:>6.2f}")


if __name__ == "__main__":
    main()
