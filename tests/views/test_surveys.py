"""Surveys by signed link: the survey email carries a signed, expiring, single-use link; the
public page shows the form; the answer is stored through the runtime (automations run) once
(SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.api.app import create_app
from engine.objects.storage.job_table import JOBS
from engine.runtime.surveys import SurveyLinkGone, SurveyLinks
from engine.runtime.surveys.answers import SurveyAnswers
from engine.runtime.users import identity_tables
from tests.views.conftest import Desk

LINK = re.compile(r"http://127\.0\.0\.1:8000/portal/survey/(\S+)")


@pytest.fixture
def world(desk: Desk) -> dict[str, Any]:
    acme = desk.create("customer", {"name": "Acme"})["id"]
    li = desk.create("contact", {"customer": acme, "name": "Li Lei", "email": "li@acme.test"})
    ticket = desk.create("ticket", {"subject": "Printer jams", "queue": "general",
                                    "assignee": "ann", "customer": acme, "contact": li["id"]})
    records, transitions = desk.runtime.records, desk.runtime.transitions
    for name in ("start", "resolve"):
        version = records.get("ticket", ticket["id"])["version"]
        transitions.transition("ticket", ticket["id"], name, expected_version=version,
                               actor="ann")
    return {"ticket": ticket["id"], "customer": acme}


def _survey_email_token(desk: Desk) -> str:
    jobs = identity_tables()[JOBS]
    with desk.runtime.database.connect() as conn:
        bodies = [r.payload["body"] for r in conn.execute(
            select(jobs.c.payload).where(jobs.c.kind == "email"))]
    found = [m.group(1) for body in bodies if (m := LINK.search(body))]
    assert len(found) == 1, bodies
    return found[0]


@pytest.fixture
def public(desk: Desk) -> TestClient:
    """A client with no credential."""
    return TestClient(create_app(desk.runtime), raise_server_exceptions=False)


def test_the_survey_email_links_to_a_public_page_with_the_form(
        desk: Desk, world: dict[str, Any], public: TestClient) -> None:
    token = _survey_email_token(desk)
    page = public.get(f"/api/surveys/{token}", params={"locale": "zh-CN"})
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["title"] == "请评价我们的服务"
    assert body["object"] == "survey_response"
    assert set(body["schema"]["properties"]) == {"score", "comment"}
    assert body["context"] == {"id": world["ticket"], "subject": "Printer jams"}
    assert body["expires_at"] == "2026-03-16T09:00:00Z"


def test_an_answer_is_stored_through_the_runtime_once(
        desk: Desk, world: dict[str, Any], public: TestClient) -> None:
    token = _survey_email_token(desk)
    answer = public.post(f"/api/surveys/{token}", json={"values": {"score": 5,
                                                                   "comment": "great"}})
    assert answer.status_code == 201, answer.text
    stored = desk.runtime.records.get("survey_response", answer.json()["id"])
    assert (stored["kind"], stored["ticket"], stored["customer"], stored["score"]) == (
        "csat", world["ticket"], world["customer"], 5)
    assert stored["responded_at"] == "2026-03-02T09:00:00Z"
    # the pack's automations ran: the score is the ticket's satisfaction, credited to ann
    assert desk.runtime.records.get("ticket", world["ticket"])["satisfaction"] == 5
    assert stored["agent"] == "ann"
    again = public.post(f"/api/surveys/{token}", json={"values": {"score": 1}})
    assert (again.status_code, again.json()["error"]["code"]) == (410, "survey_link_used")
    shown = public.get(f"/api/surveys/{token}")
    assert (shown.status_code, shown.json()["error"]["code"]) == (410, "survey_link_used")


def test_an_expired_link_is_gone(desk: Desk, world: dict[str, Any],
                                 public: TestClient) -> None:
    token = _survey_email_token(desk)
    desk.clock.advance(timedelta(days=14, seconds=1))
    answer = public.post(f"/api/surveys/{token}", json={"values": {"score": 4}})
    assert answer.status_code == 410
    assert answer.json()["error"] == {"code": "survey_link_expired", "details": [],
                                      "message": "this survey link has expired"}


@pytest.mark.parametrize("forge", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: t.split(".")[0],
    lambda t: "not-a-token",
    lambda t: t.replace(".", "x.", 1),
])
def test_a_forged_link_is_not_found(desk: Desk, world: dict[str, Any], public: TestClient,
                                    forge: Any) -> None:
    token = forge(_survey_email_token(desk))
    for answer in (public.get(f"/api/surveys/{token}"),
                   public.post(f"/api/surveys/{token}", json={"values": {"score": 5}})):
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "survey_link_not_found"


@pytest.mark.parametrize(("values", "loc", "words"), [
    ({"score": 9}, ["body", "values", "score"], "out of range for this survey"),
    ({"score": 5, "agent": "me"}, ["body", "values", "agent"],
     "'agent' is not asked by this survey"),
    ({"comment": "no score"}, ["body", "values", "score"], ""),
])
def test_a_bad_answer_is_refused_and_the_link_stays_usable(
        desk: Desk, world: dict[str, Any], public: TestClient, values: dict[str, Any],
        loc: list[str], words: str) -> None:
    token = _survey_email_token(desk)
    refused = public.post(f"/api/surveys/{token}", json={"values": values})
    assert refused.status_code == 422, refused.text
    detail = refused.json()["error"]["details"][0]
    assert detail["loc"] == loc and words in detail["msg"], detail
    assert public.post(f"/api/surveys/{token}",
                       json={"values": {"score": 4}}).status_code == 201


def test_two_concurrent_answers_store_one(desk: Desk, world: dict[str, Any]) -> None:
    token = _survey_email_token(desk)
    runtime = desk.runtime
    assert runtime.survey_links is not None
    answers = SurveyAnswers(runtime.registry, runtime.records, runtime.survey_links)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def answer(score: int) -> None:
        barrier.wait()
        try:
            answers.answer(token, {"score": score})
            outcomes.append("stored")
        except SurveyLinkGone as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=answer, args=(s,)) for s in (4, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["stored", "survey_link_used"]
    page = runtime.records.list("survey_response")
    assert page.total == 1


def test_the_nps_link_is_about_a_customer_and_the_base_url_is_configurable(
        desk: Desk, world: dict[str, Any], public: TestClient) -> None:
    links = SurveyLinks(desk.runtime.registry, b"another key", "https://desk.example.com/")
    url = links.url("nps", world["customer"], desk.clock.now())
    assert url.startswith("https://desk.example.com/portal/survey/")
    # signed with another key: not one of this server's links
    assert public.get(f"/api/surveys/{url.rsplit('/', 1)[1]}").status_code == 404
    assert desk.runtime.survey_links is not None
    token = desk.runtime.survey_links.token("nps", world["customer"], desk.clock.now())
    assert public.get(f"/api/surveys/{token}").json()["context"] == {"name": "Acme"}
    answer = public.post(f"/api/surveys/{token}", json={"values": {"score": 9}})
    stored = desk.runtime.records.get("survey_response", answer.json()["id"])
    assert (stored["kind"], stored["customer"], stored["ticket"]) == ("nps", world["customer"],
                                                                     None)


def test_the_survey_routes_are_rate_limited_per_client(desk: Desk,
                                                       world: dict[str, Any]) -> None:
    token = _survey_email_token(desk)
    client = TestClient(create_app(desk.runtime, public_rate_limit=2),
                        raise_server_exceptions=False)
    answers = [client.get(f"/api/surveys/{token}").status_code for _ in range(3)]
    assert answers == [200, 200, 429]


def test_links_use_the_configured_base_url(tmp_path: Any) -> None:
    from engine.runtime.factory import build_engine
    from tests.views.conftest import SERVICE

    runtime = build_engine([SERVICE], f"sqlite:///{tmp_path / 'base.db'}",
                           environ={"FLOWDESK_BASE_URL": "https://desk.example.com/"})
    try:
        assert runtime.survey_links is not None
        url = runtime.survey_links.url("csat", 1, runtime.clock.now())
        assert url.startswith("https://desk.example.com/portal/survey/")
    finally:
        runtime.close()
