"""What the work bounds cost on ordinary input, against baselines measured in the same run.

``templates``: typical reply and email templates rendered by the budgeted environment
(``engine/workflows/template_budget.py``: loop counting, size checks, streamed output) against
Jinja2's plain ``SandboxedEnvironment`` with the same options.
``regex``: ``matches()`` patterns on RE2 (linear time, ``engine/rules_dsl/regex_guard.py``)
against Python's ``re`` on ordinary subjects; and the one hostile case, timed once each way.

    .venv/bin/python bench/bounds.py [--section templates|regex] [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from engine.rules_dsl.regex_guard import MAX_REGEX_INPUT_CHARS, compile_bounded_regex
from engine.workflows.templates import TextTemplate, compile_template, template_environment

TEMPLATES = {
    "acknowledgement": (
        "Hello {{ record.requester }},\n\nWe received \"{{ record.subject }}\" ({{ record.id }})"
        " and will answer within {{ record.hours }} business hours.\n{% if record.vip %}"
        "Your account manager is copied.{% endif %}\n-- {{ record.team|upper }}"),
    "digest": (
        "{% for item in record.open_items %}- {{ item.title|truncate(40) }} ({{ item.state }})"
        "{% if not loop.last %}\n{% endif %}{% endfor %}\n{{ record.open_items|length }} open; "
        "{{ record.open_items|map(attribute='hours')|sum }} hours in all"),
}
CONTEXT = {"record": {
    "requester": "Li Na", "subject": "Printer on fire", "id": 42, "hours": 4, "vip": True,
    "team": "support",
    "open_items": [{"title": f"Ticket number {i} with a long enough title", "state": "open",
               "hours": i % 7} for i in range(30)],
}}
SUBJECTS = [f"Order {i}: refund for invoice INC-{2000 + i} please" for i in range(200)]
PATTERNS = [r"(?i)refund", r"^Order [0-9]+:", r"INC-[0-9]{4}", r"\w+@example\.com$"]


def _rate(work: Callable[[], object], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            work()
        count += 50
    return count / elapsed


def templates_section(seconds: float) -> None:
    plain = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                 keep_trailing_newline=True)
    budgeted = template_environment()
    print(f"{'template':<16}{'plain renders/s':>18}{'budgeted renders/s':>21}{'ratio':>8}")
    for name, text in TEMPLATES.items():
        baseline = plain.from_string(text)
        compiled, problems = compile_template(budgeted, text, ["record"], CONTEXT["record"])
        assert isinstance(compiled, TextTemplate), problems
        assert compiled.render(CONTEXT) == baseline.render(CONTEXT)
        base = _rate(lambda t=baseline: t.render(CONTEXT), seconds)
        ours = _rate(lambda t=compiled: t.render(CONTEXT), seconds)
        print(f"{name:<16}{base:>18,.0f}{ours:>21,.0f}{ours / base:>8.2f}")


def regex_section(seconds: float) -> None:
    print(f"{'pattern':<22}{'re searches/s':>16}{'RE2 searches/s':>17}{'ratio':>8}")
    for pattern in PATTERNS:
        python = re.compile(pattern).search
        linear = compile_bounded_regex(pattern)
        base = _rate(lambda f=python: [f(s[:MAX_REGEX_INPUT_CHARS]) for s in SUBJECTS], seconds)
        ours = _rate(lambda f=linear: [f(s) for s in SUBJECTS], seconds)
        print(f"{pattern:<22}{base * len(SUBJECTS):>16,.0f}{ours * len(SUBJECTS):>17,.0f}"
              f"{ours / base:>8.2f}")
    hostile, text = ".*x.*y", "x" * 1000  # a quarter of the input bound: re is O(n^3)
    start = time.perf_counter()
    re.search(hostile, text)
    slow = time.perf_counter() - start
    start = time.perf_counter()
    compile_bounded_regex(hostile)(text)
    fast = time.perf_counter() - start
    print(f"hostile {hostile!r} on {len(text)} chars: re {slow:.3f} s, RE2 {fast:.6f} s")


SECTIONS = {"templates": templates_section, "regex": regex_section}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    for name in args.section or list(SECTIONS):
        print(f"\n== {name}")
        SECTIONS[name](args.seconds)


if __name__ == "__main__":
    main()
