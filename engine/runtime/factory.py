"""The one place the engine is wired together: packs → registry, database → schema, runtime.

Everything else receives what it needs from here; nothing reaches for globals.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import Engine

from engine.objects.storage import DEFAULT_SQLITE_URL, create_database_engine, ensure_schema
from engine.packs import load_registry
from engine.packs.registry import Registry
from engine.runtime.access import AccessControl
from engine.runtime.audit import AuditTrail
from engine.runtime.authentication import Authentication, build_authentication
from engine.runtime.automations import AutomationRunner
from engine.runtime.clock import Clock, SystemClock
from engine.runtime.effects import (
    Mailer,
    UrllibWebhookSender,
    WebhookSender,
    default_mailer,
    effect_job_handlers,
)
from engine.runtime.effects.channel_replies import ChannelReplies
from engine.runtime.outbox import JobHandler, Outbox
from engine.runtime.records import RecordService
from engine.runtime.routing import Router
from engine.runtime.sla import SlaService
from engine.runtime.surveys import BASE_URL_ENV, DEFAULT_BASE_URL, SurveyLinks
from engine.runtime.transitions import TransitionService
from engine.search import SearchIndexWriter
from engine.workflows.action_registry import ActionRegistry, load_entry_point_actions
from engine.workflows.webhook_targets import private_allowed

__all__ = ["Runtime", "build_runtime", "build_engine", "database_url_from_env", "DATABASE_URL_ENV"]

DATABASE_URL_ENV = "FLOWDESK_DATABASE_URL"


@dataclass(frozen=True, slots=True)
class Runtime:
    """A running engine: the compiled packs, the database, the clock and the commands."""

    registry: Registry
    database: Engine
    clock: Clock
    records: RecordService
    transitions: TransitionService
    #: Writes job rows inside commands; workers (engine.jobs) run them.
    outbox: Outbox
    #: Job kind -> the handler that runs it (built-in effects plus what callers add).
    job_handlers: Mapping[str, JobHandler]
    #: The audit trail commands write to (workers write their jobs' audit rows there too).
    audit: AuditTrail
    #: Runs automations on changes, timers, schedules and engine events.
    automations: AutomationRunner
    #: SLA clocks of the records the packs' SLAs measure.
    sla: SlaService
    #: Users, teams, tokens, sessions and logins.
    auth: Authentication
    #: The record and transition commands as each principal may use them.
    access: AccessControl
    #: Queues and assignment: routes records, agents' profiles and availability.
    router: Router
    #: Signs survey links (``survey_link()`` in templates) and reads them back.
    survey_links: SurveyLinks | None = None

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()


def build_runtime(
    registry: Registry,
    database: Engine,
    clock: Clock | None = None,
    *,
    audit: AuditTrail | None = None,
    job_handlers: Mapping[str, JobHandler] | None = None,
    mailer: Mailer | None = None,
    mail_sender: str | None = None,
    webhook_sender: WebhookSender | None = None,
    environ: Mapping[str, str] | None = None,
    secret_key: bytes | None = None,
    password_hasher: PasswordHasher | None = None,
    actions: ActionRegistry | None = None,
) -> Runtime:
    """A :class:`Runtime` over an already open database whose schema is up to date.

    ``secret_key`` signs session CSRF tokens; without one a random key is made (sessions then
    end with the process: ``flowdesk serve`` insists on a configured key outside demo mode).

    ``job_handlers`` are merged over the built-in effect kinds (``email``, ``webhook``). The
    mailer defaults to the SMTP server ``FLOWDESK_SMTP_*`` in ``environ`` names (``os.environ``
    unless given); webhook secrets are read from ``environ`` too."""
    clock = clock or SystemClock()
    audit = audit or AuditTrail()
    environ = os.environ if environ is None else environ
    records = RecordService(registry, database, clock, audit=audit)
    records.index_with(SearchIndexWriter(registry.objects, database.dialect.name))
    outbox = Outbox()
    if mailer is None:
        mailer, default_sender = default_mailer(environ)
        mail_sender = mail_sender or default_sender
    handlers = effect_job_handlers(
        mailer,
        mail_sender or "flowdesk@localhost",
        webhook_sender or UrllibWebhookSender(allow_private=private_allowed(environ)),
        environ,
    )
    transitions = TransitionService(records)
    router = Router(registry, records, audit)
    sla = SlaService(registry, records, outbox)
    automations = AutomationRunner(registry, records, transitions, outbox,
                                   actions=load_entry_point_actions(actions or ActionRegistry()),
                                   sla=sla, router=router,
                                   observers=[ChannelReplies(registry, records, outbox,
                                                             environ)])
    records.on_changes(automations.settle, automations.watched)
    handlers.update(automations.job_handlers())
    handlers.update(job_handlers or {})
    # Survey links are signed with the configured key (given, else $FLOWDESK_SECRET_KEY, as
    # a worker has it), so the server reads the links a worker's emails carry.
    link_key = secret_key or environ.get("FLOWDESK_SECRET_KEY", "").strip().encode()
    secret_key = secret_key or secrets.token_bytes(32)
    auth = build_authentication(registry, database, clock, audit,
                                secret_key, hasher=password_hasher)
    survey_links = SurveyLinks(registry, link_key or secret_key,
                               environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
    automations.performer.add_template_function("survey_link",
                                                 survey_links.template_function)
    return Runtime(
        registry,
        database,
        clock,
        records,
        transitions,
        outbox=outbox,
        job_handlers=handlers,
        audit=audit,
        auth=auth,
        access=AccessControl(registry, records, transitions),
        router=router,
        automations=automations,
        sla=sla,
        survey_links=survey_links,
    )


def database_url_from_env(default: str = DEFAULT_SQLITE_URL) -> str:
    return os.environ.get(DATABASE_URL_ENV) or default


def build_engine(
    pack_paths: Sequence[Path | str],
    database_url: str,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    job_handlers: Mapping[str, JobHandler] | None = None,
    environ: Mapping[str, str] | None = None,
    secret_key: bytes | None = None,
) -> Runtime:
    """Load and check the packs, open the database, bring its schema up to date (non-lossy
    changes only: a pending lossy change raises ``MigrationDataLoss``) and build the runtime.
    """
    clock = clock or SystemClock()
    registry = load_registry(list(pack_paths))
    database = create_database_engine(database_url)
    try:
        if migrate:
            ensure_schema(database, registry.objects, registry.packs, now=clock.now())
        runtime = build_runtime(
            registry, database, clock, job_handlers=job_handlers, environ=environ,
            secret_key=secret_key,
        )
        if migrate:
            runtime.automations.start_schedules()
        return runtime
    except BaseException:
        database.dispose()
        raise
