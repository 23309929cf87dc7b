"""The fingerprint of the web app's sources: the build records it in its manifest, and a test
recomputes it here (no Node needed) to catch a committed build that its sources outgrew.

The same walk is written in ``frontend/scripts/finish-build.mjs``; both must stay in step."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["FRONTEND", "MANIFEST", "source_files", "sources_hash"]

FRONTEND = Path(__file__).resolve().parent / "frontend"
MANIFEST = Path(__file__).resolve().parent / "static" / "build-manifest.json"
#: Files and folders of ``frontend/`` the build reads (everything else there is output or cache).
SOURCE_ROOTS = ("index.html", "package.json", "package-lock.json", "tsconfig.json",
                "vite.config.ts", "public", "scripts", "src")


def source_files(frontend: Path = FRONTEND) -> list[str]:
    """The sources, as POSIX paths relative to ``frontend``, sorted."""
    found: list[str] = []
    for root in SOURCE_ROOTS:
        path = frontend / root
        if path.is_file():
            found.append(root)
        elif path.is_dir():
            found.extend(p.relative_to(frontend).as_posix()
                         for p in path.rglob("*") if p.is_file())
    return sorted(found)


def sources_hash(frontend: Path = FRONTEND) -> str:
    """SHA-256 over each source's path and bytes, in sorted order."""
    digest = hashlib.sha256()
    for name in source_files(frontend):
        digest.update(name.encode() + b"\0")
        digest.update((frontend / name).read_bytes() + b"\0")
    return digest.hexdigest()
