"""Importing a desk's messy spreadsheets: the dry-run report, applying it, a second run, crash
and resume, muted automations and as-of timestamps, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.imports import ImportRefused, parse_mappings, rejected_csv, report_text, run_import
from engine.runtime.factory import Runtime
from tests.imports.messy_workbook import (
    CONTACT_MAPPING,
    CUSTOMER_MAPPING,
    contacts_gbk_csv,
    customer_workbook,
)

EXPECTED_REPORT = """\
old.xlsx[客户] -> customer
  6 rows (2 blank rows left out): 3 to create, 0 to update, 0 unchanged, 1 rejected, 2 merged, 0 skipped as duplicates
rejected rows:
  row 9, column '等级' (tier): '白金' is not one of strategic, gold, silver, bronze (map it under values: in the mapping) [import_cell_invalid]
  row 9, column '联系方式' (phone): '12345' is not a valid phone number for region CN [import_cell_invalid]
  row 9, column '联系方式 (2)' (email): 'not-an-email' is not an email address [import_cell_invalid]
  row 9, column '最近购买' (last_purchase_at): 'yesterday' is not a date (write it as 2024-01-31) [import_cell_invalid]
  row 9, column '累计消费' (purchase_amount): '1,2,3' is not a number (thousands go in threes: 1,234.50) [import_cell_invalid]
duplicate groups (merge):
  row 4, row 6, row 7: email = ops@acme.com; name 'ACME Ltd' ~ 'acme ltd' (100)
dry run: nothing was written (add --apply).
"""  # noqa: E501


def _import(desk: Runtime, data: bytes, name: str, mapping: dict[str, Any], **kw: Any) -> Any:
    return run_import(desk.records, desk.audit, data, name, parse_mappings(mapping), **kw)


def _audit_rows(desk: Runtime) -> int:
    with desk.database.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(desk.audit.table)).scalar_one())


def test_dry_run_reports_every_rejected_row_and_duplicate_group_and_writes_nothing(
        desk: Runtime) -> None:
    outcome = _import(desk, customer_workbook(), "old.xlsx", CUSTOMER_MAPPING)
    assert report_text(outcome.plans) == EXPECTED_REPORT
    assert desk.records.list("customer").total == 0
    rows = list(csv.reader(io.StringIO(rejected_csv(outcome.plans[0]))))
    assert rows[0][:4] == ["_row", "_errors", "客户编号", "客户名称"]
    assert rows[1][0] == "9" and rows[1][2:4] == ["C005", "Nimbus Retail"]
    assert "联系方式: '12345' is not a valid phone number for region CN" in rows[1][1]


def test_applied_import_cleanses_values_merges_duplicates_and_keeps_original_times(
        desk: Runtime) -> None:
    outcome = _import(desk, customer_workbook(), "old.xlsx", CUSTOMER_MAPPING, apply=True)
    assert outcome.written[0].counts == {"created": 3, "updated": 0, "unchanged": 0,
                                         "rejected": 1, "merged": 2, "skipped": 0}
    by_name = {r["name"]: r for r in desk.records.list("customer").items}
    assert set(by_name) == {"星河科技有限公司", "ACME Ltd", "Delta Logistics"}
    xinghe, acme = by_name["星河科技有限公司"], by_name["ACME Ltd"]
    # Phones in five formats, all E.164; emails lowercased; Excel serials and "1,234.50".
    assert [xinghe["phone"], acme["phone"], by_name["Delta Logistics"]["phone"]] == [
        "+8613800138000", "+861065529988", "+442079460958"]
    assert xinghe["email"] == "sales@xinghe.cn"
    assert xinghe["last_purchase_at"] == "2024-01-01"
    assert xinghe["purchase_amount"] == 1234.5
    assert xinghe["average_purchase"] == 246.9  # the pack's computed field ran
    assert acme["last_purchase_at"] == "2024-02-29"
    # As of the original times (Asia/Shanghai), the audit trail too, naming the import.
    assert xinghe["created_at"] == "2025-01-15T01:30:00Z"
    assert acme["created_at"] == "2024-07-27T04:00:00Z"
    history = desk.records.history("customer", xinghe["id"])
    assert history[0].at.astimezone(UTC) == datetime(2025, 1, 15, 1, 30, tzinfo=UTC)
    assert history[0].actor == "import"
    assert history[0].note is not None and history[0].note.endswith(": row 3")


def test_a_second_run_changes_nothing(desk: Runtime) -> None:
    _import(desk, customer_workbook(), "old.xlsx", CUSTOMER_MAPPING, apply=True)
    before = desk.records.list("customer").items
    audit = _audit_rows(desk)
    again = _import(desk, customer_workbook(), "old.xlsx", CUSTOMER_MAPPING, apply=True)
    assert again.plans[0].counts()["unchanged"] == 3
    assert again.written[0].counts["created"] == again.written[0].counts["updated"] == 0
    assert desk.records.list("customer").items == before
    assert _audit_rows(desk) == audit


def test_a_changed_cell_updates_the_record_its_key_names(desk: Runtime) -> None:
    _import(desk, customer_workbook(), "old.xlsx", CUSTOMER_MAPPING, apply=True)
    tiers = {"金牌": "strategic", "银牌": "silver", "铜牌": "bronze"}
    mapping = {**CUSTOMER_MAPPING, "columns": {**CUSTOMER_MAPPING["columns"],
                                               "等级": {"field": "tier", "values": tiers}}}
    outcome = _import(desk, customer_workbook(), "old.xlsx", mapping, apply=True)
    assert outcome.plans[0].counts()["update"] == 1
    xinghe = next(r for r in desk.records.list("customer").items if r["email"] ==
                  "sales@xinghe.cn")
    assert (xinghe["tier"], xinghe["version"]) == ("strategic", 2)
    assert desk.records.list("customer").total == 3


def test_gbk_csv_contacts_find_their_customer_by_name(desk: Runtime) -> None:
    _import(desk, customer_workbook(), "old.xlsx", CUSTOMER_MAPPING, apply=True)
    outcome = _import(desk, contacts_gbk_csv(), "contacts.csv", CONTACT_MAPPING, apply=True)
    text = report_text(outcome.plans, applied=True)
    assert "contacts.csv -> contact, encoding gb18030" in text
    assert ("row 5, column '所属客户' (customer): no customer with name '无此客户' "
            "[reference_not_found]") in text
    contacts = desk.records.list("contact").items
    xinghe = next(r for r in desk.records.list("customer").items if r["name"] ==
                  "星河科技有限公司")
    assert sorted((c["name"], c["email"], c["phone"], c["customer"]) for c in contacts) == [
        ("张伟", "zhang.wei@xinghe.cn", "+8613900139000", xinghe["id"]),
        ("李娜", "li.na@xinghe.cn", "+8613900139001", xinghe["id"]),
    ]


def test_one_workbook_with_two_sheets_is_checked_in_one_dry_run(desk: Runtime) -> None:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(customer_workbook()))
    sheet = book.create_sheet("联系人")
    sheet.append(["姓名", "邮箱", "手机", "所属客户"])
    sheet.append(["赵磊", "zhao@delta.co.uk", "+44 20 7946 0000", "Delta Logistics"])
    out = io.BytesIO()
    book.save(out)
    mappings = {"sheets": [CUSTOMER_MAPPING, {**CONTACT_MAPPING, "sheet": "联系人"}]}
    outcome = run_import(desk.records, desk.audit, out.getvalue(), "desk.xlsx",
                         parse_mappings(mappings))
    assert outcome.plans[1].counts()["create"] == 1  # its customer is in the first sheet
    applied = run_import(desk.records, desk.audit, out.getvalue(), "desk.xlsx",
                         parse_mappings(mappings), apply=True)
    assert applied.written[1].counts["created"] == 1


class Crash(Exception):
    pass


def test_a_crashed_import_resumes_after_its_last_committed_batch(desk: Runtime) -> None:
    mapping = {**CUSTOMER_MAPPING, "batch_size": 2}
    batches: list[int] = []
    # One file for both runs: a run is known by the file's bytes and the mapping (openpyxl
    # stamps each save with the time, so a regenerated workbook would be another file).
    book = customer_workbook()

    def crash_after_first_batch(done: int, total: int) -> None:
        batches.append(done)
        raise Crash

    with pytest.raises(Crash):
        _import(desk, book, "old.xlsx", mapping, apply=True,
                progress=crash_after_first_batch)
    assert desk.records.list("customer").total == 2  # rows 3 and 4 committed
    outcome = _import(desk, book, "old.xlsx", mapping, apply=True)
    written = outcome.written[0]
    assert written.resumed_after == 4
    assert desk.records.list("customer").total == 3
    assert written.counts["created"] == 3  # the counts carry over from the crashed run


def test_muted_automations_leave_history_alone_and_run_ones_fire(desk: Runtime) -> None:
    desk.records.create("customer", {"name": "Acme"}, "setup")
    rows = "编号,标题,优先级,客户\r\nT1,Printer on fire,P1,Acme\r\n".encode()
    mapping: dict[str, Any] = {"object": "ticket", "key": "编号", "columns": {
        "标题": "subject", "优先级": "priority",
        "客户": {"field": "customer", "lookup": "name"}}}
    scheduled = _jobs(desk)  # the pack's schedules
    _import(desk, rows, "tickets.csv", mapping, apply=True)
    muted = desk.records.list("ticket").items[0]
    # No routing, no acknowledgement, no SLA timer: the ticket is as the sheet had it.
    assert (muted["version"], _jobs(desk)) == (1, scheduled)
    run = {**mapping, "key": "标题", "automations": "run"}
    _import(desk, rows, "tickets.csv", run, apply=True)
    fired = next(t for t in desk.records.list("ticket").items if t["id"] != muted["id"])
    assert fired["version"] > 1
    assert _jobs(desk) > scheduled


def _jobs(desk: Runtime) -> int:
    table = desk.outbox.table
    with desk.database.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize(("mapping", "message"), [
    ({"object": "customer", "columns": {"客户名": "name"}},
     "the sheet has no column '客户名' (did you mean '客户名称'?)"),
    ({"object": "customer", "columns": {"客户名称": "nmae"}},
     "'nmae' is not a field customer records take (did you mean 'name'?)"),
    ({"object": "customer", "columns": {"客户名称": "name"}, "timezone": "Mars/Base"},
     "unknown time zone 'Mars/Base'"),
    ({"object": "customer", "colums": {}}, "colums: Extra inputs are not permitted"),
])
def test_a_mapping_that_does_not_fit_is_refused_with_what_is_wrong(
        desk: Runtime, mapping: dict[str, Any], message: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        _import(desk, customer_workbook(), "old.xlsx", mapping)
    assert message in str(refused.value)
    assert refused.value.code == "import_mapping_invalid"


def test_a_row_the_runtime_refuses_is_rejected_alone_and_its_batch_still_commits(
        desk: Runtime) -> None:
    customer = desk.records.create("customer", {"name": "Acme"}, "setup")
    rows = ("编号,名称,序列号,客户\r\nA1,Router,SN-1,Acme\r\nA2,Switch,SN-1,Acme\r\n"
            "A3,Printer,SN-3,Acme\r\n").encode()
    mapping = {"object": "asset", "key": "编号", "columns": {
        "名称": "name", "序列号": "serial_number",
        "客户": {"field": "customer", "lookup": "name"}}}
    outcome = _import(desk, rows, "assets.csv", mapping, apply=True)
    written = outcome.written[0]
    assert (written.counts["created"], written.counts["rejected"]) == (2, 1)
    [problem] = written.problems
    assert (problem.row, problem.column, problem.field) == (3, "序列号", "serial_number")
    assert sorted(a["name"] for a in desk.records.list("asset").items) == ["Printer", "Router"]
    assert all(a["customer"] == customer["id"] for a in desk.records.list("asset").items)


@pytest.mark.parametrize(("decision", "created", "skipped"), [("keep", 5, 0), ("skip", 3, 2)])
def test_a_duplicate_group_can_be_kept_or_skipped_on_its_own(
        desk: Runtime, decision: str, created: int, skipped: int) -> None:
    mapping = {**CUSTOMER_MAPPING, "duplicates": {**CUSTOMER_MAPPING["duplicates"],
                                                  "decisions": {4: decision}}}
    outcome = _import(desk, customer_workbook(), "old.xlsx", mapping, apply=True)
    assert "row 4, row 6, row 7: email = ops@acme.com" in report_text(outcome.plans)
    assert f"[{decision}]" in report_text(outcome.plans)
    counts = outcome.written[0].counts
    assert (counts["created"], counts["skipped"], counts["merged"]) == (created, skipped, 0)
