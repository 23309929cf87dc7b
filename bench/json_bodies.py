"""What the checked JSON decoder costs: ``decode_json_body`` (depth, number length, NUL and
lone surrogates) against plain ``json.loads`` with the same Decimal parsing, both measured in
this run, on bodies from a small record to 1 MiB.

    .venv/bin/python bench/json_bodies.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.api.json_body import decode_json_body  # noqa: E402


def _record() -> bytes:
    return json.dumps({"subject": "Printer on fire", "priority": "P2", "customer": 17,
                       "tags": ["hardware", "urgent"], "description": "It smokes. " * 20,
                       "amount": 12.5}).encode()


def _many_records(size: int, *, escaped: bool) -> bytes:
    # escaped: non-ASCII written as \\u escapes, which makes the decoder walk every string
    item = json.loads(_record())
    item["description"] = "打印机着火了。" * 10
    one = len(json.dumps(item, ensure_ascii=escaped).encode()) + 2
    return json.dumps({"items": [item] * (size // one)}, ensure_ascii=escaped).encode()


def _deep(depth: int) -> bytes:
    return b'{"v": ' + b"[" * depth + b"1" + b"]" * depth + b"}"


def _plain(raw: bytes) -> Any:
    return json.loads(raw, parse_float=Decimal)


def _per_call(fn: Callable[[bytes], Any], raw: bytes, repeat: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            fn(raw)
        best = min(best, (time.perf_counter() - start) / repeat)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    bodies = [
        ("one record", _record(), args.repeat * 10),
        ("60 levels deep", _deep(60), args.repeat * 10),
        ("1 MiB, UTF-8 text", _many_records(1 << 20, escaped=False), max(args.repeat // 20, 3)),
        ("1 MiB, \\u escapes", _many_records(1 << 20, escaped=True), max(args.repeat // 20, 3)),
    ]
    print(f"{'body':<20} {'bytes':>9} {'json.loads':>12} {'checked':>12} {'ratio':>7}")
    for name, raw, repeat in bodies:
        plain = _per_call(_plain, raw, repeat)
        checked = _per_call(decode_json_body, raw, repeat)
        print(f"{name:<20} {len(raw):>9} {plain * 1e6:>10.1f}µs {checked * 1e6:>10.1f}µs "
              f"{checked / plain:>6.2f}x")


if __name__ == "__main__":
    main()
