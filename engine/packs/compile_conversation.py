"""``conversation:`` on an object: check that the named child object, its reference back, its
body field and its kind options exist, and attach the compiled :class:`Conversation`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine.errors import Problem, did_you_mean
from engine.objects.model import Conversation, FieldType, ObjectType
from engine.packs.models import ConversationSpec
from engine.packs.source import SourceDocument

__all__ = ["attach_conversations"]

def attach_conversations(
    objects: dict[str, ObjectType],
    specs: dict[str, tuple[ConversationSpec, SourceDocument]],
    problems: list[Problem],
) -> dict[str, ObjectType]:
    """``objects`` with each declared conversation attached; a wrong one is a problem at
    the key that is wrong."""
    attached = dict(objects)
    for name, (spec, doc) in specs.items():
        if name not in objects:
            continue
        conversation = _check(name, spec, doc, objects, problems)
        if conversation is not None:
            attached[name] = replace(objects[name], conversation=conversation)
    return attached


def _check(name: str, spec: ConversationSpec, doc: SourceDocument,
           objects: dict[str, ObjectType], problems: list[Problem]) -> Conversation | None:
    def wrong(key: str, message: str) -> None:
        problems.append(Problem("conversation_invalid",
                                f"object '{name}': conversation.{key}: {message}",
                                doc.pos(("conversation", key))))

    child = objects.get(spec.object)
    if child is None:
        wrong("object", f"unknown object '{spec.object}'{did_you_mean(spec.object, objects)}")
        return None
    before = len(problems)
    fields: dict[str, Any] = dict(child.fields)

    def hint(given: str) -> str:  # a near miss, not the name itself when it exists
        return "" if given in fields else did_you_mean(given, fields)
    reference = fields.get(spec.reference)
    if reference is None or reference.reference_to != name:
        wrong("reference", f"'{spec.reference}' is not a field of '{spec.object}' that refers "
            f"to '{name}'{hint(spec.reference)}")
    body = fields.get(spec.body)
    if body is None or body.type not in (FieldType.TEXT, FieldType.STRING):
        wrong("body", f"'{spec.body}' is not a text field of '{spec.object}'"
            f"{hint(spec.body)}")
    given = [k for k in ("public", "internal") if getattr(spec, k) is not None]
    if spec.kind is None:
        for key in given:
            wrong(key, "needs 'kind': the enum field these options belong to")
    else:
        kind = fields.get(spec.kind)
        if kind is None or kind.type is not FieldType.ENUM:
            wrong("kind", f"'{spec.kind}' is not an enum field of '{spec.object}'"
                f"{hint(spec.kind)}")
        else:
            values = [o.value for o in kind.options]
            for key in given:
                value = getattr(spec, key)
                if value not in values:
                    wrong(key, f"'{value}' is not an option of '{spec.object}.{spec.kind}' "
                        f"(options: {', '.join(values)})")
    if len(problems) > before:
        return None
    return Conversation(object=spec.object, reference=spec.reference, body=spec.body,
                        kind=spec.kind, public=spec.public, internal=spec.internal)
