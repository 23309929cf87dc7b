"""Concurrent updates of one version: exactly one wins, the others get stale_version."""

from __future__ import annotations

import threading

from engine.errors import Conflict
from engine.runtime.records import RecordService

WRITERS = 6


def test_concurrent_updates_of_one_version_let_exactly_one_win(records: RecordService) -> None:
    account = records.create("account", {"name": "Acme", "score": 0}, "alice")
    barrier = threading.Barrier(WRITERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        barrier.wait()
        try:
            records.update("account", account["id"], {"score": n + 1}, expected_version=1,
                           actor=f"writer{n}")
            result = "won"
        except Conflict as exc:
            result = exc.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["stale_version"] * (WRITERS - 1) + ["won"]
    final = records.get("account", account["id"])
    assert final["version"] == 2
    updates = [e for e in records.history("account", account["id"]) if e.action == "update"]
    assert len(updates) == 1 and updates[0].new == final["score"]
