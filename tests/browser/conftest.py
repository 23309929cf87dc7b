"""Browser tests: Playwright drives Debian's chromium against a real server.

Skipped, saying why, where chromium or Playwright is missing. On a failure the page's
screenshot and console log are kept under the folder printed in the test's report."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.jobs.worker import Worker
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime
from tests.browser.desk_server import Desk, serve_desk

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("FLOWDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Monday 2026-06-01 10:00 in Shanghai: inside the default pack's business hours.
MONDAY_MORNING = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
AT_RISK_SUBJECT = "Production line scanner offline"


def _missing() -> str | None:
    if not Path(CHROMIUM).is_file():
        return (f"no chromium at {CHROMIUM} (apt-get install -y chromium, or set "
                "FLOWDESK_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason is None:
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_FAILED] = report.failed


_FAILED = pytest.StashKey[bool]()


def _seed_service_desk(runtime: Runtime, clock: ManualClock) -> None:
    """A customer's urgent request, 100 minutes into its 2-hour first response: at risk
    (its 80% warning ran)."""
    customer = runtime.auth.users.by_name("customer")
    assert customer is not None
    customer_id = customer.attributes["customer"]
    ticket = runtime.records.create("ticket", {"subject": AT_RISK_SUBJECT, "priority": "P1",
                                               "description": "Nothing scans since this morning.",
                                               "customer": customer_id, "channel": "email",
                                               "category": "technical"}, "customer")
    # The agent works the queue routing chose.
    users = runtime.auth.users
    agent = users.by_name("agent")
    assert agent is not None and ticket["queue"]
    if ticket["queue"] not in {t.name for t in users.teams()}:
        users.create_team(ticket["queue"])
    users.update(agent.id, actor="seed", teams=[*agent.teams, ticket["queue"]])
    clock.advance(timedelta(minutes=100))
    Worker(runtime, "seed").run_due()


@pytest.fixture(scope="session")
def service_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    folder = tmp_path_factory.mktemp("service-desk")
    with serve_desk([REPO / "packs" / "service_default"], folder / "desk.db", MONDAY_MORNING,
                    _seed_service_desk) as desk:
        yield desk


@pytest.fixture(scope="session")
def loans_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    folder = tmp_path_factory.mktemp("loans-desk")
    with serve_desk([REPO / "tests" / "packs" / "equipment_loans"], folder / "desk.db",
                    MONDAY_MORNING, lambda runtime, clock: None) as desk:
        yield desk


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-artifacts")


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, artifacts: Path) -> Iterator[Any]:
    """A fresh browser context and page; its console is logged, and kept with a screenshot
    when the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    console: list[str] = []
    tab.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    tab.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    yield tab
    if request.node.stash.get(_FAILED, False):
        folder = artifacts / request.node.name.replace("/", "_")
        folder.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(folder / "page.png"), full_page=True)
        (folder / "console.log").write_text("\n".join(console) + "\n", encoding="utf-8")
        request.node.add_report_section("call", "browser", f"screenshot and console log: {folder}")
        print(f"\nbrowser artifacts of {request.node.name}: {folder}")
    context.close()
