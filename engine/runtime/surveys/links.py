"""Signed survey links: ``<base_url>/portal/survey/<token>``.

A token names the survey kind, the record it is about, when it expires and a random nonce,
signed with HMAC-SHA256 under a key derived from the runtime's secret key. It carries no
secret of its own: forging one needs the key; using one twice is stopped by the database
(:mod:`engine.objects.storage.survey_table`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.errors import FlowdeskError, NotFound
from engine.objects.survey_definition import SurveyKind
from engine.packs.registry import Registry

__all__ = ["SurveyLinks", "SurveyLink", "SurveyLinkGone", "BASE_URL_ENV", "DEFAULT_BASE_URL",
           "SURVEY_PATH"]

BASE_URL_ENV = "FLOWDESK_BASE_URL"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
#: Where the web app shows a survey; the token follows.
SURVEY_PATH = "/portal/survey/"
_KEY_PURPOSE = b"flowdesk survey links v1"
_SIGNATURE_BYTES = 24


class SurveyLinkGone(FlowdeskError):
    """A genuine link that may no longer be used: answered already, or expired (HTTP 410)."""

    code = "survey_link_gone"


@dataclass(frozen=True, slots=True)
class SurveyLink:
    """What a valid token says."""

    kind: SurveyKind
    record_id: int
    expires_at: datetime
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SurveyLinks:
    """Makes and reads the links of the survey kinds ``registry`` declares."""

    def __init__(self, registry: Registry, secret_key: bytes,
                 base_url: str = DEFAULT_BASE_URL) -> None:
        self._registry = registry
        self._key = hmac.new(secret_key, _KEY_PURPOSE, hashlib.sha256).digest()
        self.base_url = base_url.rstrip("/")

    def _kind(self, name: str) -> SurveyKind:
        kind = self._registry.surveys.get(name)
        if kind is None:
            known = ", ".join(self._registry.surveys) or "none are declared (surveys/)"
            raise ValueError(f"unknown survey '{name}'; surveys: {known}")
        return kind

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]

    def token(self, kind_name: str, record_id: int, now: datetime) -> str:
        """A fresh token for a survey of kind ``kind_name`` about record ``record_id``."""
        kind = self._kind(kind_name)
        expires = int((now + kind.expires).timestamp())
        payload = f"{kind.name}.{record_id}.{expires}.{secrets.token_hex(8)}".encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def url(self, kind_name: str, record_id: int, now: datetime) -> str:
        return f"{self.base_url}{SURVEY_PATH}{self.token(kind_name, record_id, now)}"

    def read(self, token: str, now: datetime) -> SurveyLink:
        """What ``token`` says. A token that is not one of ours (bad signature, unknown kind,
        garbled) is 404 ``survey_link_not_found``; an expired one 410
        ``survey_link_expired``."""
        forged = NotFound("no such survey link", code="survey_link_not_found")
        head, _, signature = token.partition(".")
        try:
            payload, given = _unb64(head), _unb64(signature)
        except (binascii.Error, ValueError):
            raise forged from None
        if not given or not hmac.compare_digest(self._sign(payload), given):
            raise forged
        try:
            kind_name, record_id, expires, nonce = payload.decode("ascii").split(".")
            kind = self._registry.surveys[kind_name]
            link = SurveyLink(kind, int(record_id), datetime.fromtimestamp(int(expires), UTC),
                              nonce)
        except (ValueError, KeyError, UnicodeDecodeError):
            raise forged from None  # signed by us, for a kind no longer declared
        if link.expires_at <= now:
            raise SurveyLinkGone("this survey link has expired", code="survey_link_expired")
        return link

    def template_function(self, object_name: str, record_id: int,
                          now: datetime) -> Callable[[str], str]:
        """``survey_link('<kind>')`` for a template rendered about one record."""

        def survey_link(kind_name: str) -> str:
            kind = self._kind(str(kind_name))
            if kind.about != object_name:
                raise ValueError(f"survey '{kind.name}' is about '{kind.about}' records, not "
                                 f"'{object_name}'")
            return self.url(kind.name, record_id, now)

        return survey_link
