"""Email intake: messages parsed and threaded per second through mail intake (what
``flowdesk mail-in``, the relay endpoint and the IMAP poller run), against parsing alone in the
same run.

Rows:

- ``parse``: :func:`engine.channels.parse_mail` alone (MIME, charsets, HTML to text, reply
  extraction) over the same messages: the baseline (ratio 1.0).
- ``intake: new threads``: each message opens a ticket (contact and customer found or created,
  the pack's automations run: routing, acknowledgement, SLA clocks; one transaction each).
- ``intake: replies``: each message is a reply found by its In-Reply-To and appended to its
  ticket (automations run: next-response clock, counters).
- ``intake: duplicates``: the same messages again, each recognised by its Message-ID.

The database is a SQLite file (or PostgreSQL with ``--pg URL``). The process start of
``flowdesk mail-in`` (loading the pack, about a second) is left out: an MTA pipe pays it once
per message, a relay or the poller once.

    .venv/bin/python bench/mail.py [--messages 300] [--pg URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from engine.channels import MailIntake, parse_mail
from engine.objects.storage import create_database_engine, ensure_schema
from engine.packs import load_registry
from engine.runtime.clock import SystemClock
from engine.runtime.effects import MemoryMailer
from engine.runtime.factory import build_runtime

REPO = Path(__file__).resolve().parent.parent
ENV = {"FLOWDESK_MAIL_ADDRESS": "support@desk.example"}


@dataclass(frozen=True)
class Row:
    what: str
    count: int
    per_second: float
    ratio: float


def _new_mail(i: int) -> bytes:
    m = EmailMessage()
    m["From"] = f"Customer {i % 50} <c{i % 50}@customer{i % 7}.example>"
    m["To"] = "support@desk.example"
    m["Subject"] = f"打印机故障 #{i}: printer {i} does not print"
    m["Message-ID"] = f"<new-{i}@customer.example>"
    m.set_content(f"Printer {i} shows error E{i % 13}.\n打印机显示错误。\n\nBest regards,\nC{i}\n")
    m.add_alternative(f"<div>Printer {i} shows error <b>E{i % 13}</b>.</div>", subtype="html")
    return bytes(m)


def _reply(i: int) -> bytes:
    m = EmailMessage()
    m["From"] = f"Customer {i % 50} <c{i % 50}@customer{i % 7}.example>"
    m["To"] = "support@desk.example"
    m["Subject"] = f"Re: 打印机故障 #{i}"
    m["Message-ID"] = f"<reply-{i}@customer.example>"
    m["In-Reply-To"] = f"<new-{i}@customer.example>"
    m["References"] = f"<new-{i}@customer.example>"
    m.set_content(f"Still broken after restart {i}.\n\nOn Mon, Desk wrote:\n> Please restart it.\n")
    return bytes(m)


def _rate(count: int, run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL instead of SQLite")
    args = parser.parse_args(argv)
    n = args.messages
    new = [_new_mail(i) for i in range(n)]
    replies = [_reply(i) for i in range(n)]
    registry = load_registry([REPO / "packs" / "service_default"])
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg or f"sqlite:///{tmp}/bench.db"
        database = create_database_engine(url)
        ensure_schema(database, registry.objects, registry.packs)
        runtime = build_runtime(registry, database, SystemClock(), mailer=MemoryMailer(),
                                environ=ENV)
        intake = MailIntake(registry, runtime.records, ENV)

        def parse_all() -> None:
            for raw in new + replies:
                parse_mail(raw)

        def take(batch: list[bytes], status: str) -> Callable[[], None]:
            def run() -> None:
                for raw in batch:
                    outcome = intake.receive("email", raw, "bench")
                    assert outcome.status == status, outcome
            return run

        base = _rate(2 * n, parse_all)
        rows = [Row("parse (baseline)", 2 * n, base, 1.0)]
        for what, batch, status in (("intake: new threads", new, "created"),
                                    ("intake: replies", replies, "appended"),
                                    ("intake: duplicates", new, "ignored")):
            rate = _rate(n, take(batch, status))
            rows.append(Row(what, n, rate, rate / base))
        database.dispose()
    print(f"mail intake on {url.split(':')[0]} ({n} messages each)")
    print(f"{'what':<24}{'count':>8}{'msg/s':>12}{'ratio':>9}")
    for row in rows:
        print(f"{row.what:<24}{row.count:>8}{row.per_second:>12.1f}{row.ratio:>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
