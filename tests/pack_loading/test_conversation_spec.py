"""``conversation:`` on an object: the web app's timeline and composer rely on it naming a
real child object, its reference back, a text body and the kind options."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from tests.pack_loading.packs_on_disk import write_pack

CHILD = """
object: note
fields:
  parent: {type: reference, to: thing, required: true}
  other: {type: reference, to: note}
  text: {type: text}
  size: {type: integer}
  kind: {type: enum, options: [{value: shared}, {value: private}]}
"""


def thing(conversation: str) -> str:
    return f"object: thing\nfields:\n  name: {{type: string}}\nconversation: {conversation}\n"


GOOD = ("{object: note, reference: parent, body: text, kind: kind, public: shared, "
        "internal: private}")

CASES = [
    ("unknown child", "{object: nte, reference: parent, body: text}", "objects/thing.yaml:4:24",
     "conversation.object: unknown object 'nte' (did you mean 'note'?)"),
    ("reference elsewhere", "{object: note, reference: other, body: text}",
     "objects/thing.yaml:4:41",
     "conversation.reference: 'other' is not a field of 'note' that refers to 'thing'"),
    ("body not text", "{object: note, reference: parent, body: size}", "objects/thing.yaml:4:55",
     "conversation.body: 'size' is not a text field of 'note'"),
    ("options without kind", "{object: note, reference: parent, body: text, public: shared}",
     "objects/thing.yaml:4:69", "conversation.public: needs 'kind'"),
    ("unknown option", "{object: note, reference: parent, body: text, kind: kind, "
     "internal: secret}", "objects/thing.yaml:4:83",
     "conversation.internal: 'secret' is not an option of 'note.kind' (options: shared, "
     "private)"),
]


@pytest.mark.parametrize(("conversation", "where", "words"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_a_wrong_conversation_is_reported_at_its_key(
    tmp_path: Path, conversation: str, where: str, words: str
) -> None:
    pack = write_pack(tmp_path, {"objects/thing.yaml": thing(conversation),
                                 "objects/note.yaml": CHILD})
    with pytest.raises(PackError) as caught:
        load_registry([pack])
    found = [p for p in caught.value.problems if p.code == "conversation_invalid"]
    assert found, [str(p) for p in caught.value.problems]
    assert str(found[0].pos).endswith(where), str(found[0])
    assert words in found[0].message


def test_the_conversation_is_compiled_onto_the_object(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, {"objects/thing.yaml": thing(GOOD), "objects/note.yaml": CHILD})
    conversation = load_registry([pack]).objects["thing"].conversation
    assert conversation is not None
    assert (conversation.object, conversation.reference, conversation.body, conversation.kind,
            conversation.public, conversation.internal) == (
        "note", "parent", "text", "kind", "shared", "private")


def test_the_default_pack_declares_the_ticket_conversation() -> None:
    registry = load_registry([Path(__file__).parents[2] / "packs" / "service_default"])
    assert registry.objects["ticket"].conversation is not None
