"""Writing small packs to a temporary folder for loader tests."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write_pack(root: Path, files: dict[str, str], name: str = "demo") -> Path:
    """Write ``files`` (relative path -> YAML) under ``root/name``, with a default pack.yaml."""
    pack = root / name
    pack.mkdir(parents=True, exist_ok=True)
    files = {"pack.yaml": f"name: {name}\nversion: 1.0.0\n", **files}
    for rel, text in files.items():
        path = pack / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return pack
