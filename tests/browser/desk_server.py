"""A real Flowdesk server for browser tests: the API and the web app over a small seeded
SQLite database, on a free port, in a thread, with a clock the test controls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn

from designer.web import install_web_app
from engine.api.app import create_app
from engine.cli._server_security import seed_demo_users
from engine.jobs.worker import Worker
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_engine


@dataclass
class Desk:
    """A served desk: where it answers, its runtime and clock, and a login per role."""

    url: str
    runtime: Runtime
    clock: ManualClock
    logins: dict[str, tuple[str, str]]

    def run_due_jobs(self) -> None:
        Worker(self.runtime, "browser-tests").run_due()


@contextmanager
def serve_desk(packs: list[Path], database: Path, at: datetime,
               seed: Callable[[Runtime, ManualClock], None]) -> Iterator[Desk]:
    """Build the runtime at ``at``, seed it (``seed`` may move the clock), add a demo user per
    role, and serve the API and the web app until the block ends."""
    clock = ManualClock(at)
    runtime = build_engine(packs, f"sqlite:///{database}", clock=clock, secret_key=b"b" * 32)
    logins = {role: (name, password) for name, password, role in seed_demo_users(runtime)}
    seed(runtime, clock)
    app = create_app(runtime, public_rate_limit=10_000)
    install_web_app(app)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="desk-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Desk(f"http://127.0.0.1:{port}", runtime, clock, logins)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.close()


def sign_in(page: Any, desk: Desk, role: str, path: str = "/") -> None:
    """Open ``path`` and sign in as the demo user of ``role``."""
    name, password = desk.logins[role]
    page.goto(desk.url + path)
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
