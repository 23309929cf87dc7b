"""A compiled channel: what the runtime reads to turn messages into records and back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EmailChannel"]


@dataclass(frozen=True, slots=True)
class EmailChannel:
    """A compiled email channel: the objects and fields messages map onto. Optional mappings
    are ``None`` (the thread/message ``*_field`` names), and ``templates`` are compiled Jinja
    templates keyed ``subject``, ``text``, ``html``."""

    name: str
    label: str
    thread_object: str
    thread_subject: str
    thread_body: str | None
    thread_requester: str | None
    thread_organization: str | None
    thread_cc: str | None
    thread_language: str | None
    thread_message_id: str | None
    thread_values: Mapping[str, Any]
    message_object: str
    message_thread: str
    message_body: str
    message_author: str | None
    message_author_type: str | None
    message_message_id: str | None
    message_attachments: str | None
    message_values: Mapping[str, Any]
    public: Mapping[str, Any]
    authors: Mapping[str, Any]
    person_object: str | None
    person_email: str | None
    person_name: str | None
    person_organization: str | None
    person_language: str | None
    person_time_zone: str | None
    organization_object: str | None
    organization_name: str | None
    organization_email: str | None
    organization_language: str | None
    organization_time_zone: str | None
    subject_tag: str
    plus_addressing: bool
    auto_replies_per_hour: int
    default_time_zone: str
    time_zones: Mapping[str, str]
    mailbox: Mapping[str, str]
    templates: Mapping[str, Any] = field(compare=False)

    def is_public(self, message: Mapping[str, Any]) -> bool:
        """Whether a message (a stored row or JSON) is one the requester receives."""
        return all(message.get(k) == v for k, v in self.public.items())

    def author_kind(self, message: Mapping[str, Any]) -> str | None:
        """``organization``, ``agent`` or ``automated`` for a message, from its author type."""
        if self.message_author_type is None:
            return None
        value = message.get(self.message_author_type)
        return next((kind for kind, v in self.authors.items() if v == value), None)
