"""The pack format of ``channels/*.yaml``: how messages of a channel (email) become records.

A channel names the object that is a conversation (the *thread*, e.g. a request) and the child
object that is one message in it, and maps the parts of a message onto their fields. The engine
knows messages and threads, never what the pack calls them. Mailbox credentials are not part of
a pack: ``mailbox`` only names the settings (environment variables) that hold them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from engine.packs.models import Identifier, Label, _label_from_str, _Spec

__all__ = [
    "ChannelSpec", "ThreadMapping", "MessageMapping", "PersonMapping", "OrganizationMapping",
    "MailboxSettings", "OutgoingTemplates",
]

#: A literal field value a channel sets (a string, number or boolean).
FieldValue = str | int | float | bool


class ThreadMapping(_Spec):
    """The object a conversation is, and which of its fields a new conversation fills."""

    object: Identifier
    """The thread object (e.g. a request); a new inbound conversation creates one."""
    subject: Identifier
    """The string field that takes the message's subject (cut to the field's length)."""
    body: Identifier | None = None
    """The text field that takes the first message's text (its reply part)."""
    requester: Identifier | None = None
    """The reference field to the person object: the requester, who receives the replies."""
    organization: Identifier | None = None
    """The reference field to the organization object."""
    cc: Identifier | None = None
    """A tags field that keeps the addresses copied on the conversation; replies copy them."""
    language: Identifier | None = None
    """An enum field for the conversation's language, guessed from the first message's text
    when its options allow (``zh-CN`` for Chinese text, ``en`` otherwise)."""
    message_id: Identifier | None = None
    """A string field that keeps the first message's ``Message-ID``."""
    values: dict[Identifier, FieldValue] = Field(default_factory=dict)
    """Fixed values a new thread gets, e.g. ``{channel: email}``."""


class MessageMapping(_Spec):
    """The child object that is one message of a conversation."""

    object: Identifier
    """The message object; every reply after the first becomes one."""
    thread: Identifier
    """Its reference field to the thread object."""
    body: Identifier
    """The text field that takes the message's text."""
    author: Identifier | None = None
    """A string field that takes the sender ("Name <address>")."""
    author_type: Identifier | None = None
    """An enum field telling who wrote a message; see ``authors``."""
    message_id: Identifier | None = None
    """A string field that keeps the message's ``Message-ID`` (inbound)."""
    attachments: Identifier | None = None
    """A json field that takes the list of the message's files (name, content type, size,
    inline); the bytes stay in the kept raw message."""
    values: dict[Identifier, FieldValue] = Field(default_factory=dict)
    """Fixed values an inbound message gets, e.g. ``{kind: reply, channel: email}``."""
    public: dict[Identifier, FieldValue] = Field(default_factory=dict)
    """What makes a message public (sent to the requester): every field equal to its value,
    e.g. ``{kind: reply}``. Other messages (internal notes) are never sent."""
    authors: dict[Literal["requester", "agent", "automated"], FieldValue] = Field(
        default_factory=dict)
    """The ``author_type`` values of: ``requester`` (set on inbound messages; never sent),
    ``agent`` (sent as replies) and ``automated`` (sent with ``Auto-Submitted``, never in
    answer to an automatic message, and rate-limited per address)."""


class PersonMapping(_Spec):
    """The object of the people who write in, found (or created) by address."""

    object: Identifier
    email: Identifier
    """The field matched against the sender's address (case-insensitive)."""
    name: Identifier | None = None
    """The field a new person's display name goes into (the address when the mail has none)."""
    organization: Identifier | None = None
    """The person's reference to its organization (a new person gets a new organization)."""
    language: Identifier | None = None
    """The person's language: replies are written for it (dates, template texts)."""
    time_zone: Identifier | None = None
    """A string field with an IANA time zone for the dates in replies."""


class OrganizationMapping(_Spec):
    """The object of the organisations people belong to."""

    object: Identifier
    name: Identifier
    """The field a new organization's name goes into."""
    email: Identifier | None = None
    """The field that takes a new organization's address."""
    language: Identifier | None = None
    """The organization's language, used when its person has none."""
    time_zone: Identifier | None = None
    """A string field with an IANA time zone, used when its person has none."""


class MailboxSettings(_Spec):
    """The names of the settings (environment variables) a deployment gives the mailbox.
    Secrets never go in a pack."""

    address: str = "FLOWDESK_MAIL_ADDRESS"
    """The desk's address (``support@example.com``): sender and reply-to of replies."""
    token: str = "FLOWDESK_MAIL_INBOUND_TOKEN"
    """The bearer token a relay sends to ``POST /api/channels/{name}/inbound``."""
    imap_url: str = "FLOWDESK_IMAP_URL"
    """``imaps://user@host:993/INBOX`` (or ``imap://``): the mailbox the worker polls."""
    imap_password: str = "FLOWDESK_IMAP_PASSWORD"
    """The IMAP password."""
    processed_folder: str = "FLOWDESK_IMAP_PROCESSED_FOLDER"
    """The folder processed mail is moved to (default ``Processed``)."""


class OutgoingTemplates(_Spec):
    """How a public message becomes an email. Jinja templates (sandboxed) see ``message``,
    ``thread``, ``subject``, ``body`` (the message's text, dates shown in the recipient's time
    zone), ``tag`` (the subject tag), ``locale`` and ``channel``."""

    subject: str = "{{ tag }} {{ subject }}"
    """The subject line (``Re:`` is not added: the tag threads it)."""
    text: str = "{{ body }}\n"
    """The plain-text part."""
    html: str | None = None
    """The HTML part (escape with ``|e``); without one, the text is sent as simple HTML."""


class ChannelSpec(_Spec):
    """A file under ``channels/``: one channel through which messages come in and go out."""

    channel: Identifier
    """The channel's name, as in ``POST /api/channels/{name}/inbound``."""
    type: Literal["email"]
    """The kind of channel (only ``email`` for now)."""
    label: Label | None = None
    """What admins see."""
    thread: ThreadMapping
    message: MessageMapping
    person: PersonMapping | None = None
    """Without one, senders are not matched to records (and replies have no recipient)."""
    organization: OrganizationMapping | None = None
    subject_tag: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "[#{number}]"
    """The tag put in front of reply subjects; ``{number}`` is the thread's id. An inbound
    subject carrying it threads onto that record (when the sender belongs to it)."""
    plus_addressing: bool = True
    """Reply-To carries the thread's key (``support+<key>@example.com``), a signed id that
    threads a reply even when its subject and headers are lost."""
    auto_replies_per_hour: int = Field(default=5, ge=0, le=1000)
    """At most this many automated messages to one address an hour (loops end here)."""
    default_time_zone: str = "UTC"
    """The time zone of dates in replies when the recipient has none."""
    time_zones: dict[str, str] = Field(default_factory=dict)
    """A time zone per language (``zh-CN: Asia/Shanghai``), before ``default_time_zone``."""
    mailbox: MailboxSettings = Field(default_factory=MailboxSettings)
    templates: OutgoingTemplates = Field(default_factory=OutgoingTemplates)

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )

    @field_validator("subject_tag")
    @classmethod
    def _tag_has_number(cls, value: Any) -> Any:
        if isinstance(value, str) and value.count("{number}") != 1:
            raise ValueError("the subject tag must contain '{number}' exactly once, "
                             "e.g. '[#{number}]'")
        return value
