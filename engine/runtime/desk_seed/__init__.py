"""Applying a pack's desk seed: the teams and users a new desk starts with, idempotently."""

from engine.runtime.desk_seed.apply import DeskSeedReport, apply_desk_seeds

__all__ = ["DeskSeedReport", "apply_desk_seeds"]
