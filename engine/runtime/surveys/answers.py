"""Answers by survey link: the page a link shows, and storing an answer once.

An answer is a record of the survey's object, created through the record service in one
command (so the pack's automations run: a CSAT score credited to a record, a follow-up for a
low one) together with the row that marks the link used; a second answer, even a concurrent
one, finds that row taken and is refused with 410 ``survey_link_used``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.errors import FieldIssue, NotFound, ValidationFailed, did_you_mean
from engine.objects.forms.form_schema import form_schemas
from engine.objects.storage.survey_table import SURVEY_ANSWERS
from engine.objects.values import record_to_json, to_json
from engine.packs.registry import Registry
from engine.rules_dsl import EvalContext
from engine.runtime.records import RecordService
from engine.runtime.surveys.links import SurveyLink, SurveyLinkGone, SurveyLinks
from engine.runtime.users import identity_tables

__all__ = ["SurveyAnswers"]


def _iso(value: Any) -> str:
    return str(value.isoformat().replace("+00:00", "Z"))


class SurveyAnswers:
    """Shows and stores answers for the links ``links`` signs."""

    def __init__(self, registry: Registry, records: RecordService, links: SurveyLinks) -> None:
        self._registry = registry
        self._records = records
        self._links = links
        self._table: Table = identity_tables()[SURVEY_ANSWERS]

    def _used(self, link: SurveyLink) -> bool:
        t = self._table
        with self._records.database.connect() as conn:
            return conn.execute(select(t.c.id).where(t.c.nonce == link.nonce)).first() \
                is not None

    def _about(self, link: SurveyLink) -> dict[str, Any]:
        c = self._records.compiled(link.kind.about)
        with self._records.database.connect() as conn:
            row = conn.execute(c.select_by_id, {"id": link.record_id}).mappings().first()
        if row is None:
            raise NotFound("this survey link is about a record that no longer exists",
                           code="survey_link_not_found")
        return dict(row)

    def _open(self, token: str) -> SurveyLink:
        link = self._links.read(token, self._records.clock.now())
        if self._used(link):
            raise SurveyLinkGone("this survey link was answered already",
                                 code="survey_link_used")
        return link

    def show(self, token: str, locale: str = "en") -> dict[str, Any]:
        """The page of a valid, unused link: its title, the form (JSON Schema + uiSchema),
        the ``context`` fields of the record it is about and when it expires."""
        link = self._open(token)
        kind = link.kind
        about = self._registry.objects[kind.about]
        row = self._about(link)
        record = record_to_json(about, row)
        schema, ui_schema = form_schemas(self._registry.form(kind.form),
                                         self._registry.objects[kind.object], locale=locale)
        return {"survey": kind.name, "title": kind.label.get(locale), "object": kind.object,
                "schema": schema, "uiSchema": ui_schema,
                "context": {name: record[name] for name in kind.context},
                "expires_at": _iso(link.expires_at)}

    def answer(self, token: str, values: Any) -> dict[str, Any]:
        """Store the answer ``values`` (the form's fields) for ``token``; returns the record
        created. Refused with 422 for bad values (the link stays usable), 410 if used or
        expired, 404 if not a link of ours."""
        link = self._open(token)
        kind = link.kind
        form_fields = self._registry.form(kind.form).field_names
        if not isinstance(values, Mapping):
            raise ValidationFailed([FieldIssue(("values",), "expected an object of answers",
                                               "type")])
        issues = [FieldIssue(("values", k), f"'{k}' is not asked by this survey"
                             f"{did_you_mean(k, form_fields)}; fields: "
                             f"{', '.join(form_fields)}", "additionalProperties")
                  for k in values if k not in form_fields]
        if issues:
            raise ValidationFailed(issues)
        records = self._records
        target = records.compiled(kind.object)
        now = records.clock.now()
        about_row = self._about(link)
        with records.database.connect() as conn:
            ctx = EvalContext(now=now, load=records.loader(conn))
            fixed = {name: to_json(expression.evaluate(about_row, ctx),
                                   target.obj.fields[name])
                     for name, expression in kind.values.items()}
        payload = {**dict(values), **fixed}
        if kind.answered_at is not None:
            payload[kind.answered_at] = _iso(now)
        try:
            return self._store(link, payload, now)
        except ValidationFailed as exc:
            # Located under ``values``, as sent; the rolled-back command leaves the link usable.
            raise ValidationFailed([FieldIssue(("values", *i.loc), i.msg, i.type)
                                    for i in exc.issues], code=exc.code) from None

    def _store(self, link: SurveyLink, payload: Mapping[str, Any], now: Any) -> dict[str, Any]:
        kind, records, t = link.kind, self._records, self._table
        target = records.compiled(kind.object)
        checked = target.validator.validate_create(payload)
        with records.command(f"survey:{kind.name}") as uow:
            try:
                with uow.conn.begin_nested():
                    mark = uow.conn.execute(insert(t).values(
                        nonce=link.nonce, kind=kind.name, object=kind.about,
                        record_id=link.record_id, answered_at=now)).inserted_primary_key
            except IntegrityError:
                raise SurveyLinkGone("this survey link was answered already",
                                     code="survey_link_used") from None
            assert mark is not None
            record = records.create_in(uow, kind.object, checked,
                                       note=f"survey '{kind.name}' answered by link")
            uow.conn.execute(update(t).where(t.c.id == mark[0]).values(answer_id=record["id"]))
            if records.settle(uow):
                record = record_to_json(target.obj,
                                        records.load_row(uow.conn, target, record["id"]))
        return record
