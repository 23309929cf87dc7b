"""The runtime: commands over records, each one transaction, with the clock injected.

- :mod:`engine.runtime.factory` — ``build_engine`` / ``build_runtime``: the one wiring place.
- :mod:`engine.runtime.records` — ``RecordService``: create, get, update, delete, list, history.
- :mod:`engine.runtime.list_query` — filters, sort and pages, and their query-string syntax.
- :mod:`engine.runtime.clock` — ``Clock``, ``SystemClock``, ``ManualClock``.

Kept free of imports so that importing ``engine.runtime.clock`` loads nothing else.
"""
