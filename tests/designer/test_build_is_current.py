"""The committed build under designer/static is the build of the committed sources: the
build records a fingerprint of designer/frontend (sources and lockfile), recomputed here."""

from __future__ import annotations

import json
import re

from designer.build_hash import FRONTEND, MANIFEST, source_files, sources_hash
from designer.web import STATIC


def test_committed_build_matches_its_sources() -> None:
    recorded = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert recorded["sources_sha256"] == sources_hash(), (
        "designer/static is stale: the sources under designer/frontend changed since the "
        "build; run `make ui` and commit designer/static")


def test_the_fingerprint_changes_with_any_source(tmp_path) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "frontend"
    for name in source_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes((FRONTEND / name).read_bytes())
    before = sources_hash(copy)
    assert before == sources_hash()
    (copy / "src" / "main.tsx").write_text("// changed\n", encoding="utf-8")
    assert sources_hash(copy) != before


def test_the_lockfile_carries_no_download_addresses() -> None:
    lock = (FRONTEND / "package-lock.json").read_text(encoding="utf-8")
    assert '"resolved"' not in lock


def test_every_asset_the_page_loads_is_in_the_build() -> None:
    index = (STATIC / "index.html").read_text(encoding="utf-8")
    for ref in re.findall(r'(?:src|href)="(/[^"]+)"', index):
        assert (STATIC / ref.lstrip("/")).is_file(), ref
