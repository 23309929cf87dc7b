"""Full-text search against ``subject__contains``, on a generated corpus, in the same run.

A corpus of ``--size`` tickets (Chinese, English and mixed, generated from 120 topics: each
topic has a Chinese phrase and an English word, buried in filler text) is written straight
into the tables and the search index (batches, no commands: the index writer is the one the
commands use). Then 120+ labelled queries (each topic's Chinese phrase, its English word, and
a two-character Chinese prefix) are run through ``RecordSearch.search`` as an admin, and the
same words through a ``subject__contains`` list (the scan search replaces). Relevance: a
record of the query's topic. Prints recall@10, MRR and p50/p95 latency of each.

    .venv/bin/python bench/search.py [--size 200000] [--db URL]

200k records on SQLite by default; ``--db`` names a PostgreSQL database (use a scratch one:
the bench creates its tables there) for the 1M run: ``--size 1000000 --db $URL``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.objects.storage import create_database_engine, ensure_schema  # noqa: E402
from engine.packs import load_registry  # noqa: E402
from engine.runtime.clock import ManualClock  # noqa: E402
from engine.runtime.factory import build_runtime  # noqa: E402
from engine.runtime.list_query import Filter  # noqa: E402
from engine.runtime.principal import Principal  # noqa: E402
from engine.runtime.record_search import RecordSearch  # noqa: E402
from engine.search import SearchIndexWriter  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: Common Chinese characters the filler text is drawn from.
_HAN = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
    "同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自"
    "二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
    "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变"
    "条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
    "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器"
    "压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安"
    "场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集"
    "温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连"
    "断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精"
    "值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属"
    "圆包火住调满县局照参红细引听该铁价严"
)
_WORDS = (
    "account", "billing", "invoice", "refund", "printer", "network", "password", "login",
    "server", "order", "payment", "delivery", "screen", "keyboard", "update", "install", "error",
    "timeout", "license", "backup", "email", "mobile", "battery", "charger", "router",
    "firewall", "storage", "database", "report", "export", "import", "signature", "contract",
    "renewal", "discount", "coupon", "shipping", "warehouse", "return", "replacement",
    "warranty", "repair", "cable", "monitor", "camera", "speaker", "headset", "driver", "system",
)


def _topics(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(Chinese phrase, English word) per topic, all distinct."""
    phrases: set[str] = set()
    words: list[str] = []
    out = []
    while len(out) < n:
        phrase = "".join(rng.choice(_HAN) for _ in range(3))
        word = f"{rng.choice(_WORDS)}{rng.choice('xyzqjk')}{rng.randint(10, 99)}"
        if phrase in phrases or word in words:
            continue
        phrases.add(phrase)
        words.append(word)
        out.append((phrase, word))
    return out


def _filler_zh(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_HAN) for _ in range(n))


def _filler_en(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def _record(rng: random.Random, topic: tuple[str, str], kind: int) -> tuple[str, str]:
    phrase, word = topic
    if kind == 0:  # Chinese
        return (f"{_filler_zh(rng, 4)}{phrase}{_filler_zh(rng, 3)}",
                f"{_filler_zh(rng, 30)}，{word}，{_filler_zh(rng, 20)}")
    if kind == 1:  # English
        return (f"{_filler_en(rng, 2)} {word} {_filler_en(rng, 2)}",
                f"{_filler_en(rng, 20)} {phrase} {_filler_en(rng, 10)}")
    return (f"{phrase} {word} {_filler_en(rng, 1)}", f"{_filler_zh(rng, 15)} {_filler_en(rng, 10)}")


def _fill(runtime, size: int, topics, rng: random.Random) -> list[int]:  # type: ignore[no-untyped-def]
    """Write customers and tickets and their index rows; returns each ticket's topic."""
    writer = SearchIndexWriter(runtime.registry.objects, runtime.database.dialect.name)
    ticket = runtime.records.table("ticket")
    customer = runtime.records.table("customer")
    base = {"created_at": NOW, "updated_at": NOW, "created_by": "bench", "version": 1,
            "channel": "web", "category": "general", "priority": "P3", "status": "new",
            "language": "zh-CN", "escalated": False, "reopen_count": 0,
            "agent_reply_count": 0}
    labels: list[int] = []
    with runtime.database.begin() as conn:
        conn.execute(insert(customer), [{"id": 1, "name": "Bench", "created_at": NOW,
                                         "updated_at": NOW, "version": 1, "tier": "bronze"}])
    for start in range(0, size, 2000):
        rows = []
        for i in range(start, min(size, start + 2000)):
            t = rng.randrange(len(topics))
            subject, description = _record(rng, topics[t], i % 3)
            labels.append(t)
            rows.append({**base, "id": i + 1, "subject": subject, "description": description,
                         "customer": 1})
        with runtime.database.begin() as conn:
            conn.execute(insert(ticket), rows)
            writer.write_new(conn, "ticket", rows)
        print(f"  {min(size, start + 2000)} records", end="\r", file=sys.stderr)
    print(file=sys.stderr)
    return labels


def _measure(run, queries, labels):  # type: ignore[no-untyped-def]
    times, recalls, reciprocal = [], [], []
    for query, topic in queries:
        t0 = time.perf_counter()
        ids = run(query)
        times.append(time.perf_counter() - t0)
        relevant = sum(1 for i in labels if i == topic)
        top = ids[:10]
        hits = [i for i in top if labels[i - 1] == topic]
        recalls.append(len(hits) / min(10, relevant) if relevant else 1.0)
        first = next((k for k, i in enumerate(top, 1) if labels[i - 1] == topic), None)
        reciprocal.append(1 / first if first else 0.0)
    times.sort()
    return (statistics.mean(recalls), statistics.mean(reciprocal),
            times[len(times) // 2] * 1000, times[int(len(times) * 0.95)] * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--db", default=None, help="database URL (default: a SQLite temp file)")
    args = parser.parse_args()
    rng = random.Random(13)
    topics = _topics(120, rng)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/search.db"
        registry = load_registry([REPO / "packs" / "service_default"])
        database = create_database_engine(url)
        ensure_schema(database, registry.objects, registry.packs)
        runtime = build_runtime(registry, database, ManualClock(NOW))
        t0 = time.perf_counter()
        labels = _fill(runtime, args.size, topics, rng)
        load = time.perf_counter() - t0
        # A bulk load leaves the planner's statistics behind (PostgreSQL then scans the
        # object's index rows instead of using GIN); autovacuum would catch up, ANALYZE now.
        with runtime.database.begin() as conn:
            conn.execute(text("ANALYZE"))
        admin = runtime.access.for_user(Principal(user_id=1, name="bench",
                                                  roles=frozenset({"admin"})))
        search = RecordSearch(runtime.records)
        queries = ([(p, i) for i, (p, _) in enumerate(topics)]
                   + [(w, i) for i, (_, w) in enumerate(topics)]
                   + [(p[:2], i) for i, (p, _) in enumerate(topics[:40])])

        def fts(query: str) -> list[int]:
            return [h.id for h in search.search(admin, query, objects=["ticket"], limit=10)]

        def contains(query: str) -> list[int]:
            page = runtime.records.list("ticket", [Filter("subject", "contains", query)],
                                        limit=10)
            return [r["id"] for r in page.items]

        rows = [("full-text search", *_measure(fts, queries, labels)),
                ("subject__contains", *_measure(contains, queries, labels))]
        print(f"{runtime.database.dialect.name}, {args.size} records, {len(queries)} labelled "
              f"queries; corpus written and indexed in {load:.1f} s")
        print(f"{'method':<20} {'recall@10':>9} {'MRR':>6} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'p95 ratio':>9}")
        base = rows[1][4]
        for name, recall, mrr, p50, p95 in rows:
            print(f"{name:<20} {recall:>9.3f} {mrr:>6.3f} {p50:>8.1f} {p95:>8.1f} "
                  f"{p95 / base:>9.2f}")
        runtime.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
