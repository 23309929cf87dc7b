"""The engine's tables for channels: messages by ``Message-ID`` (threading and duplicates), every
inbound message kept raw (quarantine and replay), what is known about outside addresses
(bounces), and where each polled mailbox got to.

Declared beside the audit table (see :mod:`engine.objects.storage.system_tables`), so the same
plan/apply path creates and migrates them.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from engine.objects.storage.columns import IdInteger, UtcDateTime

__all__ = ["CHANNEL_MESSAGES", "INBOUND_MAIL", "MAIL_ADDRESSES", "MAILBOX_STATE",
           "add_channel_tables"]

CHANNEL_MESSAGES = "flowdesk_channel_messages"
INBOUND_MAIL = "flowdesk_inbound_mail"
MAIL_ADDRESSES = "flowdesk_mail_addresses"
MAILBOX_STATE = "flowdesk_mailbox_state"


def add_channel_tables(metadata: MetaData) -> None:
    """Declare the channel tables on ``metadata``."""
    messages = Table(
        CHANNEL_MESSAGES,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("channel", String(48), nullable=False),
        Column("message_id", String(512), nullable=False),
        Column("direction", String(8), nullable=False),  # in | out
        Column("thread_object", String(48), nullable=False),
        Column("thread_id", IdInteger, nullable=False),
        # The message record (None: the message that opened the thread is the thread itself).
        Column("object", String(48), nullable=True),
        Column("record_id", IdInteger, nullable=True),
        # The other side's address: the sender of an inbound message, the first recipient of
        # an outbound one (auto-responses are counted per address).
        Column("address", String(320), nullable=True),
        # Inbound: the sender asked for no automatic answer (an auto-reply, a list, ...).
        # Outbound: the message was sent by an automation.
        Column("automatic", Boolean, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
    )
    # One Message-ID once per channel: the duplicate check and the threading lookup.
    Index("ux_flowdesk_channel_messages_id", messages.c.channel, messages.c.message_id,
          unique=True)
    Index("ix_flowdesk_channel_messages_thread", messages.c.thread_object,
          messages.c.thread_id, messages.c.id)
    Index("ix_flowdesk_channel_messages_address", messages.c.address, messages.c.direction,
          messages.c.created_at)
    inbound = Table(
        INBOUND_MAIL,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("channel", String(48), nullable=False),
        Column("source", String(16), nullable=False),  # stdin | http | imap | replay
        Column("received_at", UtcDateTime, nullable=False),
        Column("message_id", String(512), nullable=True),
        Column("sender", String(320), nullable=True),
        Column("subject", String(512), nullable=True),
        # created | appended | ignored | quarantined
        Column("status", String(16), nullable=False),
        Column("reason", String(32), nullable=True),
        Column("error", Text, nullable=True),
        Column("thread_object", String(48), nullable=True),
        Column("thread_id", IdInteger, nullable=True),
        Column("size", Integer, nullable=False),
        Column("raw", LargeBinary, nullable=False),
    )
    Index("ix_flowdesk_inbound_mail_status", inbound.c.channel, inbound.c.status,
          inbound.c.id)
    Table(
        MAIL_ADDRESSES,
        metadata,
        Column("address", String(320), primary_key=True),
        Column("bounced_at", UtcDateTime, nullable=True),
        Column("bounce_status", String(32), nullable=True),
        Column("bounce_detail", Text, nullable=True),
        Column("bounces", Integer, nullable=False),
    )
    Table(
        MAILBOX_STATE,
        metadata,
        # channel + account + folder: one row per polled folder.
        Column("mailbox", String(400), primary_key=True),
        Column("uid_validity", IdInteger, nullable=False),
        Column("last_uid", IdInteger, nullable=False),
        Column("polled_at", UtcDateTime, nullable=False),
    )
