"""The one error an import raises before anything is read or written: a file it cannot read
or a mapping that does not fit the object. Row problems are not errors: they go in the report."""

from __future__ import annotations

from engine.errors import BadRequest

__all__ = ["ImportRefused"]


class ImportRefused(BadRequest):
    """The import cannot start: the message says what is wrong and where (file, sheet, mapping
    key); ``code`` is one of the ``import_*`` codes in ``docs/errors.md``."""

    code = "import_refused"
