"""Users' locale and time zone: set by an admin, on the command line, or by the user for
themselves, returned by /api/auth/me, the time zone checked against zoneinfo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.cli import main
from engine.runtime.factory import build_engine
from tests.views.conftest import LOANS, Desk


def test_a_user_sets_their_own_locale_and_time_zone(loans_desk: Desk) -> None:
    client = loans_desk.login("amy", ["borrower"])
    me = client.get("/api/auth/me").json()["user"]
    assert (me["locale"], me["time_zone"]) == (None, None)
    changed = client.patch("/api/auth/me", json={"locale": "zh-CN",
                                                 "time_zone": "Asia/Shanghai"})
    assert changed.status_code == 200, changed.text
    me = client.get("/api/auth/me").json()["user"]
    assert (me["locale"], me["time_zone"]) == ("zh-CN", "Asia/Shanghai")
    cleared = client.patch("/api/auth/me", json={"time_zone": ""}).json()["user"]
    assert (cleared["locale"], cleared["time_zone"]) == ("zh-CN", None)


@pytest.mark.parametrize(("body", "loc", "words"), [
    ({"time_zone": "Asia/Shang_hai"}, ["body", "time_zone"],
     "unknown time zone 'Asia/Shang_hai': give an IANA name such as Asia/Shanghai or UTC"),
    ({"time_zone": "../../etc/passwd"}, ["body", "time_zone"], "unknown time zone"),
    ({"locale": "fr"}, ["body", "locale"], "unknown locale 'fr'; locales: en, zh-CN"),
    ({"roles": ["admin"]}, ["body", "roles"], "Extra inputs are not permitted"),
])
def test_a_bad_preference_is_refused_and_changes_nothing(
        loans_desk: Desk, body: dict[str, Any], loc: list[str], words: str) -> None:
    client = loans_desk.login("amy", ["borrower"])
    client.patch("/api/auth/me", json={"locale": "en"})
    answer = client.patch("/api/auth/me", json={"locale": "zh-CN", **body})
    assert answer.status_code == 422
    detail = answer.json()["error"]["details"][0]
    assert detail["loc"] == loc and words in detail["msg"], detail
    assert client.get("/api/auth/me").json()["user"]["locale"] == "en"


def test_an_admin_sets_a_users_preferences(loans_desk: Desk) -> None:
    admin = loans_desk.login("root", ["admin"])
    made = admin.post("/api/admin/users", json={"name": "ben", "roles": ["lender"],
                                                "locale": "en", "time_zone": "Europe/Paris"})
    assert made.status_code == 201, made.text
    assert (made.json()["locale"], made.json()["time_zone"]) == ("en", "Europe/Paris")
    changed = admin.patch(f"/api/admin/users/{made.json()['id']}",
                          json={"time_zone": "America/New_York"})
    assert changed.json()["time_zone"] == "America/New_York"
    bad = admin.post("/api/admin/users", json={"name": "cid", "roles": ["lender"],
                                               "time_zone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["loc"] == ["body", "time_zone"]


def test_user_create_on_the_command_line_takes_locale_and_time_zone(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["user", "create", "lin", "--role", "lender", "--no-password",
                 "--locale", "zh-CN", "--time-zone", "Asia/Shanghai",
                 "--pack", str(LOANS), "--db", db]) == 0
    runtime = build_engine([LOANS], db)
    try:
        user = runtime.auth.users.by_name("lin")
        assert user is not None and (user.locale, user.time_zone) == ("zh-CN", "Asia/Shanghai")
    finally:
        runtime.close()
