"""What a signed-in user may write beyond the fields' own rules: references only to records
they may read (:mod:`.references`), and fields the engine fills from them
(:mod:`.owned_fields`). Automations and intake act as the system and pass neither check."""

from engine.runtime.user_writes.owned_fields import OwnedFields
from engine.runtime.user_writes.references import ReadableReferences

__all__ = ["OwnedFields", "ReadableReferences"]
