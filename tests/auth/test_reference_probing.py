"""A reference to a record the writer may not read is answered exactly like one to a record
that does not exist, byte for byte, on create, update and a transition's values, so nobody can
probe which ids exist. Each case asks once while the record exists (and is not readable), then
deletes it as an admin and asks again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.auth.desk_world import World, database_url, world

__all__ = ["database_url", "world"]  # the fixtures this module uses

#: case -> (role, make the unreadable record, the request that names it)
Probe = tuple[str, Callable[[World], tuple[str, int]],
              Callable[[World, int], tuple[str, str, dict[str, Any]]]]


def _their_contact(w: World) -> tuple[str, int]:
    record = w.runtime.records.create("contact", {"customer": w.theirs, "name": "Their Pat",
                                                  "email": "their.pat@x.org"}, "setup")
    return "contact", record["id"]


def _their_ticket(w: World) -> tuple[str, int]:
    return "ticket", w.ticket("other")["id"]


PROBES: dict[str, Probe] = {
    "customer creates a ticket with another customer's contact": (
        "customer", _their_contact,
        lambda w, i: ("POST", "/api/records/ticket", {"json": {
            "subject": "mine", "contact": i}})),
    "customer points its ticket at another customer's contact": (
        "customer", _their_contact,
        lambda w, i: ("PATCH", f"/api/records/ticket/{w.ticket('own')['id']}", {"json": {
            "version": 1, "contact": i}})),
    "customer replies on another customer's ticket": (
        "customer", _their_ticket,
        lambda w, i: ("POST", "/api/records/ticket_message", {"json": {
            "ticket": i, "body": "hello?"}})),
    "agent merges into another team's ticket": (
        "agent", _their_ticket,
        lambda w, i: ("POST", f"/api/records/ticket/{w.ticket('own')['id']}/transitions/merge",
                      {"json": {"version": 1, "values": {"merged_into": i}}})),
}


@pytest.mark.parametrize("case", PROBES)
def test_an_unreadable_reference_answers_like_a_missing_one(world: World, case: str) -> None:
    role, make, request = PROBES[case]
    object_name, record_id = make(world)
    client = world.clients[role]
    method, url, kwargs = request(world, record_id)
    unreadable = client.request(method, url, **kwargs)
    assert world.clients["admin"].delete(
        f"/api/records/{object_name}/{record_id}").status_code == 204
    method, url, kwargs = request(world, record_id)
    missing = client.request(method, url, **kwargs)
    assert unreadable.status_code == missing.status_code == 422
    assert unreadable.content == missing.content
    assert unreadable.json()["error"]["details"][0]["msg"] == (
        f"no {object_name} with id {record_id}")


def test_a_refused_reference_changes_nothing(world: World) -> None:
    own = world.ticket("own")
    object_name, foreign = _their_contact(world)
    url = f"/api/records/ticket/{own['id']}"
    refused = world.clients["customer"].patch(url, json={"version": 1, "contact": foreign})
    assert refused.status_code == 422
    after = world.clients["admin"].get(url).json()
    assert after["contact"] is None and after["version"] == own["version"]


def test_automations_keep_their_power_over_references(world: World) -> None:
    """Commands run by the system (automations, intake, scripts) are not a user: they may
    point at any existing record."""
    object_name, foreign = _their_contact(world)
    ticket = world.runtime.records.create(
        "ticket", {"subject": "intake", "customer": world.mine, "contact": foreign}, "intake")
    assert ticket["contact"] == foreign
