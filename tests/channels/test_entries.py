"""The ways mail comes in besides IMAP: ``POST /api/channels/{name}/inbound`` for a relay
(the channel's token), ``flowdesk mail-in`` for an MTA pipe; and the admin's view of kept mail
(list, raw bytes, replay)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from tests.auth_helpers import bearer
from tests.channels.conftest import ENV, Desk
from tests.channels.mails import mail
from tests.conftest import REPO

TOKEN = ENV["FLOWDESK_MAIL_INBOUND_TOKEN"]


@pytest.fixture
def client(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return TestClient(create_app(desk.runtime))


def test_a_relay_posts_a_raw_message_with_the_channel_token(client: TestClient,
                                                           desk: Desk) -> None:
    answer = client.post("/api/channels/email/inbound", content=bytes(mail()),
                         headers={"Authorization": f"Bearer {TOKEN}",
                                  "Content-Type": "message/rfc822"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["thread_object"]) == ("created", "ticket")
    assert desk.get("ticket", body["thread_id"])["subject"] == "Printer on fire"


@pytest.mark.parametrize(("headers", "status", "code", "message"), [
    ({}, 401, "channel_token_invalid",
     "send channel 'email''s inbound token: Authorization: Bearer <token>"),
    ({"Authorization": "Bearer wrong"}, 401, "channel_token_invalid",
     "send channel 'email''s inbound token: Authorization: Bearer <token>"),
])
def test_a_relay_without_the_right_token_is_refused_and_nothing_is_kept(
        client: TestClient, desk: Desk, headers: dict[str, str], status: int, code: str,
        message: str) -> None:
    answer = client.post("/api/channels/email/inbound", content=bytes(mail()), headers=headers)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"] == message
    assert desk.intake.list_inbound("email") == []


def test_a_channel_without_a_configured_token_takes_no_http_mail(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWDESK_MAIL_INBOUND_TOKEN", raising=False)
    client = TestClient(create_app(desk.runtime))
    answer = client.post("/api/channels/email/inbound", content=bytes(mail()),
                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 403
    assert answer.json()["error"] == {
        "code": "channel_inbound_disabled", "details": [],
        "message": "channel 'email' takes no mail over HTTP: set FLOWDESK_MAIL_INBOUND_TOKEN "
                   "to the token its relay sends"}


def test_an_unknown_channel_is_a_404(client: TestClient) -> None:
    answer = client.post("/api/channels/fax/inbound", content=b"x",
                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "unknown channel 'fax' (channels: email)"


def test_raw_mail_larger_than_json_bodies_is_accepted_on_the_inbound_route(
        client: TestClient) -> None:
    big = mail(body="x" * (2 * 1024 * 1024))  # over the 1 MiB JSON limit
    answer = client.post("/api/channels/email/inbound", content=bytes(big),
                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and answer.json()["status"] == "created"


def test_admins_list_quarantined_mail_read_its_bytes_and_replay_it(
        client: TestClient, desk: Desk) -> None:
    raw = b"Subject: no sender\r\n\r\nbody\r\n"
    kept = client.post("/api/channels/email/inbound", content=raw,
                       headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert kept["status"] == "quarantined"
    admin = bearer(desk.runtime, "root")
    listed = client.get("/api/channels/email/inbound?status=quarantined", headers=admin)
    assert [i["id"] for i in listed.json()["items"]] == [kept["inbound_id"]]
    assert listed.json()["items"][0]["error"] == "the message has no sender address (From)"
    got = client.get(f"/api/channels/email/inbound/{kept['inbound_id']}/raw", headers=admin)
    assert got.content == raw and got.headers["content-type"] == "message/rfc822"
    replayed = client.post(f"/api/channels/email/inbound/{kept['inbound_id']}/replay",
                           headers=admin)
    assert replayed.status_code == 200 and replayed.json()["status"] == "quarantined"
    agent = bearer(desk.runtime, "li.na", roles=("agent",))
    refused = client.get("/api/channels/email/inbound", headers=agent)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "this endpoint is for admins"


def _flowdesk(args: list[str], stdin: bytes, env: dict[str, str]
              ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "engine", *args], input=stdin,
                          capture_output=True, cwd=REPO, env=env, timeout=120)


def test_mail_in_takes_a_message_from_standard_input(db_url: str) -> None:
    env = {**os.environ, **ENV}
    done = _flowdesk(["mail-in", "--db", db_url], bytes(mail()), env)
    assert done.returncode == 0, done.stderr.decode()
    outcome = json.loads(done.stdout)
    assert (outcome["status"], outcome["thread_object"]) == ("created", "ticket")
    again = _flowdesk(["mail-in", "--db", db_url], bytes(mail()), env)
    assert json.loads(again.stdout)["reason"] == "duplicate"
    broken = _flowdesk(["mail-in", "--db", db_url], b"not mail at all", env)
    assert broken.returncode == 0  # kept: the MTA must not bounce it
    assert b"warning: quarantined as inbound message 3" in broken.stderr
    listed = _flowdesk(["mail-in", "--db", db_url, "--list", "quarantined"], b"", env)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["id"], r["status"]) for r in rows] == [(3, "quarantined")]
    shown = _flowdesk(["mail-in", "--db", db_url, "--show", "3"], b"", env)
    assert shown.stdout == b"not mail at all"
