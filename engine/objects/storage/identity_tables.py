"""Tables of who may act: users, teams and their members, API tokens, login sessions and the
login throttle. Declared beside the audit table and created by the same migrations.

Secrets are never stored: passwords as argon2 hashes, tokens and session ids as SHA-256
digests of random values (a digest of 256 random bits needs no salt or slow hash: there is no
dictionary to try against it, and a database leak gives nothing that logs in).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, MetaData, String, Table

from engine.objects.storage.columns import IdInteger, UtcDateTime

__all__ = [
    "add_identity_tables",
    "USERS",
    "TEAMS",
    "TEAM_MEMBERS",
    "API_TOKENS",
    "SESSIONS",
    "LOGIN_FAILURES",
]

USERS = "flowdesk_users"
TEAMS = "flowdesk_teams"
TEAM_MEMBERS = "flowdesk_team_members"
API_TOKENS = "flowdesk_api_tokens"
SESSIONS = "flowdesk_sessions"
LOGIN_FAILURES = "flowdesk_login_failures"


def add_identity_tables(metadata: MetaData) -> None:
    """Declare the identity tables on ``metadata``."""
    users = Table(
        USERS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("name", String(128), nullable=False),
        Column("display_name", String(200), nullable=True),
        Column("email", String(320), nullable=True),
        Column("password_hash", String(200), nullable=True),  # None: cannot log in
        Column("roles", JSON, nullable=False),  # ["agent", ...]
        Column("attributes", JSON, nullable=False),  # the pack's user attributes
        Column("locale", String(16), nullable=True),  # en, zh-CN; None: the browser's
        Column("time_zone", String(64), nullable=True),  # an IANA zone, Asia/Shanghai
        Column("active", Boolean, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
    )
    Index("ux_flowdesk_users_name", users.c.name, unique=True)
    teams = Table(
        TEAMS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("name", String(64), nullable=False),
        Column("label", String(200), nullable=True),
        Column("created_at", UtcDateTime, nullable=False),
    )
    Index("ux_flowdesk_teams_name", teams.c.name, unique=True)
    members = Table(
        TEAM_MEMBERS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("team_id", IdInteger, nullable=False),
        Column("user_id", IdInteger, nullable=False),
    )
    Index("ux_flowdesk_team_members", members.c.team_id, members.c.user_id, unique=True)
    Index("ix_flowdesk_team_members_user", members.c.user_id)
    tokens = Table(
        API_TOKENS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("user_id", IdInteger, nullable=False),
        Column("name", String(100), nullable=False),
        Column("prefix", String(16), nullable=False),  # shown in lists to tell tokens apart
        Column("secret_hash", String(64), nullable=False),
        Column("scopes", JSON, nullable=False),  # ["read", "write", "admin"]
        Column("created_at", UtcDateTime, nullable=False),
        Column("expires_at", UtcDateTime, nullable=True),
        Column("last_used_at", UtcDateTime, nullable=True),
        Column("revoked_at", UtcDateTime, nullable=True),
    )
    Index("ux_flowdesk_api_tokens_hash", tokens.c.secret_hash, unique=True)
    Index("ix_flowdesk_api_tokens_user", tokens.c.user_id)
    sessions = Table(
        SESSIONS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("user_id", IdInteger, nullable=False),
        Column("secret_hash", String(64), nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("expires_at", UtcDateTime, nullable=False),
        Column("last_seen_at", UtcDateTime, nullable=False),
    )
    Index("ux_flowdesk_sessions_hash", sessions.c.secret_hash, unique=True)
    failures = Table(
        LOGIN_FAILURES,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        # "user:<name>" or "addr:<client address>": one row per failed attempt and key.
        Column("key", String(200), nullable=False),
        Column("at", UtcDateTime, nullable=False),
    )
    Index("ix_flowdesk_login_failures_key", failures.c.key, failures.c.at)
