"""Check ``channels/*.yaml`` against the objects and compile each into an :class:`EmailChannel`.

Every field a mapping names must exist on its object with a type that can hold what the
channel writes; references must point where the mapping says. Problems carry file:line:col.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import TemplateSyntaxError

from engine.errors import Problem, did_you_mean
from engine.objects.model import FieldType, ObjectType
from engine.packs.channel_definition import EmailChannel
from engine.packs.channel_models import ChannelSpec
from engine.packs.compile_objects import text_of
from engine.packs.loader import LoadedPack, latest_by_name, unknown_object
from engine.packs.source import SourceDocument
from engine.workflows.templates import template_environment

__all__ = ["compile_channels"]

_TEXT = (FieldType.STRING, FieldType.TEXT)
_STRING = (FieldType.STRING,)
_ENUMISH = (FieldType.ENUM, FieldType.STRING)


def compile_channels(
    packs: list[LoadedPack], objects: Mapping[str, ObjectType], declared: set[str]
) -> tuple[dict[str, EmailChannel], list[Problem]]:
    """Compile every pack's channels (a later pack's channel of the same name replaces it)."""
    chosen, problems = latest_by_name(packs, "channels", "channel")
    compiled: dict[str, EmailChannel] = {}
    for spec_file in chosen:
        spec, doc = spec_file.spec, spec_file.doc
        assert isinstance(spec, ChannelSpec)
        channel = _Compiler(spec, doc, objects, declared, problems).compile()
        if channel is not None:
            compiled[channel.name] = channel
    return compiled, problems


class _Compiler:
    def __init__(self, spec: ChannelSpec, doc: SourceDocument,
                 objects: Mapping[str, ObjectType], declared: set[str],
                 problems: list[Problem]) -> None:
        self.spec, self.doc, self.objects, self.declared = spec, doc, objects, declared
        self.problems = problems
        self.before = len(problems)

    def bad(self, code: str, message: str, path: tuple[Any, ...]) -> None:
        self.problems.append(Problem(code, f"channel '{self.spec.channel}': {message}",
                                     self.doc.pos(path)))

    def obj(self, name: str, path: tuple[Any, ...]) -> ObjectType | None:
        if name in self.objects:
            return self.objects[name]
        for p in unknown_object("channel", self.spec.channel, name, self.declared, self.doc):
            self.problems.append(Problem(p.code, p.message, self.doc.pos(path)))
        return None

    def field(self, obj: ObjectType, name: str | None, path: tuple[Any, ...],
              types: tuple[FieldType, ...], *, to: str | None = None) -> str | None:
        if name is None:
            return None
        f = obj.fields.get(name)
        if f is None:
            self.bad("channel_unknown_field", f"'{name}' is not a field of '{obj.name}'"
                     f"{did_you_mean(name, obj.fields)}", path)
            return None
        if f.type not in types:
            wanted = " or ".join(str(t) for t in types)
            self.bad("channel_field_type",
                     f"'{obj.name}.{name}' is a {f.type} field; it must be a {wanted} field",
                     path)
            return None
        if to is not None and f.reference_to != to:
            self.bad("channel_field_type",
                     f"'{obj.name}.{name}' refers to '{f.reference_to}'; it must refer to "
                     f"'{to}'", path)
            return None
        return name

    def values(self, obj: ObjectType, values: Mapping[str, Any], path: tuple[Any, ...]
               ) -> Mapping[str, Any]:
        for name, value in values.items():
            f = obj.fields.get(name)
            if f is None:
                self.bad("channel_unknown_field", f"'{name}' is not a field of '{obj.name}'"
                         f"{did_you_mean(name, obj.fields)}", (*path, name))
            elif f.type == FieldType.ENUM and value not in f.option_values:
                self.bad("channel_bad_value",
                         f"'{value}' is not an option of '{obj.name}.{name}' "
                         f"(options: {', '.join(f.option_values)})", (*path, name))
        return MappingProxyType(dict(values))

    def compile(self) -> EmailChannel | None:
        s = self.spec
        thread = self.obj(s.thread.object, ("thread", "object"))
        message = self.obj(s.message.object, ("message", "object"))
        person = self.obj(s.person.object, ("person", "object")) if s.person else None
        organization = (self.obj(s.organization.object, ("organization", "object"))
                        if s.organization else None)
        if thread is None or message is None or (s.person and person is None) or (
                s.organization and organization is None):
            return None
        t, m = s.thread, s.message
        ref = (FieldType.REFERENCE,)
        self.field(thread, t.subject, ("thread", "subject"), _STRING)
        self.field(thread, t.body, ("thread", "body"), _TEXT)
        if person is not None:
            self.field(thread, t.requester, ("thread", "requester"), ref, to=person.name)
        if organization is not None:
            self.field(thread, t.organization, ("thread", "organization"), ref,
                       to=organization.name)
        self.field(thread, t.cc, ("thread", "cc"), (FieldType.TAGS,))
        self.field(thread, t.language, ("thread", "language"), _ENUMISH)
        self.field(thread, t.message_id, ("thread", "message_id"), _STRING)
        self.field(message, m.thread, ("message", "thread"), ref, to=thread.name)
        self.field(message, m.body, ("message", "body"), _TEXT)
        self.field(message, m.author, ("message", "author"), _STRING)
        self.field(message, m.author_type, ("message", "author_type"), _ENUMISH)
        self.field(message, m.message_id, ("message", "message_id"), _STRING)
        self.field(message, m.attachments, ("message", "attachments"), (FieldType.JSON,))
        thread_values = self.values(thread, t.values, ("thread", "values"))
        message_values = self.values(message, m.values, ("message", "values"))
        public = self.values(message, m.public, ("message", "public"))
        if m.authors and m.author_type is None:
            self.bad("channel_unknown_field", "'authors' needs 'author_type' to name the "
                     "field they are values of", ("message", "authors"))
        elif m.author_type is not None:
            for kind, value in m.authors.items():
                self.values(message, {m.author_type: value}, ("message", "authors", kind))
        c, cu = s.person, s.organization
        if c is not None and person is not None:
            self.field(person, c.email, ("person", "email"),
                       (FieldType.EMAIL, FieldType.STRING))
            self.field(person, c.name, ("person", "name"), _STRING)
            if organization is not None:
                self.field(person, c.organization, ("person", "organization"), ref,
                           to=organization.name)
            self.field(person, c.language, ("person", "language"), _ENUMISH)
            self.field(person, c.time_zone, ("person", "time_zone"), _STRING)
        if cu is not None and organization is not None:
            self.field(organization, cu.name, ("organization", "name"), _STRING)
            self.field(organization, cu.email, ("organization", "email"),
                       (FieldType.EMAIL, FieldType.STRING))
            self.field(organization, cu.language, ("organization", "language"), _ENUMISH)
            self.field(organization, cu.time_zone, ("organization", "time_zone"), _STRING)
        self.zone(s.default_time_zone, ("default_time_zone",))
        for lang, zone in s.time_zones.items():
            self.zone(zone, ("time_zones", lang))
        templates = self.templates()
        if len(self.problems) > self.before:
            return None
        return EmailChannel(
            name=s.channel, label=_label(s),
            thread_object=thread.name, thread_subject=t.subject, thread_body=t.body,
            thread_requester=t.requester if person else None,
            thread_organization=t.organization if organization else None, thread_cc=t.cc,
            thread_language=t.language, thread_message_id=t.message_id,
            thread_values=thread_values, message_object=message.name,
            message_thread=m.thread, message_body=m.body, message_author=m.author,
            message_author_type=m.author_type, message_message_id=m.message_id,
            message_attachments=m.attachments, message_values=message_values, public=public,
            authors=MappingProxyType({str(k): v for k, v in m.authors.items()}),
            person_object=person.name if person else None,
            person_email=c.email if c else None, person_name=c.name if c else None,
            person_organization=c.organization if c and organization else None,
            person_language=c.language if c else None,
            person_time_zone=c.time_zone if c else None,
            organization_object=organization.name if organization else None,
            organization_name=cu.name if cu else None, organization_email=cu.email if cu else None,
            organization_language=cu.language if cu else None,
            organization_time_zone=cu.time_zone if cu else None,
            subject_tag=s.subject_tag, plus_addressing=s.plus_addressing,
            auto_replies_per_hour=s.auto_replies_per_hour,
            default_time_zone=s.default_time_zone,
            time_zones=MappingProxyType(dict(s.time_zones)),
            mailbox=MappingProxyType(s.mailbox.model_dump()),
            templates=MappingProxyType(templates),
        )

    def zone(self, name: str, path: tuple[Any, ...]) -> None:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.bad("channel_bad_time_zone",
                     f"'{name}' is not an IANA time zone (e.g. 'Asia/Shanghai', 'UTC')", path)

    def templates(self) -> dict[str, Any]:
        env = template_environment()
        out: dict[str, Any] = {}
        for key, source in self.spec.templates.model_dump().items():
            if source is None:
                continue
            try:
                out[key] = env.from_string(source)
            except TemplateSyntaxError as exc:
                self.bad("channel_template_invalid",
                         f"templates.{key}: {exc.message} (template line {exc.lineno})",
                         ("templates", key))
        return out


def _label(spec: ChannelSpec) -> str:
    text = text_of(spec.label, spec.channel)
    return text.en if text is not None else spec.channel
