"""Browser journeys of issue 4: staff shape the dashboard's actions and the customer's dashboard
follows (desktop and phone); staff share a document that the customer previews and downloads. (A
customer writing with an attachment: tests/messages/test_browser.py.)"""

from __future__ import annotations

import itertools

from playwright.sync_api import Browser, Page, expect
from sqlmodel import delete, select

from portal_app.core.db import session_scope
from portal_app.documents.models import Document
from portal_app.dashboard.models import PortalAction
from tests.support.browser import customer_login, staff_page
from tests.factories import make_account, make_contact

_n = itertools.count(1)
PHONE = {"width": 390, "height": 844}


def customer(name: str = "Camille", **kw) -> tuple[str, int]:
    with session_scope() as db:
        acc = make_account(db, name=f"Atelier {next(_n)}")
        contact = make_contact(db, acc, first_name=name, portal_role="admin", email=f"i4-{next(_n)}@example.com", **kw)
        return contact.email, acc.id






def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_staff_shape_the_dashboard_and_the_customer_sees_it(page: Page, browser: Browser, app_url, shots):
    with session_scope() as db:
        db.exec(delete(PortalAction))
    from portal_app.dashboard import actions as portal_actions

    portal_actions.forget_cached_actions()  # the app runs in this process (the harness's thread)
    staff = staff_page(browser, app_url, viewport={"width": 1280, "height": 900})
    staff.goto(f"{app_url}/admin/actions")
    expect(staff.get_by_role("heading", name="Portal actions")).to_be_visible()
    expect(staff.get_by_text("No actions yet")).to_be_visible()

    staff.get_by_role("button", name="New action").click()
    dialog = staff.get_by_role("dialog")
    dialog.get_by_label("What it does").select_option("message")
    dialog.get_by_label("Label (English) *").fill("Write to us")
    dialog.get_by_label("Label (Français)").fill("Écrivez-nous")
    dialog.get_by_role("button", name="Save").click()
    expect(staff.get_by_text("The action has been saved.")).to_be_visible()

    staff.get_by_role("button", name="New action").click()
    dialog = staff.get_by_role("dialog")
    dialog.get_by_label("What it does").select_option("link")
    dialog.get_by_label("Label (English) *").fill("Network status")
    dialog.get_by_label("Link address (https://…)").fill("javascript:alert(1)")
    dialog.get_by_label("star").click()  # the icon picker
    expect(dialog.get_by_label("star")).to_be_checked()
    dialog.get_by_role("button", name="Save").click()
    expect(staff.get_by_role("alert")).to_contain_text("must start with http:// or https://")
    dialog.get_by_label("Link address (https://…)").fill("https://status.example.com")
    dialog.get_by_role("button", name="Save").click()
    expect(staff.get_by_text("The action has been saved.")).to_be_visible()

    rows = staff.locator("#actions-list li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Write to us")
    preview = staff.locator("#actions-preview")
    expect(preview.locator(".portal-action")).to_have_count(2)
    staff.get_by_role("button", name="Move up Network status").click()
    expect(rows.nth(0)).to_contain_text("Network status")
    expect(preview.locator(".portal-action").nth(0)).to_contain_text("Network status")
    staff.get_by_label("Preview language").select_option("fr")
    expect(preview).to_contain_text("Écrivez-nous")
    shots(staff, "i4-actions-editor")

    # the customer's dashboard follows: in order, in the contact's language
    email, _ = customer(language="fr")
    customer_login(page, app_url, email)
    actions = page.locator("#portal-actions .portal-action")
    expect(actions).to_have_count(2)
    expect(actions.nth(0)).to_contain_text("Network status")
    expect(actions.nth(1)).to_contain_text("Écrivez-nous")
    external = actions.nth(0)
    assert external.get_attribute("target") == "_blank"
    assert external.get_attribute("rel") == "noopener noreferrer"
    expect(page.locator("#whats-new")).to_be_visible()
    shots(page, "i4-dashboard-desktop")
    actions.nth(1).click()
    expect(page).to_have_url(f"{app_url}/messages/new")

    # staff hide one: it disappears for the customer
    staff.get_by_role("button", name="Hide Network status").click()
    expect(staff.locator("#actions-list li").nth(0)).to_contain_text("Hidden")
    page.goto(f"{app_url}/")
    expect(page.locator("#portal-actions .portal-action")).to_have_count(1)

    # a phone: one column, actions first, nothing wider than the screen
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    customer_login(mobile, app_url, email)
    expect(mobile.locator("#portal-actions .portal-action")).to_have_count(1)
    assert no_horizontal_overflow(mobile)
    actions_box = mobile.locator("#portal-actions").bounding_box()
    news_box = mobile.locator("#whats-new").bounding_box()
    assert actions_box["y"] < news_box["y"] and abs(actions_box["x"] - news_box["x"]) < 2
    shots(mobile, "i4-dashboard-phone")
    mobile.goto(f"{app_url}/documents")
    expect(mobile.get_by_role("heading", name="Documents", exact=True)).to_be_visible()
    assert no_horizontal_overflow(mobile)
    shots(mobile, "i4-documents-phone")
    phone.close()
    staff.context.close()


def test_staff_share_a_document_the_customer_previews_and_downloads(page: Page, browser: Browser, app_url, shots,
                                                                     tmp_path):
    email, account_id = customer(name="Noé")
    staff = staff_page(browser, app_url, viewport={"width": 1280, "height": 900})
    staff.goto(f"{app_url}/admin/documents?account={account_id}")
    expect(staff.get_by_role("heading", name="Folders")).to_be_visible()
    staff.get_by_placeholder("New folder").fill("Contracts")
    staff.get_by_role("button", name="Create").click()
    expect(staff.get_by_text("Folder Contracts created.")).to_be_visible()
    staff.get_by_label("Into").select_option(label="Contracts")
    pdf = tmp_path / "Contrat de service.pdf"
    pdf.write_bytes(_contract_pdf())
    fake = tmp_path / "photo.png"
    fake.write_bytes(b"MZ\x90\x00 this is not an image" * 10)
    staff.locator("#staff-document-upload input[type=file]").set_input_files(str(fake))
    staff.get_by_role("button", name="Upload", exact=True).click()
    expect(staff.get_by_role("alert")).to_contain_text("is not a type of file we accept")
    plan = tmp_path / "Plan.png"
    plan.write_bytes(_plan_png())
    staff.locator("#staff-document-upload input[type=file]").set_input_files([str(pdf), str(plan)])
    staff.get_by_role("button", name="Upload", exact=True).click()
    expect(staff.get_by_text("2 document(s) uploaded.")).to_be_visible()
    table = staff.get_by_role("table")
    expect(table).to_contain_text("Contrat de service.pdf")
    expect(table).to_contain_text("Not shared")
    shots(staff, "i4-staff-documents")

    # not shared yet: it does not exist for the customer, on the page or at its URL
    with session_scope() as db:
        doc = db.exec(select(Document).where(Document.account_id == account_id,
                                             Document.mime_type == "application/pdf")).one()
    staff_link = staff.get_by_role("table").get_by_role("link", name="Preview").first.get_attribute("href")
    backend = staff_link.split("/api/")[0]
    customer_login(page, app_url, email)
    page.goto(f"{app_url}/documents")
    expect(page.get_by_text("No documents yet")).to_be_visible()
    assert page.request.get(f"{backend}/api/documents/{doc.id}").status == 404

    staff.get_by_role("button", name="Share Contrat de service.pdf").click()
    share = staff.get_by_role("alertdialog")
    expect(share.get_by_label("Email the customer's contacts about it")).not_to_be_checked()
    share.get_by_role("button", name="Share").click()
    expect(staff.get_by_text("Shared with the customer.")).to_be_visible()
    staff.get_by_role("button", name="Share Plan.png").click()
    staff.get_by_role("alertdialog").get_by_role("button", name="Share").click()
    expect(staff.get_by_role("table").get_by_text("Not shared")).to_have_count(0)

    page.goto(f"{app_url}/")
    expect(page.locator("#new-documents")).to_contain_text("Contrat de service.pdf")
    expect(page.locator("#whats-new")).to_contain_text("New document: Contrat de service.pdf")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Documents").click()
    expect(page.get_by_role("heading", name="Documents", exact=True)).to_be_visible()
    row = page.locator("li").filter(has_text="Contrat de service.pdf")
    expect(row.get_by_text("New", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Contracts")).to_be_visible()
    shots(page, "i4-documents")

    row.get_by_role("button", name="Preview").click()
    dialog = page.get_by_role("dialog")
    frame = dialog.locator("iframe")
    expect(frame).to_be_visible()
    page.wait_for_timeout(400)  # let the dialog's opening animation end before the screenshot
    src = frame.get_attribute("src")
    inline = page.request.get(src)
    assert inline.status == 200 and inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"].startswith("inline")
    shots(page, "i4-document-preview")
    dialog.get_by_role("button", name="Close").click()
    expect(row.get_by_text("New", exact=True)).to_have_count(0)

    # an image previews in the page too
    page.locator("li").filter(has_text="Plan.png").get_by_role("button", name="Preview").click()
    image = page.get_by_role("dialog").get_by_role("img", name="Plan.png")
    expect(image).to_be_visible()
    page.wait_for_function("[...document.querySelectorAll('img[alt=\"Plan.png\"]')].some(i => i.naturalWidth > 0)")
    shots(page, "i4-image-preview")
    page.get_by_role("dialog").get_by_role("button", name="Close").click()

    with page.expect_download() as info:
        row.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == "Contrat de service.pdf"
    assert open(download.path(), "rb").read() == pdf.read_bytes()

    # nothing of it under Reflex's public upload path, and the route wants a session
    assert page.request.get(f"{backend}/_upload/{doc.stored_name}").status == 404
    anonymous = browser.new_context()
    assert anonymous.request.get(src).status == 404
    anonymous.close()
    staff.context.close()


def _plan_png() -> bytes:
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 300), "#f0f4ff")
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 40, 440, 260), outline="#1d4ed8", width=6)
    draw.line((40, 150, 440, 150), fill="#1d4ed8", width=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _contract_pdf() -> bytes:
    """A real one-page PDF (the preview shows it), padded so the upload takes a moment."""
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=24)
    doc.cell(text="Contrat de service")
    doc.set_font("helvetica", size=12)
    for i in range(40):
        doc.set_xy(10, 30 + i * 6)
        doc.cell(text=f"Article {i + 1}: the service is provided as agreed.")
    return bytes(doc.output()) + b"\n%" + b"x" * 300_000


def test_new_pages_have_no_serious_accessibility_problem(page: Page, browser: Browser, app_url):
    from tests.support.browser import serious_violations

    email, account_id = customer(name="Ada")
    customer_login(page, app_url, email)
    for path, heading in (("/", None), ("/documents", "Documents")):
        page.goto(f"{app_url}{path}")
        if heading:
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        else:
            expect(page.locator("#greeting")).to_be_visible()
        assert serious_violations(page) == [], path
    staff = staff_page(browser, app_url)
    for path, heading in (("/admin/actions", "Portal actions"), (f"/admin/documents?account={account_id}", "Folders")):
        staff.goto(f"{app_url}{path}")
        expect(staff.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert serious_violations(staff) == [], path
    staff.context.close()
