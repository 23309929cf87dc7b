"""Write the API's OpenAPI document for the web app's typed client (``npm run api-types``).

``python -m designer.openapi_dump [PACK...]`` builds the engine over an in-memory database and
writes ``frontend/src/api/openapi.json``; the paths do not depend on the pack."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from designer.build_hash import FRONTEND

__all__ = ["main"]

_DEFAULT_PACK = Path(__file__).resolve().parent.parent / "packs" / "service_default"


def main(argv: list[str] | None = None) -> int:
    from engine.api.app import create_app
    from engine.runtime.factory import build_engine

    packs = (argv if argv is not None else sys.argv[1:]) or [str(_DEFAULT_PACK)]
    runtime = build_engine(packs, "sqlite://", secret_key=b"x" * 32)
    try:
        document = create_app(runtime).openapi()
    finally:
        runtime.close()
    target = FRONTEND / "src" / "api" / "openapi.json"
    target.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
