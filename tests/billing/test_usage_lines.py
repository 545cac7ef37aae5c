"""Usage from files: a consumption CSV attached to a draft invoice becomes its usage lines, once, every row
or none; bad rows are named by CSV line and column; issued invoices and PDFs are left alone."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_app.billing import consumption, rules
from portal_app.billing.access import lines_of
from portal_app.billing.models import Invoice
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.audit import AuditEvent
from tests.factories import make_account, make_draft, make_issued, staff_context

GOOD = ("description;quantity;unit_price;tax_rate\n"
        "Calls to mobiles;125.5;0.04;20\n"
        "Data (GB);12;1.50;\n"  # empty rate: the default (20 %)
        "Roaming refund;1;-2.00;20\n").encode()


def _attach(db, inv, data: bytes, name: str = "usage.csv"):
    return consumption.attach_consumption_file(db, staff_context(db), inv.id, name, data)


def test_a_csv_becomes_usage_lines_of_its_draft_once(db):
    staff = staff_context(db)
    inv = make_draft(db, make_account(db))  # one line: 100.00 at 20 %
    f = _attach(db, inv, GOOD)
    assert rules.add_usage_lines(db, staff, f.id) == 3
    lines = lines_of(db, inv.id)
    assert [(x.description, x.quantity_milli, x.unit_price_minor, x.tax_rate_bp, x.net_minor, x.is_usage)
            for x in lines[1:]] == [("Calls to mobiles", 125500, 4, 2000, 502, True),
                                    ("Data (GB)", 12000, 150, 2000, 1800, True),
                                    ("Roaming refund", 1000, -200, 2000, -200, True)]
    inv = db.get(Invoice, inv.id)
    # 100.00 + 5.02 + 18.00 − 2.00 = 121.02 net; usage 21.02 for the customer's chart
    assert (inv.subtotal_minor, inv.usage_minor, inv.total_minor) == (12102, 2102, 14522)
    with pytest.raises(DomainError) as err:
        rules.add_usage_lines(db, staff, f.id)
    assert err.value.key == "billing.usage.already_added"
    assert len(lines_of(db, inv.id)) == 4
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "consumption.lines_added",
                                            AuditEvent.target_id == f.id)).one()


def test_bad_rows_are_named_by_line_and_column_and_nothing_is_added(db):
    staff = staff_context(db)
    inv = make_draft(db, make_account(db))
    bad = ("description,quantity,unit_price,tax_rate\n"
           "Calls,10,0.05,20\n"
           "Data,lots,1.50,20\n"      # line 3: quantity
           ",1,1,20\n"                # line 4: description
           "SMS,5,0.0001,20\n"        # line 5: unit price with too many decimals
           "Fax,1,1,150\n").encode()  # line 6: tax rate over 100 %
    f = _attach(db, inv, bad)
    with pytest.raises(DomainError) as err:
        rules.add_usage_lines(db, staff, f.id)
    assert err.value.key == "billing.usage.bad_rows"
    assert err.value.params["count"] == 4
    assert err.value.params["rows"] == ("3: quantity “lots”; 4: description “”; 5: unit_price “0.0001”; "
                                        "6: tax_rate “150”")
    assert len(lines_of(db, inv.id)) == 1 and db.get(Invoice, inv.id).total_minor == 12000
    assert consumption.files_of(db, inv.id)[0].lines_added_at is None  # fixed file: try again


def test_missing_columns_a_pdf_an_issued_invoice_and_an_unknown_file_are_refused(db):
    staff = staff_context(db)
    account = make_account(db)
    inv = make_draft(db, account)
    for data, key in ((b"date;number;seconds\n2026-03-01;+33612345678;42\n", "billing.usage.columns"),
                      (b"%PDF-1.4\n%%EOF\n", "billing.usage.not_csv")):
        with pytest.raises(DomainError) as err:
            rules.add_usage_lines(db, staff, _attach(db, inv, data).id)
        assert err.value.key == key
    issued = make_issued(db, account, staff=staff)
    with pytest.raises(DomainError) as err:
        rules.add_usage_lines(db, staff, _attach(db, issued, GOOD).id)
    assert err.value.key == "billing.error.not_draft"
    for unknown in (10**9, "x", None):
        with pytest.raises(NotFound):
            rules.add_usage_lines(db, staff, unknown)


def test_more_rows_than_an_invoice_holds_are_refused_whole(db):
    staff = staff_context(db)
    inv = make_draft(db, make_account(db))
    data = ("description;quantity;unit_price\n" + "".join(f"Call {i};1;0.10\n" for i in range(200))).encode()
    with pytest.raises(DomainError) as err:
        rules.add_usage_lines(db, staff, _attach(db, inv, data).id)
    assert err.value.key == "billing.error.too_many_lines"
    assert len(lines_of(db, inv.id)) == 1
