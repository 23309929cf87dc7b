"""Import throughput: rows per second of an XLSX import through the runtime (read, cleanse,
plan, validate, then write through the record commands in batches: computed fields, rules,
audit, search index, external keys, progress) against a plain batched SQLAlchemy Core insert
of the same rows read from the same file, in the same run. Goal: >= 0.3x.

Both sides start from the XLSX bytes, so both pay openpyxl's reading; the baseline only
converts the cells it inserts. SQLite file database, default pack, `customer` records.

    .venv/bin/python bench/import.py [--rows 100000] [--batch 1000] [--db URL]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table

from engine.imports import parse_mappings, run_import
from engine.runtime.factory import build_engine

PACK = Path(__file__).resolve().parent.parent / "packs" / "service_default"
HEADERS = ["编号", "客户名称", "等级", "电话", "邮箱", "累计消费"]
TIERS = ["金牌", "银牌", "铜牌", "gold"]


def workbook(rows: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(HEADERS)
    for i in range(rows):
        sheet.append([f"C{i:06d}", f"客户 {i}", TIERS[i % 4], f"139{i:08d}",
                      f"C{i}@Example.com", f"{i % 9000 + 1000:,}.50"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


MAPPING = {
    "object": "customer", "sheet": "客户", "key": "编号", "batch_size": 1000,
    "columns": {"客户名称": "name", "等级": {"field": "tier", "values": {"金牌": "gold",
                                                                      "银牌": "silver",
                                                                      "铜牌": "bronze"}},
                "电话": "phone", "邮箱": "email", "累计消费": "purchase_amount"},
}


def baseline(data: bytes, url: str, batch: int) -> float:
    """Read the sheet, convert the few cells, insert in batches: no checks at all."""
    from engine.objects.storage import create_database_engine

    engine = create_database_engine(url)
    metadata = MetaData()
    table = Table("bench_plain", metadata, Column("id", Integer, primary_key=True),
                  Column("code", String(16)), Column("name", String(200)),
                  Column("tier", String(16)), Column("phone", String(32)),
                  Column("email", String(320)), Column("amount", Numeric(18, 4)))
    metadata.create_all(engine)
    start = time.perf_counter()
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = book["客户"].iter_rows(min_row=2, values_only=True)
    pending: list[dict[str, object]] = []
    with engine.begin() as conn:
        for code, name, tier, phone, email, amount in rows:
            pending.append({"code": code, "name": name, "tier": tier, "phone": phone,
                            "email": str(email).lower(),
                            "amount": Decimal(str(amount).replace(",", ""))})
            if len(pending) == batch:
                conn.execute(table.insert(), pending)
                pending.clear()
        if pending:
            conn.execute(table.insert(), pending)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def through_runtime(data: bytes, url: str, batch: int) -> tuple[float, dict[str, int]]:
    runtime = build_engine([PACK], url, environ={})
    mapping = parse_mappings({**MAPPING, "batch_size": batch})
    start = time.perf_counter()
    outcome = run_import(runtime.records, runtime.audit, data, "bench.xlsx", mapping,
                         apply=True)
    elapsed = time.perf_counter() - start
    runtime.close()
    return elapsed, outcome.written[0].counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--db", default=None, help="database URL (default: a SQLite file)")
    args = parser.parse_args()
    data = workbook(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        plain = baseline(data, url, args.batch)
        ours, counts = through_runtime(data, url, args.batch)
    assert counts["created"] == args.rows, counts
    base_rate, our_rate = args.rows / plain, args.rows / ours
    print(f"{'side':<34} {'seconds':>8} {'rows/s':>9} {'ratio':>6}   "
          f"({args.rows} rows, XLSX {len(data) / 1e6:.1f} MB, batch {args.batch})")
    print(f"{'plain batched Core insert':<34} {plain:>8.1f} {base_rate:>9.0f} {1.0:>6.2f}")
    print(f"{'import through the runtime':<34} {ours:>8.1f} {our_rate:>9.0f} "
          f"{our_rate / base_rate:>6.2f}   (goal >= 0.30)")


if __name__ == "__main__":
    main()
