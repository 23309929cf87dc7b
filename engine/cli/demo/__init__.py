"""Demo data: a pack's demo script (``<pack>/demo/*.yaml``) played through the runtime on a
manual clock, so ``flowdesk seed`` makes a realistic, deterministic history. The engine knows
no pack's objects here either: the script names them."""

from engine.cli.demo.digest import record_counts, records_digest
from engine.cli.demo.people import Login, seed_people
from engine.cli.demo.player import DemoMailbox, HistoryPlayer, HistoryReport
from engine.cli.demo.script import DemoScript, find_demo_file, load_demo_script

__all__ = [
    "DemoMailbox",
    "DemoScript",
    "HistoryPlayer",
    "HistoryReport",
    "Login",
    "find_demo_file",
    "load_demo_script",
    "record_counts",
    "records_digest",
    "seed_people",
]
