"""Mailbox settings come from the environment the pack names, and a wrong one says what is
expected; over-large mail is refused before it is parsed."""

from __future__ import annotations

import pytest

from engine.channels import intake as intake_module
from engine.channels.imap_poller import ImapSettings
from engine.errors import BadRequest
from engine.packs import Registry
from tests.channels.conftest import Desk


@pytest.mark.parametrize(("env", "expected"), [
    ({"FLOWDESK_IMAP_URL": "imaps://desk%40corp@mail.example/INBOX",
      "FLOWDESK_IMAP_PASSWORD": "pw"},
     ImapSettings("mail.example", 993, "desk@corp", "pw", "INBOX", True, "Processed")),
    ({"FLOWDESK_IMAP_URL": "imap://desk:inline@mail.example:1143/Support%20Mail",
      "FLOWDESK_IMAP_PROCESSED_FOLDER": ""},
     ImapSettings("mail.example", 1143, "desk", "inline", "Support Mail", False, None)),
])
def test_the_imap_mailbox_is_read_from_the_settings_the_pack_names(
        pack_registry: Registry, env: dict[str, str], expected: ImapSettings) -> None:
    channel = pack_registry.channels["email"]
    assert ImapSettings.for_channel(channel, env) == expected
    assert ImapSettings.for_channel(channel, {}) is None


def test_a_wrong_imap_url_is_refused_saying_what_it_should_look_like(
        pack_registry: Registry) -> None:
    with pytest.raises(BadRequest) as refused:
        ImapSettings.for_channel(pack_registry.channels["email"],
                                 {"FLOWDESK_IMAP_URL": "pop3://mail.example"})
    assert refused.value.code == "mail_settings_invalid"
    assert refused.value.message == ("FLOWDESK_IMAP_URL must look like "
                                     "imaps://user@host:993/INBOX (or imap://...), got "
                                     "'pop3://mail.example'")


def test_mail_over_the_size_limit_is_refused_before_anything_is_kept(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake_module, "MAX_MESSAGE_BYTES", 10)
    with pytest.raises(BadRequest) as refused:
        desk.receive(b"From: a@b.example\r\n\r\nhello")
    assert refused.value.code == "mail_too_large"
    assert refused.value.message == ("the message is 26 bytes; the largest accepted is 10")
    assert desk.intake.list_inbound("email") == []
