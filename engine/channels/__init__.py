"""Channels: messages from outside (email) become records, and public replies go back out.

Email in: :class:`MailIntake` (``flowdesk mail-in``, ``POST /api/channels/{name}/inbound``,
the IMAP poller). Email out lives with the other effects
(:mod:`engine.runtime.effects.channel_replies`), since the engine factory wires it.
"""

from engine.channels.imap_poller import ImapPoller, ImapSettings, PollResult
from engine.channels.intake import MAX_MESSAGE_BYTES, IntakeOutcome, MailIntake
from engine.channels.parsed_mail import ParsedMail, UnreadableMail, parse_mail

__all__ = ["MailIntake", "IntakeOutcome", "MAX_MESSAGE_BYTES", "ImapPoller", "ImapSettings",
           "PollResult", "ParsedMail", "UnreadableMail", "parse_mail"]
