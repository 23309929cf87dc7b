"""Flowdesk: a low-code workflow engine. Packs of YAML and rule DSL, compiled once and run."""

__version__ = "0.1.0"
