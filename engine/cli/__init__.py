"""The ``flowdesk`` command line: thin sub-commands over the engine.

Each ``_<group>`` module owns a few sub-commands and exposes ``register(subparsers)``; a
sub-command sets ``handler`` to a function taking the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from engine.errors import FlowdeskError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    from engine.cli import (
        _desk,
        _dsl,
        _eval,
        _import,
        _mail,
        _migrate,
        _pack,
        _packs,
        _search,
        _seed,
        _serve,
        _sla,
        _test,
        _users,
        _worker,
        _workflow,
    )

    parser = argparse.ArgumentParser(prog="flowdesk", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in (_packs, _pack, _migrate, _serve, _seed, _users, _worker, _eval, _dsl,
                  _workflow, _sla, _test, _mail, _search, _import, _desk):
        group.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except FlowdeskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
