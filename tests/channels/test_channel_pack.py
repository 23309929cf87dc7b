"""A channel file that does not fit the pack's objects is refused at load, each mistake at its
file:line:col with a message saying what would be right."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from tests.conftest import REPO

DEFAULT = (REPO / "packs" / "service_default" / "channels" / "email.yaml").read_text("utf-8")


def _load_with(tmp_path: Path, channel_yaml: str) -> PackError:
    pack = tmp_path / "pack"
    (pack / "channels").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "name: channel_case\nversion: 0.1.0\ntitle: Channel case\n"
        f"extends:\n  - {REPO / 'packs' / 'service_default'}\n", "utf-8")
    (pack / "channels" / "email.yaml").write_text(channel_yaml, "utf-8")
    with pytest.raises(PackError) as refused:
        load_registry([pack])
    return refused.value


def test_the_default_pack_declares_its_email_channel() -> None:
    channel = load_registry([REPO / "packs" / "service_default"]).channels["email"]
    assert (channel.thread_object, channel.message_object) == ("ticket", "ticket_message")
    assert channel.subject_tag == "[#{number}]"
    assert channel.is_public({"kind": "reply"}) and not channel.is_public({"kind": "note"})
    assert channel.author_kind({"author_type": "system"}) == "automated"


@pytest.mark.parametrize(("old", "new", "code", "message", "line", "col"), [
    ("  subject: subject\n", "  subject: subjct\n", "channel_unknown_field",
     "channel 'email': 'subjct' is not a field of 'ticket' (did you mean 'subject'?)", 10, 12),
    ("  body: description\n", "  body: priority\n", "channel_field_type",
     "channel 'email': 'ticket.priority' is a enum field; it must be a string or text field",
     11, 9),
    ("  requester: contact\n", "  requester: customer\n", "channel_field_type",
     "channel 'email': 'ticket.customer' refers to 'customer'; it must refer to 'contact'",
     12, 14),
    ("  values: {kind: reply, channel: email}\n", "  values: {kind: letter}\n",
     "channel_bad_value",
     "channel 'email': 'letter' is not an option of 'ticket_message.kind' (options: reply, "
     "note)", 26, 18),
    ("  object: ticket_message\n", "  object: ticket_mesage\n", "channel_unknown_object",
     "channel 'email' is for unknown object 'ticket_mesage' (did you mean 'ticket_message'?)",
     19, 11),
    ("default_time_zone: Asia/Shanghai\n", "default_time_zone: Mars/Olympus\n",
     "channel_bad_time_zone",
     "channel 'email': 'Mars/Olympus' is not an IANA time zone (e.g. 'Asia/Shanghai', 'UTC')",
     43, 20),
    ('  subject: "{{ tag }} {{ subject }}"\n', '  subject: "{{ tag }"\n',
     "channel_template_invalid",
     "channel 'email': templates.subject: unexpected '}' (template line 1)", 46, 12),
])
def test_a_channel_that_does_not_fit_its_objects_is_refused_where_it_is_wrong(
        tmp_path: Path, old: str, new: str, code: str, message: str, line: int,
        col: int) -> None:
    assert DEFAULT.count(old) == 1
    problems = _load_with(tmp_path, DEFAULT.replace(old, new)).problems
    assert [(p.code, p.message) for p in problems] == [(code, message)]
    pos = problems[0].pos
    assert pos is not None and (Path(pos.file).name, pos.line, pos.col) == (
        "email.yaml", line, col)


def test_a_subject_tag_without_the_number_is_refused(tmp_path: Path) -> None:
    problems = _load_with(tmp_path, DEFAULT.replace('subject_tag: "[#{number}]"',
                                                    'subject_tag: "[ticket]"')).problems
    assert len(problems) == 1
    assert "the subject tag must contain '{number}' exactly once, e.g. '[#{number}]'" in \
        problems[0].message
