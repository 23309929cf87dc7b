"""The messy spreadsheet a desk brings from its old system, generated (never committed):
a title row and headers merged over two columns, blank rows, Excel serial dates, amounts
written "1,234.50", one customer spelled three ways, phone numbers in five formats, and a
GBK CSV of contacts as Chinese Excel saves it."""

from __future__ import annotations

import io

import openpyxl

CUSTOMER_MAPPING = {
    "object": "customer",
    "sheet": "客户",
    "key": ["客户编号"],
    "as_of": "创建时间",
    "timezone": "Asia/Shanghai",
    "columns": {
        "客户名称": "name",
        "等级": {"field": "tier", "values": {"金牌": "gold", "银牌": "silver", "铜牌": "bronze"}},
        "联系方式": "phone",
        "联系方式 (2)": "email",
        "最近购买": "last_purchase_at",
        "累计消费": "purchase_amount",
        "年购买次数": "purchase_frequency",
    },
    "duplicates": {"match": ["email"], "fuzzy": "name", "threshold": 90, "action": "merge"},
}

CONTACT_MAPPING = {
    "object": "contact",
    "key": ["邮箱"],
    "columns": {
        "姓名": "name",
        "邮箱": "email",
        "手机": "phone",
        "所属客户": {"field": "customer", "lookup": "name"},
    },
}


def customer_workbook() -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "客户"
    ws.append(["客户清单（旧系统导出）"])
    ws.merge_cells("A1:I1")
    ws.append(["客户编号", "客户名称", "等级", "联系方式", None, "最近购买", "累计消费",
               "年购买次数", "创建时间"])
    ws.merge_cells("D2:E2")  # one header over phone and email
    rows = [
        ["C001", "星河科技有限公司", "金牌", "138 0013 8000", "Sales@XingHe.cn", 45292,
         "1,234.50", 5, "2025-01-15 09:30"],
        ["C002", "ＡＣＭＥ Ltd", "银牌", "+86 10 6552 9988", "ops@acme.com", "2024/2/29",
         "¥2,000", 2, 45500.5],
        None,
        ["C003", "Acme Ltd.", "silver", "(010) 6552-9988", "OPS@acme.com ", 45310, "300", 1,
         "2025年3月1日"],
        ["C004", "acme  ltd", "Silver", "0086-10-65529988", None, None, None, None, None],
        None,
        ["C005", "Nimbus Retail", "白金", "12345", "not-an-email", "yesterday", "1,2,3", 1,
         None],
        ["C006", "Delta Logistics", "铜牌", "+44 20 7946 0958", "help@delta.co.uk", 45000,
         "88.5", 3, None],
    ]
    for row in rows:
        ws.append(row if row is not None else [])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def contacts_gbk_csv() -> bytes:
    text = ("姓名,邮箱,手机,所属客户\r\n"
            "张伟,zhang.wei@xinghe.cn,13900139000,星河科技有限公司\r\n"
            "李娜,LI.NA@XINGHE.CN,139-0013-9001,星河科技有限公司\r\n"
            ",,,\r\n"
            "王芳,wang.fang@nowhere.cn,13900139002,无此客户\r\n")
    return text.encode("gbk")
