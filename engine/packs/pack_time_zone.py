"""The time zone a pack set's rules take dates in (``timezone:`` in ``pack.yaml``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo

from engine.errors import Problem, did_you_mean
from engine.packs.loader import LoadedPack
from engine.rules_dsl.date_functions import time_zone, zone_names

__all__ = ["pack_time_zone"]


def pack_time_zone(packs: Sequence[LoadedPack]) -> tuple[tzinfo, list[Problem]]:
    """The zone of the last pack that names one (packs in load order), or UTC."""
    zone: tzinfo = UTC
    problems: list[Problem] = []
    for pack in packs:
        name = pack.manifest.timezone
        if name is None:
            continue
        found = time_zone(name)
        if found is None:
            problems.append(Problem(
                "pack_unknown_timezone",
                f"unknown time zone '{name}'{did_you_mean(name, zone_names())}; use an IANA "
                "name such as 'Asia/Shanghai' or 'UTC'",
                pack.manifest_doc.pos(("timezone",))))
            continue
        zone = found
    return zone, problems
