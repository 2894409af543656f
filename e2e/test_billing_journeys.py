"""Billing through a real browser (issue 18): billing staff review and post a charge, take a
payment and export the claim lines; the front desk takes cash on a phone; a client asks for
and downloads a superbill. Each page is screenshotted to artifacts/e2e/ and checked with
axe-core (see conftest.py)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EXPORT_HEADER = (
    "date_of_service,client_id,payer_type,payer,claim_number,cpt,modifiers,timed_minutes,"
    "units,unit_rule,icd10,charge,rendering_npi,billing_npi"
)
PHONE = (390, 844)


def _balance_owed(page) -> Decimal:
    """The "Balance owed" amount of a client's billing page (0 when the client is in credit)."""
    balance = page.locator("section[aria-labelledby=balance-title] dl")
    owed = balance.locator("dt", has_text="Balance owed")
    if owed.count() == 0:
        return Decimal("0")
    text = owed.locator("xpath=following-sibling::dd[1]").inner_text()
    return Decimal(re.search(r"[\d,]+\.\d{2}", text).group().replace(",", ""))


def _fits_the_screen(page):
    """Nothing but a table (inside its own scrolling box) is wider than the screen."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        wide = page.evaluate(WIDEST)
        raise AssertionError(
            f"{page.url} is {widths[0]} px wide on a {widths[1]} px screen; too wide: {wide}"
        )


# What sticks out to the right of the screen: outside a table's scrolling box, or positioned
# absolutely (a visually hidden label escapes a scrolling box that is not positioned).
WIDEST = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
    && (!e.closest('.table-responsive') || getComputedStyle(e).position === 'absolute'))
  .slice(0, 5)
  .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} `
    + `(${Math.round(e.getBoundingClientRect().right)} px): `
    + e.textContent.trim().slice(0, 60))"""


def _record_payment(page, *, method: str, amount: str) -> None:
    page.get_by_label("Method").select_option(label=method)
    page.get_by_label("Amount").fill(amount)
    page.get_by_role("button", name="Record the payment").click()
    page.wait_for_load_state()


def test_billing_staff_post_a_charge_take_a_payment_and_export(journey, demo):
    from billing.models import Charge

    page = journey.login("billing")
    journey.check(page, "dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Billing"
    nav = page.get_by_role("navigation")

    # Charges (drafts, oldest first) -> one of Karen's drafts.
    nav.get_by_role("link", name="Charges").click()
    journey.check(page, "charges-drafts")
    assert page.get_by_role("heading", level=1).inner_text() == "Charges: draft"
    row = page.locator("main tbody tr").filter(has_text="Karen Whitfield").first
    row.get_by_role("link", name=re.compile("^Open")).click()
    journey.check(page, "karen-draft")
    charge = Charge.objects.get(pk=page.url.rstrip("/").split("/")[-1])
    assert charge.status == "draft" and charge.client.last_name == "Whitfield"
    line = charge.lines.order_by("position").first()

    # Edit line 1's modifiers and units, with a reason.
    page.get_by_role("link", name=f"Edit line {line.position}").click()
    journey.check(page, "line-edit")
    page.get_by_label("Modifiers").fill("GP")
    page.get_by_label("Units").fill(str(line.units + 1))
    page.get_by_label("Reason").fill("Adjuster asks for GP; one unit more.")
    page.get_by_role("button", name="Save the line").click()
    page.wait_for_load_state()
    journey.check(page, "line-edited")
    main = page.locator("main")
    assert f"Line {line.position} changed; the reason is kept." in main.inner_text()
    assert "Adjuster asks for GP" in main.inner_text()
    units = line.units
    line.refresh_from_db()
    assert (line.modifiers, line.units) == ("GP", units + 1)

    # Post it; it shows under the posted charges.
    page.get_by_role("button", name="Post the charge").click()
    page.wait_for_load_state()
    journey.check(page, "charge-posted")
    assert "Charge posted. It no longer changes." in page.locator("main").inner_text()
    charge.refresh_from_db()
    assert charge.status == "posted"
    page.get_by_role("navigation").get_by_role("link", name="Charges").click()
    filters = page.locator("main form")
    filters.get_by_label("Status").select_option("posted")
    # The list is paged, oldest first: narrow it to the day of service.
    filters.get_by_label("From").fill(charge.date_of_service.isoformat())
    filters.get_by_label("To").fill(charge.date_of_service.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    journey.check(page, "charges-posted", screenshot=False)
    posted = page.locator(f"main a[href$='/billing/charges/{charge.pk}/']")
    assert posted.count() == 1, "the posted charge is not listed under posted"

    # Clients -> Priya Raman's billing -> a card payment, allocated oldest first.
    nav.get_by_role("link", name="Clients").click()
    journey.check(page, "billing-clients")
    page.locator("main").get_by_role("link", name="Raman, Priya").click()
    journey.check(page, "priya-billing")
    before = _balance_owed(page)
    assert before > 0, "Priya's demo invoice leaves something owed"
    page.get_by_role("link", name="Record a payment").click()
    journey.check(page, "payment-form")

    # A bad amount: the message at the field, what was typed kept.
    page.get_by_label("Method").select_option(label="Card (terminal)")
    page.get_by_label("Amount").fill("-5")
    page.get_by_role("button", name="Record the payment").click()
    page.wait_for_load_state()
    journey.check(page, "payment-refused")
    amount = page.get_by_label("Amount")
    assert amount.input_value() == "-5"
    assert amount.get_attribute("aria-invalid") == "true" or "is-invalid" in (
        amount.get_attribute("class") or ""
    )
    feedback = page.locator("#id_amount ~ .invalid-feedback, [id^=error_][id*=amount]").first
    assert feedback.is_visible()
    assert feedback.inner_text().strip() == "The amount cannot be negative."
    assert page.get_by_label("Method").locator("option:checked").inner_text() == "Card (terminal)"

    paying = min(before, Decimal("40.00"))
    _record_payment(page, method="Card (terminal)", amount=f"{paying:.2f}")
    journey.check(page, "allocate")
    assert "/allocate/" in page.url
    page.get_by_role("button", name="Allocate oldest first").click()
    page.wait_for_load_state()
    journey.check(page, "allocated")
    assert f"{paying:.2f} allocated." in page.locator("main").inner_text()
    page.get_by_role("link", name="Back to Priya's billing").click()
    journey.check(page, "priya-billing-after")
    assert _balance_owed(page) == before - paying

    # Reports, then the export form and its CSV.
    nav.get_by_role("link", name="Reports").click()
    journey.check(page, "reports")
    nav.get_by_role("link", name="Export").click()
    journey.check(page, "export-form")
    dates = Charge.objects.filter(status="posted").values_list("date_of_service", flat=True)
    page.get_by_label("First date").fill(min(dates).isoformat())
    page.get_by_label("Last date").fill(max(dates).isoformat())
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert ",".join(rows[0]) == EXPORT_HEADER
    assert len(rows) > 1
    assert any(row[5] == line.cpt and row[6] == "GP" for row in rows[1:])
    journey.assert_accessible()


def test_front_desk_takes_cash_on_a_phone(journey, demo):
    from billing.models import Payment

    page = journey.login("frontdesk", viewport=PHONE)
    journey.check(page, "dashboard")
    _fits_the_screen(page)
    # On a phone the navigation is behind the menu button.
    page.get_by_role("button", name="Show menu").click()
    page.get_by_role("navigation").get_by_role("link", name="Clients").click()
    journey.check(page, "clients", screenshot=False)
    _fits_the_screen(page)
    page.locator("main").get_by_role("link", name=re.compile("Haldane, Tom")).first.click()
    journey.check(page, "client-page")
    _fits_the_screen(page)
    page.get_by_role("link", name=re.compile("^Billing: balance")).click()
    journey.check(page, "billing")
    _fits_the_screen(page)
    # The front desk sees balances, not claim codes: no diagnoses column.
    charges = page.locator("section[aria-labelledby=charges-title] thead")
    assert "Diagnoses" not in charges.inner_text()
    page.get_by_role("link", name="Record a payment").click()
    journey.check(page, "payment-form")
    _fits_the_screen(page)
    _record_payment(page, method="Cash", amount="25")
    journey.check(page, "allocate")
    _fits_the_screen(page)
    assert "Payment of 25.00" in page.get_by_role("heading", level=1).inner_text()
    payment = Payment.objects.get(client__last_name="Haldane", method__code="cash")
    assert payment.amount == Decimal("25.00") and payment.recorded_by.username == "frontdesk"
    page.get_by_role("link", name=re.compile("^Back to Tom's billing")).click()
    journey.check(page, "billing-after")
    _fits_the_screen(page)
    journey.assert_accessible()


def test_client_downloads_a_superbill(journey, demo):
    from pypdf import PdfReader

    from billing.models import Charge

    posted = Charge.objects.filter(client__last_name="Whitfield", status="posted")
    dates = sorted(posted.values_list("date_of_service", flat=True))
    assert dates, "Karen has posted demo charges"

    page = journey.login("client")
    page.get_by_role("navigation").get_by_role("link", name="My billing").click()
    journey.check(page, "my-billing")
    page.get_by_role("link", name="Superbills and receipts (PDF)").click()
    journey.check(page, "bills-and-receipts")
    page.get_by_label("First date of service").fill(dates[0].isoformat())
    page.get_by_label("Last date of service").fill(dates[-1].isoformat())
    page.get_by_role("button", name="Prepare the superbill").click()
    page.wait_for_load_state()
    # Tasks run eagerly in tests: the superbill is made when the request's transaction commits.
    link = page.get_by_role("link", name="Download (PDF)").first
    for _ in range(10):
        if link.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    journey.check(page, "superbill-ready")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    data = download.path().read_bytes()
    assert data.startswith(b"%PDF-"), data[:40]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Whitfield" in text and "97124" in text

    # The same pages on a phone: nothing but a table's own box scrolls sideways.
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    journey.check(page, "bills-and-receipts-phone")
    _fits_the_screen(page)
    page.goto("/billing/mine/")
    journey.check(page, "my-billing-phone")
    _fits_the_screen(page)
    journey.assert_accessible()
