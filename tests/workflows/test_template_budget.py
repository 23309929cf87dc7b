"""A template cannot stop the process that renders it: loops, the sizes of the values it
builds, its output and its time are bounded. What the text makes unbounded is refused when the
pack loads; the rest fails at run time as ``template_failed`` with the reason.

Every case runs under a test-level time limit (SIGALRM), so a bound that does not hold fails
the test instead of hanging the suite.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.errors import FlowdeskError, PackError
from engine.objects.storage import ensure_schema
from engine.packs import compile_registry
from engine.packs.loader import load_packs
from engine.runtime.clock import ManualClock
from engine.runtime.effects import MemoryMailer, MemoryWebhookSender
from engine.runtime.factory import build_runtime
from engine.workflows.template_budget import TemplateLimits
from engine.workflows.templates import compile_template, template_environment
from tests.time_limit import time_limit

from .lab import LAB, T0, create, notes
from .problems import assert_one_problem

#: Far above what any case needs; only a guard against a bound that does not hold.
TEST_TIME_LIMIT = 20
#: The default limits with a clock that never runs out, so that the loop and size cases end
#: by their own bound however loaded the machine is.
NO_CLOCK = TemplateLimits(seconds=3600)


@pytest.fixture(autouse=True)
def limited_time() -> Iterator[None]:
    with time_limit(TEST_TIME_LIMIT, "the template"):
        yield


def _load_problems(text: str) -> list[tuple[str, int, str]]:
    _, problems = compile_template(template_environment(), text, ["record"], {})
    return [(p.code, p.line, p.message) for p in problems]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("{% for i in range(100000) %}\n{% for j in range(100000) %}{% endfor %}{% endfor %}",
         2, "its nested loops run 10,000,000,000 times, more than the 100,000 iterations a "
            "template may"),
        ("{{ 'x' * 10**10 }}", 1,
         "a repeated value would hold 10,000,000,000 characters or items, more than "
         "1,000,000"),
        ("{% for i in range(10**9) %}{% endfor %}", 1,
         "range() of 1,000,000,000 items is over the sandbox's 100,000"),
        ("a\n{{ 2 ** 100000 }}", 2,
         "2 ** 100000 would have about 100,000 bits, more than 4096"),
    ],
)
def test_what_the_text_makes_unbounded_is_refused_at_load(
    text: str, line: int, message: str
) -> None:
    assert _load_problems(text) == [
        ("template_unbounded", line, f"template is unbounded: {message}")]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # Loops: counted, so a tight loop stops without a clock.
        ("{% set n = 100000 %}{% for i in range(n) %}{% for j in range(n) %}{% endfor %}"
         "{% endfor %}", "it ran more than 100,000 loop iterations and macro calls"),
        ("{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
         "{{ f(40) }}", "it ran more than 100,000 loop iterations and macro calls"),
        # Sizes: refused before the value is built.
        ("{% set n = 10 %}{{ 'x' * n ** 10 }}",
         "a repeated value would hold 10,000,000,000 characters or items"),
        ("{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
         "{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "a joined text (~) would hold 1,048,576"),
        ("{% set ns = namespace(s=[1]) %}{% for i in range(40) %}"
         "{% set ns.s = ns.s + ns.s %}{% endfor %}", "a sum would hold 1,048,576"),
        ("{% set n = 9 %}{{ 'x'.ljust(10 ** n) }}", "ljust() would hold 1,000,000,000"),
        ("{% set n = 9 %}{{ 'x'|center(10 ** n) }}", "|center would hold 1,000,000,000"),
        ("{% set s = 'x' * 100000 %}{{ s|replace('x', s) }}",
         "a replaced text would hold 10,000,000,000"),
        ("{% set s = 'x' * 100000 %}{{ [s, s, s, s, s, s, s, s, s, s, s]|join }}",
         "a list would hold 1,000,010"),
        ("{% set n = 9 %}{{ '%0*d' % (10 ** n, 1) }}",
         "a formatted field would hold 1,000,000,000"),
        ("{{ '{:>999999999}'.format(1) }}", "a formatted field would hold 999,999,999"),
        ("{% set n = 9 %}{{ '{:>{w}}'.format(1, w=10 ** n) }}",
         "a formatted field would hold 1,000,000,000"),
        ("{% set n = 9 %}{{ [[1]]|batch(10 ** n, 0)|list }}", "|batch would hold"),
        ("{% set n = 5 %}{{ 7 ** (n * 1000) }}", "7 ** 5000 would have about 10,000 bits"),
        # Output: rendered as a stream and stopped past the bound.
        ("{% for i in range(1000) %}{{ 'y' * 200 }}{% endfor %}",
         "it rendered more than 100,000 characters"),
        # Text that never reaches the output (block sets, macros, filter blocks) counts too.
        ("{% set s = 'y' * 500000 %}{% set x %}{% for i in range(100000) %}{{ s }}"
         "{% endfor %}{% endset %}{{ x|length }}",
         "it produced more than 1,000,000 characters (text set in blocks and macros included)"),
        ("{% macro m() %}{% for i in range(100000) %}" + "L" * 500 + "{% endfor %}"
         "{% endmacro %}{{ m()|length }}", "it produced more than 1,000,000 characters"),
        ("{% filter upper %}{% for i in range(100000) %}{{ 'y' * 100 }}{% endfor %}"
         "{% endfilter %}", "it produced more than 1,000,000 characters"),
    ],
)
def test_a_template_over_its_budget_fails_with_the_reason(text: str, reason: str) -> None:
    template, problems = compile_template(template_environment(NO_CLOCK), text, ["record"], {})
    assert template is not None, problems
    with pytest.raises(FlowdeskError) as caught:
        template.render({"record": {}})
    assert caught.value.code == "template_failed"
    assert caught.value.message.startswith("template failed: over its budget: ")
    assert reason in caught.value.message


def test_a_template_over_its_time_fails_with_the_reason() -> None:
    # Quadratic work well inside the loop and size bounds: only the clock stops it.
    text = ("{% set ns = namespace(x=[]) %}{% for i in range(50000) %}"
            "{% set ns.x = ns.x + [i] %}{% endfor %}{{ ns.x|length }}")
    template, _ = compile_template(template_environment(TemplateLimits(seconds=0.2)), text,
                                   [], {})
    assert template is not None
    with pytest.raises(FlowdeskError) as caught:
        template.render({})
    assert caught.value.message == "template failed: over its budget: it ran longer than 0.2 s"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{% set l = [] %}{{ l.append(1) }}",
         "access to attribute 'append' of 'list' object is unsafe"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "maximum recursion depth"),
    ],
)
def test_growing_a_list_in_place_and_endless_recursion_are_refused(
    text: str, reason: str
) -> None:
    template, _ = compile_template(template_environment(NO_CLOCK), text, [], {})
    assert template is not None
    with pytest.raises(FlowdeskError) as caught:
        template.render({})
    assert caught.value.code == "template_failed" and reason in caught.value.message


def test_lipsum_is_not_offered_to_templates() -> None:
    [(code, _, message)] = _load_problems("{{ lipsum(1000000) }}")
    assert code == "template_unknown_name" and "'lipsum'" in message


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("{% for i in range(3) %}{{ i }}{% endfor %}", "012"),
        ("{{ '-' * 5 }}{{ 'a' ~ 'b' }}{{ 2 ** 10 }}{{ '%05d' % 42 }}", "-----ab102400042"),
        ("{{ 'x'|center(5) }}|{{ ['a', 'b']|join(', ') }}|{{ 'aXa'|replace('X', 'yy') }}",
         "  x  |a, b|ayya"),
        ("{{ '{:>4}'.format(7) }}{{ [1, 2] + [3] }}{{ range(100000)|join(',')|length }}",
         "   7[1, 2, 3]588889"),
        ("{% macro hi(n) %}hi {{ n }}{% endmacro %}{{ hi(1) }}, {{ hi(2) }}", "hi 1, hi 2"),
    ],
)
def test_ordinary_templates_render_as_before(text: str, rendered: str) -> None:
    template, problems = compile_template(template_environment(NO_CLOCK), text, [], {})
    assert template is not None, problems
    assert template.render({}) == rendered


# -- in a pack ------------------------------------------------------------------------------

HOSTILE = ("automation: hostile\nobject: incident\nwhen: {type: created}\nactions:\n"
           "  - type: comment\n    text: \"{{ 'x' * 10**10 }}\"\n")


def test_an_unbounded_template_in_a_pack_is_refused_at_its_position(tmp_path: Path) -> None:
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    (pack / "automations" / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    with pytest.raises(PackError) as info:
        compile_registry(load_packs([pack]))
    assert_one_problem(info.value.problems, "template_unbounded", "6:11",
                       "comment: template is unbounded: a repeated value would hold "
                       "10,000,000,000 characters", "automations/hostile.yaml")


def test_a_template_over_budget_in_an_automation_fails_visibly_in_the_history(
    tmp_path: Path, db_engine: Engine
) -> None:
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    (pack / "automations" / "hostile.yaml").write_text(HOSTILE.replace(
        "{{ 'x' * 10**10 }}",
        "{% set n = 100000 %}{% for i in range(n) %}{% for j in range(n) %}{% endfor %}"
        "{% endfor %}"), encoding="utf-8")
    registry = compile_registry(load_packs([pack]))
    ensure_schema(db_engine, registry.objects, registry.packs, now=T0)
    runtime = build_runtime(registry, db_engine, ManualClock(T0), mailer=MemoryMailer(),
                            webhook_sender=MemoryWebhookSender())
    record = create(runtime, reporter_email="rita@example.com")
    [error] = notes(runtime, record["id"], "automation_error")
    assert error.startswith("automation 'hostile' failed and changed nothing: template "
                            "failed: over its budget: it ran more than 100,000 loop "
                            "iterations and macro calls")
    assert error.endswith("[template_failed]")
