"""The web app's budgets: the workspace's first-load JavaScript (gzip, from the committed
build), and how long a list of 50 records takes to render once its data arrived (the app's
own performance marks, read through Playwright in Debian's chromium), against a plain
``innerHTML`` table of the same 50 rows (7 columns, as the list shows) built in the same page
(the baseline).

Budgets (issue 16): first load <= 300 KB gzip; a 50-record view rendered <= 150 ms.

    .venv/bin/python bench/web.py [--n 200] [--repeat 10]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from designer.build_hash import MANIFEST  # noqa: E402
from designer.web import STATIC  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.desk_server import serve_desk, sign_in  # noqa: E402

PACK = REPO / "packs" / "service_default"
BASELINE = """
(rows) => {
  const t0 = performance.now();
  const table = document.createElement("table");
  table.innerHTML = rows.map((r) => "<tr>" + Object.values(r).slice(0, 7)
    .map((v) => "<td>" + String(v) + "</td>").join("") + "</tr>").join("");
  document.body.appendChild(table);
  table.getBoundingClientRect();
  const ms = performance.now() - t0;
  table.remove();
  return ms;
}
"""


def first_load_gzip() -> tuple[int, list[str]]:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    files = manifest["first_load_js"]
    return sum(len(gzip.compress((STATIC / f).read_bytes(), 9)) for f in files), files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="tickets in the database")
    parser.add_argument("--repeat", type=int, default=10, help="renders measured")
    args = parser.parse_args()
    size, files = first_load_gzip()
    print(f"workspace first load: {size / 1024:.1f} KiB gzip in {len(files)} files "
          f"(budget 300 KiB: {size / 1024 / 300:.2f} of it)")

    from playwright.sync_api import sync_playwright

    def seed(runtime, clock) -> None:  # type: ignore[no-untyped-def]
        for i in range(args.n):
            runtime.records.create("ticket", {"subject": f"Bench request {i}", "priority": "P3",
                                              "description": "x"}, "admin")

    with tempfile.TemporaryDirectory() as tmp, serve_desk(
            [PACK], Path(tmp) / "bench.db", datetime(2026, 6, 1, 2, tzinfo=UTC), seed) as desk, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        sign_in(page, desk, "admin", "/lists/ticket")
        page.wait_for_selector("table.records tbody tr")
        renders, baselines, api = [], [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            page.reload()  # a fresh page: the list's data arrives, the table renders
            page.wait_for_function(
                "performance.getEntriesByName('flowdesk:list-render').length > 0")
            api.append((time.perf_counter() - started) * 1000)
            renders.append(page.evaluate(
                "performance.getEntriesByName('flowdesk:list-render')[0].duration"))
            rows = page.evaluate("fetch('/api/records/ticket?limit=50').then(r => r.json())"
                                 ".then(d => d.items)")
            baselines.append(page.evaluate(BASELINE, rows))
        browser.close()
    render, baseline = statistics.median(renders), statistics.median(baselines)
    print(f"list of 50 rendered after its data: median {render:.1f} ms "
          f"(budget 150 ms: {render / 150:.2f} of it); plain innerHTML table "
          f"{baseline:.1f} ms; ratio {render / max(baseline, 0.01):.1f}x")
    print(f"reload to list rendered (page, API calls, render; SQLite, {args.n} tickets): "
          f"median {statistics.median(api):.0f} ms, max {max(api):.0f} ms")


if __name__ == "__main__":
    main()
