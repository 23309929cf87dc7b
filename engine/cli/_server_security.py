"""What ``flowdesk serve`` needs to be safe: a configured secret key (outside demo mode), and
in demo mode a user per role with a printed login."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from engine.errors import FlowdeskError, ValidationFailed
from engine.objects.model import FieldType
from engine.objects.permissions import ACTIONS, RecordFilter
from engine.runtime.factory import Runtime

__all__ = ["SECRET_KEY_ENV", "resolve_secret_key", "seed_demo_users", "DEMO_TEAM"]

SECRET_KEY_ENV = "FLOWDESK_SECRET_KEY"
DEMO_TEAM = "support"
_MIN_KEY = 32


def resolve_secret_key(key_file: str | None, environ: Mapping[str, str],
                       demo: bool) -> bytes:
    """The server's secret key: from ``key_file``, else ``$FLOWDESK_SECRET_KEY``; a fresh
    random one in demo mode. Without one outside demo mode: ``secret_key_missing``."""
    text: str | None = None
    where = ""
    if key_file:
        try:
            text = Path(key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise FlowdeskError(f"cannot read the secret key file {key_file}: {exc.strerror}",
                                code="secret_key_missing") from None
        where = key_file
    elif environ.get(SECRET_KEY_ENV):
        text, where = environ[SECRET_KEY_ENV].strip(), f"${SECRET_KEY_ENV}"
    if text is None:
        if demo:
            return secrets.token_bytes(32)
        raise FlowdeskError(
            f"no secret key: set {SECRET_KEY_ENV} or pass --secret-key-file FILE (at least "
            f"{_MIN_KEY} characters, e.g. from `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`), or run with --demo to try Flowdesk out",
            code="secret_key_missing")
    if len(text) < _MIN_KEY:
        raise FlowdeskError(f"the secret key in {where} is {len(text)} characters; use at "
                            f"least {_MIN_KEY}", code="secret_key_missing")
    return text.encode("utf-8")


def _demo_reference(runtime: Runtime, object_name: str) -> int | None:
    """An id of ``object_name`` for demo users' reference attributes: the first record, or a
    new one when the object's required fields are text or email addresses."""
    page = runtime.records.list(object_name, limit=1)
    if page.items:
        return int(page.items[0]["id"])
    obj = runtime.registry.objects[object_name]
    samples = {FieldType.STRING: f"Demo {obj.label.get('en')}",
               FieldType.TEXT: f"Demo {obj.label.get('en')}",
               FieldType.EMAIL: "demo@example.com"}
    payload = {f.name: samples[f.type] for f in obj.custom_fields
               if f.required and f.type in samples}
    try:
        return int(runtime.records.create(object_name, payload, "demo")["id"])
    except (ValidationFailed, FlowdeskError):
        return None


def _user_paths_read(runtime: Runtime, role_name: str) -> set[str]:
    """The ``user.<x>`` paths the role's record filters read (demo users get only those)."""
    role = runtime.registry.access.roles.get(role_name)
    if role is None:
        return set()
    return {path for grant in role.objects.values() for action in ACTIONS
            if isinstance(f := grant.grant(action), RecordFilter) for path in f.check.paths_read}


def seed_demo_users(runtime: Runtime) -> list[tuple[str, str, str]]:
    """One user per role (``admin`` and each the packs declare), in team ``support``, each
    reference attribute pointing at a demo record; returns (name, password, role) to print.
    Users that exist already are left as they are."""
    users = runtime.auth.users
    if DEMO_TEAM not in {t.name for t in users.teams()}:
        users.create_team(DEMO_TEAM, "Demo support team")
    attributes = {
        a.name: _demo_reference(runtime, a.reference_to)
        for a in runtime.registry.access.user_attributes.values() if a.reference_to
    }
    logins = []
    for role in runtime.registry.access.role_names:
        password = f"{role}-demo-password"
        if users.by_name(role) is None:
            read = _user_paths_read(runtime, role)
            users.create(role, roles=[role], password=password, teams=[DEMO_TEAM],
                         attributes={k: v for k, v in attributes.items()
                                     if v is not None and f"user.{k}" in read},
                         actor="demo")
        logins.append((role, password, role))
    return logins
