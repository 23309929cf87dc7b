"""The desk's read and bulk services over the runtime: pack-declared views with their counts
(:mod:`engine.views.view_lists`), related views (:mod:`engine.views.related`), bulk commands
(:mod:`engine.views.bulk`) and macros (:mod:`engine.views.macros`).

Each works through :class:`engine.runtime.access.UserAccess`: the records a user may not read
are filtered out in SQL, hidden fields are removed, writes are checked as single commands are.
"""
