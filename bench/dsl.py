"""Rule DSL benchmark: one routing condition over N ticket records, five ways.

Compiled DSL vs a hand-written Python lambda (the ceiling) vs cel-python, rule-engine and
simpleeval, all measured in this run; then parse + check + compile time for a batch of rules.

    .venv/bin/python bench/dsl.py [--n N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.rules_dsl import (  # noqa: E402
    BOOLEAN,
    DATETIME,
    DECIMAL,
    INTEGER,
    STRING,
    EnumType,
    ListType,
    RecordType,
    RefType,
    TypeEnv,
    compile_expression,
)

CONDITION = (
    'priority in ["P1", "P2"] and customer.tier in ["strategic", "gold"] '
    'and any(tags, t -> t == "billing") and not contains(lower(subject), "test")'
)

OBJECTS = {
    "customer": RecordType(
        "customer",
        {"name": STRING, "tier": EnumType(["standard", "silver", "gold", "strategic"])},
    ),
    "ticket": RecordType(
        "ticket",
        {
            "priority": EnumType(["P1", "P2", "P3", "P4"]),
            "status": EnumType(["new", "open", "pending", "solved", "closed"]),
            "subject": STRING,
            "tags": ListType(STRING),
            "customer": RefType("customer"),
            "created_at": DATETIME,
            "amount": DECIMAL,
            "reopen_count": INTEGER,
            "vip": BOOLEAN,
        },
    ),
}

#: A batch of realistic rules for the parse + check + compile timing.
RULES = [
    CONDITION,
    'priority == "P1" and customer.tier == "strategic"',
    'status in ["solved", "closed"]',
    "changed(priority) and priority < old.priority",
    'now() - created_at > 4h and status == "new"',
    'if priority == "P1" then 1h else if priority == "P2" then 4h else 24h',
    'any(tags, t -> starts_with(t, "vip")) or vip',
    'count(tags, t -> t in ["spam", "test"]) == 0',
    'matches(subject, "(?i)refund|chargeback")',
    "amount * 1.2 > 1000 and reopen_count < 3",
    '"admin" in user.roles or any(user.teams, t -> t == "L2")',
    'coalesce(customer.name, "unknown") != "unknown"',
    "not is_empty(subject) and len(subject) < 200",
    'status == "pending" and hours(now() - created_at) >= 48',
    'lower(trim(subject)) == "password reset"',
    'customer.tier in ["gold", "strategic"] and priority != "P4"',
]


def make_records(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    subjects = ["Refund request", "Login fails", "TEST ticket", "Invoice wrong", "VPN down"]
    tags = ["billing", "refund", "vpn", "login", "spam", "vip-request"]
    return [
        {
            "priority": rnd.choice(["P1", "P2", "P3", "P4"]),
            "subject": f"{rnd.choice(subjects)} #{i}",
            "tags": rnd.sample(tags, rnd.randint(0, 3)),
            "customer": {
                "name": f"c{i % 97}",
                "tier": rnd.choice(["standard", "silver", "gold", "strategic"]),
            },
        }
        for i in range(n)
    ]


def rate(
    fn: Callable[[Any], Any], records: Sequence[Any], repeat: int = 3
) -> tuple[float, list[Any]]:
    """Best-of-``repeat`` evaluations per second, and the results of the last run."""
    best = float("inf")
    results: list[Any] = []
    for _ in range(repeat):
        start = time.perf_counter()
        results = [fn(r) for r in records]
        best = min(best, time.perf_counter() - start)
    return len(records) / best, results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="records (default 100000)")
    parser.add_argument(
        "--slow-n",
        type=int,
        default=2_000,
        help="records for the slowest libraries (cel-python, rule-engine); default 2000",
    )
    args = parser.parse_args(argv)
    records = make_records(args.n)
    env = TypeEnv.for_record(OBJECTS, "ticket", change_context=True)

    compiled = compile_expression(CONDITION, env, expected=BOOLEAN)

    def hand_written(r: dict[str, Any]) -> bool:
        return (
            r["priority"] in ("P1", "P2")
            and r["customer"]["tier"] in ("strategic", "gold")
            and any(t == "billing" for t in r["tags"])
            and "test" not in r["subject"].lower()
        )

    rows: list[tuple[str, float, int, str]] = []
    lambda_rate, expected = rate(hand_written, records)
    rows.append(("hand-written lambda", lambda_rate, len(records), "the ceiling"))
    dsl_rate, got = rate(compiled.evaluate, records)
    assert got == expected, "compiled DSL disagrees with the lambda"
    rows.append(("flowdesk DSL (compiled)", dsl_rate, len(records), "exact condition, null-safe"))

    try:
        import simpleeval

        evaluator = simpleeval.EvalWithCompoundTypes()
        parsed = evaluator.parse(
            'priority in ("P1", "P2") and customer["tier"] in ("strategic", "gold") '
            'and "billing" in tags and "test" not in subject.lower()'
        )

        def run_simpleeval(r: dict[str, Any]) -> bool:
            evaluator.names = r
            return bool(evaluator.eval("", previously_parsed=parsed))

        se_rate, se_got = rate(run_simpleeval, records, repeat=1)
        assert se_got == expected
        rows.append(
            (
                "simpleeval (pre-parsed)",
                se_rate,
                len(records),
                'any(tags, ...) written as "billing" in tags',
            )
        )
    except ImportError:
        rows.append(("simpleeval", 0.0, 0, "not installed"))

    slow = records[: args.slow_n]
    try:
        import rule_engine

        rule = rule_engine.Rule(
            'priority in ["P1", "P2"] and customer["tier"] in ["strategic", "gold"] '
            'and "billing" in tags and not "test" in subject.as_lower',
            context=rule_engine.Context(resolver=rule_engine.resolve_item),
        )
        re_rate, re_got = rate(rule.matches, slow, repeat=1)
        assert re_got == expected[: len(slow)]
        rows.append(("rule-engine", re_rate, len(slow), 'any(...) written as "billing" in tags'))
    except ImportError:
        rows.append(("rule-engine", 0.0, 0, "not installed"))

    try:
        import celpy

        cel_env = celpy.Environment()
        program = cel_env.program(
            cel_env.compile(
                'priority in ["P1", "P2"] && customer.tier in ["strategic", "gold"] '
                '&& tags.exists(t, t == "billing") && !subject.matches("(?i)test")'
            )
        )
        activations = [celpy.json_to_cel(r) for r in slow]  # converted outside the timing
        cel_rate, cel_got = rate(lambda a: bool(program.evaluate(a)), activations, repeat=1)
        assert cel_got == expected[: len(slow)]
        rows.append(
            (
                "cel-python",
                cel_rate,
                len(slow),
                'lower()+contains written as matches("(?i)test"); JSON→CEL not timed',
            )
        )
    except ImportError:
        rows.append(("cel-python", 0.0, 0, "not installed"))

    print(
        "Routing condition over ticket dicts (customer pre-loaded as a nested dict):\n"
        f"  {CONDITION}\n"
    )
    print(f"{'implementation':<26} {'records':>8} {'evals/s':>13} {'vs lambda':>10}  note")
    print("-" * 100)
    for name, per_second, n, note in rows:
        ratio = per_second / lambda_rate if per_second else 0.0
        print(f"{name:<26} {n:>8} {per_second:>13,.0f} {ratio:>9.4f}x  {note}")

    # parse + check + compile for a batch of realistic rules
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        for text in RULES:
            compile_expression(text, env)
    per_rule = (time.perf_counter() - start) / (rounds * len(RULES))
    print(
        f"\nparse + check + compile: {len(RULES)} rules x {rounds} rounds, "
        f"{per_rule * 1000:.3f} ms per rule ({1 / per_rule:,.0f} rules/s)"
    )
    pack_load_time()
    return 0


def pack_load_time(rounds: int = 10) -> None:
    """Load + check + compile of the whole default pack, rules included (what start-up pays)."""
    from engine.packs import load_registry

    pack = Path(__file__).resolve().parent.parent / "packs" / "service_default"
    registry = load_registry([pack])
    expressions = sum(
        len(obj.validations) + sum(1 for f in obj.fields.values() if f.computed is not None)
        for obj in registry.objects.values()
    )
    start = time.perf_counter()
    for _ in range(rounds):
        load_registry([pack])
    per_load = (time.perf_counter() - start) / rounds
    print(
        f"default pack load + check + compile: {per_load * 1000:.1f} ms "
        f"({len(registry.objects)} objects, {len(registry.forms)} forms, "
        f"{expressions} rule expressions)"
    )


if __name__ == "__main__":
    sys.exit(main())
