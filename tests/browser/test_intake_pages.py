"""intake's pages in a real browser: a person sends the inquiry form (a field error first),
gets the receipt, opens the link from the email in the development mailbox and sees their case;
office staff sign in with their key and open the case. Every page is checked with axe-core."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from browser_oidc_support import oidc_platform, through_provider
from browser_support import WebPlatform, check_page, new_page
from platform_support import ADMIN_KEY, SERVICES, bearer, put_account
from test_journeys import office_ready

from hoppid.intake.model import OSLO
from hoppid.shared.testing import eventually, public_inquiry

EMAIL = "sigrid.web@example.no"


async def fill_inquiry(page: Any, *, name: str) -> None:
    """Everything the form asks, by its visible labels (the municipality comes preselected)."""
    await page.get_by_label("Navn").fill(name)
    await page.get_by_label("E-postadresse").fill(EMAIL)
    await page.get_by_label("Telefonnummer").fill("912 34 567")
    await page.get_by_label("Ideen din").fill("Guided kayak trips on Romsdalsfjorden")
    await page.get_by_label("Jeg har en idé").check()
    await page.get_by_label("Veiledning").check()
    await page.get_by_label("Digitalt").check()
    await page.get_by_label("Jeg samtykker").check()


async def receipt_link(platform: WebPlatform, address: str) -> str:
    """The personal link in the receipt, read from the development mailbox's JSON API with the
    platform admin key (other messages to the person, such as offered times, may come first)."""
    mailbox = f"{platform.public('notifications')}/v1/dev/mailbox"
    pattern = re.compile(rf"{re.escape(platform.public('intake'))}/pages/me/[A-Za-z0-9_-]+")
    async with httpx.AsyncClient(timeout=10, headers=bearer(ADMIN_KEY)) as client:

        async def link() -> str | None:
            for message in (await client.get(mailbox, params={"to": address})).json():
                text = (await client.get(f"{mailbox}/{message['id']}")).json()["text"] or ""
                found = pattern.search(text)
                if found:
                    return found.group(0)
            return None

        return await eventually(link, timeout=60, what=f"the receipt's link to {address}")


async def office_key(platform: WebPlatform) -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        issued = await client.post(
            f"{platform.public('intake')}/v1/offices/nordveggen/keys",
            headers=bearer(ADMIN_KEY),
            json={"role": "advisor", "label": "browser test"},
        )
    assert issued.status_code == 201, issued.text
    return str(issued.json()["key"])


async def test_a_person_sends_the_form_opens_their_link_and_staff_see_the_case(
    web_platform: WebPlatform, browser: Any
) -> None:
    intake = web_platform.public("intake")
    page = await new_page(browser)
    await page.goto(f"{intake}/pages/inquiry?municipality=1539")
    await check_page(page, screenshot="intake-inquiry")

    await fill_inquiry(page, name="")  # the name forgotten
    await page.get_by_role("button", name="Send henvendelsen").click()
    name = page.get_by_label("Navn")
    assert await name.get_attribute("aria-invalid") == "true"
    assert await name.get_attribute("aria-describedby") == "error-name"
    assert (await page.locator("#error-name").inner_text()).endswith("Skriv navnet ditt.")
    assert await page.get_by_role("alert").get_by_role("link").inner_text() == (
        "Skriv navnet ditt."
    )
    assert await page.get_by_label("E-postadresse").input_value() == EMAIL  # kept
    await check_page(page, screenshot="intake-inquiry-error")

    await name.fill("Sigrid Web")
    await page.get_by_role("button", name="Send henvendelsen").click()
    await page.wait_for_url(re.compile(r"/pages/inquiry/sent"))
    assert "Sigrid" not in page.url and "example" not in page.url  # nothing personal in it
    assert "personlig lenke" in await page.locator("main").inner_text()
    await check_page(page, screenshot="intake-receipt")

    link = await receipt_link(web_platform, EMAIL)
    await page.goto(link)
    main = await page.locator("main").inner_text()
    assert "Hei, Sigrid Web." in main and "HOP-" in main
    reference = re.search(r"HOP-[A-Z0-9]{4}-[A-Z0-9]{4}", main)
    assert reference is not None
    await check_page(page, screenshot="intake-my-case")
    await page.get_by_role(
        "button", name="Se og last ned alle opplysningene om deg (side og JSON)"
    ).click()
    await page.wait_for_url(re.compile(r"/exports/[0-9a-f-]{36}$"))

    async def gathered() -> bool:  # the page says it is gathering until every part is in
        await page.reload()
        return "Hvorfor vi har det" in await page.locator("main").inner_text()

    await eventually(gathered, timeout=60, what="the export gathered")
    await check_page(page)  # each part, what it is and why it is kept
    await page.get_by_role("link", name="Tilbake til saken").click()
    await page.get_by_role("button", name="Slett opplysningene mine").click()
    await check_page(page, screenshot="intake-erase-confirm")  # the confirm step, not erased
    await page.get_by_role("link", name="Nei, tilbake til saken").click()

    phone = await new_page(browser, phone=True)  # the same link on a phone
    await phone.goto(link)
    await check_page(phone, screenshot="intake-my-case-phone")

    staff = await new_page(browser)
    await staff.goto(f"{intake}/pages/staff")
    await staff.get_by_label("Nøkkel").fill(await office_key(web_platform))
    await staff.get_by_role("button", name="Logg inn").click()
    await staff.wait_for_url(re.compile(r"/pages/staff/cases$"))
    await check_page(staff, screenshot="intake-staff-cases")
    await staff.get_by_role("link", name=reference.group(0)).click()
    assert EMAIL in await staff.locator("main").inner_text()
    await check_page(staff, screenshot="intake-staff-case")
    await staff.get_by_label("Ny status").select_option("contacted")
    await staff.get_by_role("button", name="Endre status").click()
    assert "Statusen er endret." in await staff.locator("main").inner_text()

    await page.reload()  # the person sees the office's move
    assert "Kontoret har tatt kontakt" in await page.locator("main").inner_text()


async def test_the_office_admin_keeps_the_grant_catalogue_and_advisors_read_it(
    web_platform: WebPlatform, browser: Any
) -> None:
    """An office admin adds a grant programme on the catalogue page (refused first without who
    grants it, what was typed kept), changes its maximum and deactivates it; an advisor sees the
    list without the forms. Every page passes axe-core. (The clarification grant every office
    starts with is left as it is: the case work test below applies to it.)"""
    intake = web_platform.public("intake")
    async with httpx.AsyncClient(timeout=10) as client:
        issued = await client.post(
            f"{intake}/v1/offices/nordveggen/keys",
            headers=bearer(ADMIN_KEY),
            json={"role": "office_admin", "label": "browser test admin"},
        )
    assert issued.status_code == 201, issued.text
    admin = await new_page(browser)
    await admin.goto(f"{intake}/pages/staff")
    await admin.get_by_label("Nøkkel").fill(issued.json()["key"])
    await admin.get_by_role("button", name="Logg inn").click()
    await admin.wait_for_url(re.compile(r"/pages/staff/cases$"))
    await admin.goto(f"{intake}/pages/staff/grant-programmes")
    main = admin.locator("main")
    assert "Avklaringsmidler" in await main.inner_text()
    await check_page(admin, screenshot="intake-grant-programmes")

    name = admin.get_by_label("Navn", exact=True)
    await name.fill("Etablerertilskudd")
    await admin.get_by_label("Høyeste beløp (kr)").fill("150000")
    await admin.get_by_role("button", name="Legg til ordningen").click()
    granted_by = admin.get_by_label("Hvem gir tilskuddet")
    assert await granted_by.get_attribute("aria-invalid") == "true"
    assert await admin.get_by_label("Navn", exact=True).input_value() == "Etablerertilskudd"
    await check_page(admin, screenshot="intake-grant-programmes-error")
    await granted_by.fill("Innovasjon Norge")
    await admin.get_by_role("button", name="Legg til ordningen").click()
    assert "Ordningen er lagt til." in await main.inner_text()

    await admin.get_by_role("link", name="Endre Etablerertilskudd").click()
    await admin.get_by_label("Høyeste beløp (kr)").fill("200000")
    await check_page(admin, screenshot="intake-grant-programme-edit")
    await admin.get_by_role("button", name="Lagre ordningen").click()
    assert "Ordningen er endret." in await main.inner_text()
    await admin.get_by_role("button", name="Deaktiver Etablerertilskudd").click()
    assert "Ordningen er deaktivert." in await main.inner_text()
    row = await admin.get_by_role("row", name=re.compile("Etablerertilskudd")).inner_text()
    assert "200\u00a0000" in row and "Ikke aktiv" in row
    await check_page(admin)

    advisor = await new_page(browser)
    await advisor.goto(f"{intake}/pages/staff")
    await advisor.get_by_label("Nøkkel").fill(await office_key(web_platform))
    await advisor.get_by_role("button", name="Logg inn").click()
    await advisor.wait_for_url(re.compile(r"/pages/staff/cases$"))
    await advisor.goto(f"{intake}/pages/staff/grant-programmes")
    text = await advisor.locator("main").inner_text()
    assert "Avklaringsmidler" in text and "Bare kontorets administrator" in text
    assert await advisor.get_by_role("button", name="Legg til ordningen").count() == 0
    await check_page(advisor)


async def tab_to(page: Any, element_id: str) -> None:
    """Press Tab until the element has focus: it is reachable by keyboard, in order."""
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement && document.activeElement.id") == (
            element_id
        ):
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab")


async def test_the_inquiry_form_can_be_sent_with_the_keyboard_alone(
    web_platform: WebPlatform, browser: Any
) -> None:
    page = await new_page(browser)
    await page.goto(f"{web_platform.public('intake')}/pages/inquiry?municipality=1539")
    for field, typed in (
        ("field-name", "Kari Tastatur"),
        ("field-email", "kari.tastatur@example.no"),
        ("field-idea", "A bakery in Åndalsnes"),
    ):
        await tab_to(page, field)
        await page.keyboard.type(typed)
    for choice in ("field-stage-1", "field-needs-1", "field-meeting_mode-1"):
        await tab_to(page, choice)
        await page.keyboard.press("Space")
    await page.keyboard.press("ArrowRight")  # in the radio group: digital instead
    await tab_to(page, "field-consent_processing")
    await page.keyboard.press("Space")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")  # past the two optional boxes to the button
    assert await page.evaluate("document.activeElement.type") == "submit"
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/pages/inquiry/sent"))
    await check_page(page)
    assert await page.get_by_role("heading", level=1).inner_text() == (
        "Takk, henvendelsen er sendt"
    )


async def test_the_new_link_page_answers_every_address_the_same_way(
    web_platform: WebPlatform, browser: Any
) -> None:
    """A dead link's page leads to the form; a field error is tied to its field; any address
    gets the same page. (Whether a mail goes: tests/journeys/test_new_link.py.)"""
    intake = web_platform.public("intake")
    page = await new_page(browser)
    await page.goto(f"{intake}/pages/me/not-a-valid-token?lang=en")
    await check_page(page)
    await page.get_by_role("link", name="Get a new link by email").click()
    await page.wait_for_url(f"{intake}/pages/link")
    await check_page(page)

    await page.get_by_label("Email address").fill("not an address")
    await page.get_by_role("button", name="Send me a new link").click()
    field = page.get_by_label("Email address")
    assert await field.get_attribute("aria-invalid") == "true"
    await check_page(page)

    answers = []
    for address in ("nobody.web@example.no", EMAIL):
        await page.goto(f"{intake}/pages/link")
        await page.get_by_label("Email address").fill(address)
        await page.get_by_role("button", name="Send me a new link").click()
        await page.wait_for_url(f"{intake}/pages/link/sent")
        answers.append(await page.locator("main").inner_text())
    assert answers[0] == answers[1] and "we will send a new link there" in answers[0]
    await check_page(page)


async def test_the_office_admin_reads_the_audit_log(
    web_platform: WebPlatform, browser: Any
) -> None:
    """An advisor opens a case and exports it (refused first without a reason); the office
    admin sees both on the audit log, newest first, and filters it; the advisor may not."""
    intake = web_platform.public("intake")
    async with httpx.AsyncClient(timeout=10) as client:
        body = public_inquiry(
            name="Åse Audit", email="ase.audit@example.no", idea="Fjellføring i Romsdalen"
        )
        sent = await client.post(f"{intake}/v1/inquiries", json=body)
        assert sent.status_code == 201, sent.text
        reference = sent.json()["reference"]
        admin_key = await client.post(
            f"{intake}/v1/offices/nordveggen/keys",
            headers=bearer(ADMIN_KEY),
            json={"role": "office_admin", "label": "browser admin"},
        )
        assert admin_key.status_code == 201, admin_key.text
    advisor = await new_page(browser)
    await advisor.goto(f"{intake}/pages/staff/search?q={reference}")
    await advisor.get_by_label("Nøkkel").fill(await office_key(web_platform))
    await advisor.get_by_role("button", name="Logg inn").click()
    await advisor.get_by_role("link", name=reference).click()
    await advisor.get_by_role("button", name="Eksporter som JSON").click()  # no reason
    reason = advisor.get_by_label("Hvorfor eksporterer du saken?")
    assert await reason.get_attribute("aria-invalid") == "true"
    await check_page(advisor)
    await reason.fill("Personen ba om en kopi på telefon")
    async with advisor.expect_download() as download:
        await advisor.get_by_role("button", name="Eksporter som JSON").click()
    assert (await download.value).suggested_filename == f"hoppid-{reference}.json"
    await advisor.goto(f"{intake}/pages/staff/audit")
    assert "administrator" in await advisor.locator("main").inner_text()  # 403
    await check_page(advisor)

    admin = await new_page(browser)
    await admin.goto(f"{intake}/pages/staff/audit")
    await admin.get_by_label("Nøkkel").fill(admin_key.json()["key"])
    await admin.get_by_role("button", name="Logg inn").click()
    await admin.wait_for_url(re.compile(r"/pages/staff/audit$"))
    rows = admin.locator("tbody tr")
    assert "Eksport" in await rows.nth(0).inner_text()  # newest first
    assert "Personen ba om en kopi på telefon" in await rows.nth(0).inner_text()
    assert "Åse" not in await admin.locator("main").inner_text()  # ids only, never names
    await check_page(admin, screenshot="intake-staff-audit")
    await admin.get_by_label("Hva").select_option("read")
    await admin.get_by_role("button", name="Vis loggen").click()
    assert await rows.count() >= 1
    assert all("Innsyn" in text for text in await rows.all_inner_texts())
    await check_page(admin)


async def test_staff_do_a_case_s_work_on_its_page(web_platform: WebPlatform, browser: Any) -> None:
    """An advisor finds the case by the person's email (an empty search first), assigns the
    case's advisor, adds a note (an empty one first) and changes it (emptied first), records a
    grant application and its decision, an introduction and the company, all on the case page,
    which passes axe filled."""
    intake = web_platform.public("intake")
    async with httpx.AsyncClient(timeout=10) as client:
        account = {"role": "advisor", "name": "Kari Rådgiver", "advisor_id": "adv-browser"}
        made = await client.put(
            f"{intake}/v1/offices/nordveggen/accounts/sub-browser-advisor",
            json=account,
            headers=bearer(ADMIN_KEY),
        )
        assert made.status_code == 200, made.text
        inquiry = public_inquiry(
            name="Per Arbeid",
            email="per.arbeid@example.no",
            idea="Sykkelutleie i Åndalsnes",
            stage="starting",
            needs=["application_help", "network_introduction"],
            meeting_mode="in_person",
        )
        sent = await client.post(f"{intake}/v1/inquiries", json=inquiry)
        assert sent.status_code == 201, sent.text
    staff = await new_page(browser)
    await staff.goto(f"{intake}/pages/staff")
    await staff.get_by_label("Nøkkel").fill(await office_key(web_platform))
    await staff.get_by_role("button", name="Logg inn").click()
    main = staff.locator("main")
    search = staff.get_by_label("Saksnummer, navn, e-post eller telefon")
    await staff.get_by_role("button", name="Søk", exact=True).click()  # nothing typed
    assert await search.get_attribute("aria-invalid") == "true"
    await check_page(staff, screenshot="intake-staff-search-error")
    await search.fill("Per.Arbeid@example.no")
    await staff.get_by_role("button", name="Søk", exact=True).click()
    assert "1 sak passer søket." in await main.inner_text()
    await check_page(staff, screenshot="intake-staff-search")
    await staff.get_by_role("link", name=sent.json()["reference"]).click()

    await staff.get_by_label("Rådgiver for saken").select_option(label="Kari Rådgiver")
    await staff.get_by_role("button", name="Tildel rådgiveren").click()
    assert "Saken er tildelt Kari Rådgiver." in await main.inner_text()

    await staff.get_by_role("button", name="Legg til notatet").click()  # nothing written
    note = staff.get_by_label("Nytt notat")
    assert await note.get_attribute("aria-invalid") == "true"
    await check_page(staff)
    await note.fill("Ringte Per. Han sender budsjettet.")
    await staff.get_by_role("button", name="Legg til notatet").click()
    assert "Notatet er lagt til." in await main.inner_text()
    await staff.get_by_text("Endre notatet").click()  # the summary opens the note's form
    own_note = staff.get_by_label("Notatet", exact=True)
    await own_note.fill("")
    await staff.get_by_role("button", name="Lagre notatet").click()
    own_note = staff.get_by_label("Notatet", exact=True)  # the page again, the form open
    assert await own_note.get_attribute("aria-invalid") == "true"
    await check_page(staff, screenshot="intake-staff-note-edit-error")
    await own_note.fill("Ringte Per. Han sender budsjettet i morgen.")
    await staff.get_by_role("button", name="Lagre notatet").click()
    assert "Notatet er endret." in await main.inner_text()
    assert re.search(r"\(endret \d\d\.\d\d\.\d{4} \d\d:\d\d\)", await main.inner_text())

    # the office's grant programmes (grants/): the clarification grant every office starts with
    await staff.get_by_label("Ordning").select_option("nordveggen.avklaringsmidler")
    await staff.get_by_label("Beløp søkt (kr)").fill("30000")
    await staff.get_by_label("Søknadsfrist").fill("2027-01-31")
    await staff.get_by_role("button", name="Registrer søknaden").click()
    assert "Søknaden er registrert." in await main.inner_text()
    await staff.get_by_label("Vedtaket").select_option("granted")
    await staff.get_by_label("Beløp innvilget (kr)").fill("25000")
    await staff.get_by_role("button", name="Registrer vedtaket").click()
    assert "Vedtaket er registrert." in await main.inner_text()

    await staff.get_by_label("Til hvem").fill("Romsdal Næringsforum")
    await staff.get_by_label("Slags kontakt").select_option("company")
    await staff.get_by_label("Hvorfor", exact=True).fill("Lokale leverandører av sykler")
    await staff.get_by_role("button", name="Registrer kontakten").click()
    assert "Kontakten er registrert." in await main.inner_text()
    await staff.get_by_label("Organisasjonsnummer").fill("923 609 016")
    await staff.get_by_label("Registrert dato").fill("2026-11-20")
    await staff.get_by_role("button", name="Registrer bedriften").click()
    assert "Bedriften er registrert." in await main.inner_text()

    shown = await main.inner_text()
    assert "Ringte Per. Han sender budsjettet i morgen." in shown and "Innvilget" in shown
    assert "Romsdal Næringsforum" in shown and "923609016" in shown
    await check_page(staff, screenshot="intake-staff-case-work")


async def test_an_advisor_sees_the_case_s_meetings_and_their_day(
    topic_prefix: str, unique: str, mongo: Any, browser: Any
) -> None:
    """A case's meeting booked in scheduling (one of the times it offered, through the
    person's link) shows on intake's case page with the link to book another; the advisor's
    "my cases" page, for that meeting's day, shows it and the application due in 10 days but
    not the one due in 20. Both pages pass axe-core. The day comes from the booked time, never
    from the wall clock."""
    advisor = {"sub": "ingrid.dag", "email": "ingrid.dag@nordveggen.example", "name": "Ingrid"}
    async with oidc_platform(topic_prefix, unique, mongo, [advisor], SERVICES) as platform:
        intake, scheduling = platform.public("intake"), platform.public("scheduling")
        async with httpx.AsyncClient(timeout=10) as client:
            key = await office_ready(platform, client)  # and an advisor in scheduling
            address = "dag.meeting@example.no"
            body = {**_inquiry(), "email": address}
            assert (await client.post(f"{intake}/v1/inquiries", json=body)).status_code == 201
            token = (await receipt_link(platform, address)).rsplit("/", 1)[-1]
            meeting = await _booked_through_link(client, scheduling, token)
            account = {"role": "advisor", "name": "Ingrid Rådgjevar"}
            await put_account(
                intake, advisor["sub"], {**account, "advisor_id": meeting["advisor_id"]}
            )
            case = f"{intake}/v1/cases/{meeting['case_id']}"
            assigned = await client.post(
                f"{case}/advisor", json={"advisor_id": meeting["advisor_id"]}, headers=bearer(key)
            )
            assert assigned.status_code == 200, assigned.text
            day = datetime.fromisoformat(meeting["start"]).astimezone(OSLO).date()
            for programme, days in (("Avklaringsmidler", 10), ("Etablerertilskudd", 20)):
                due = {"programme": programme, "amount_asked_nok": 30000}
                due["deadline"] = (day + timedelta(days=days)).isoformat()
                recorded = await client.post(f"{case}/applications", json=due, headers=bearer(key))
                assert recorded.status_code == 200, recorded.text

        page = await new_page(browser)
        case_page = f"{intake}/pages/staff/cases/{meeting['case_id']}"
        await page.goto(case_page)
        await through_provider(page, advisor["sub"])
        await page.wait_for_url(case_page)
        meetings = page.locator("table", has=page.get_by_text("Første veiledning"))

        async def shown() -> bool:
            await page.reload()
            return bool(await meetings.count() == 1)

        await eventually(shown, timeout=60, what="the booked meeting on the case page")
        row = await meetings.inner_text()
        assert "Ingrid Rådgjevar" in row and "Digitalt" in row and "Bestilt" in row
        book = page.get_by_role("link", name="Bestill et møte for saken")
        href = f"{scheduling}/pages/staff/cases/{meeting['case_id']}/book?next="
        assert (await book.get_attribute("href") or "").startswith(href)
        await check_page(page, screenshot="intake-staff-case-meetings")

        await page.goto(f"{intake}/pages/staff/cases?day={day.isoformat()}")
        today = page.get_by_role("region", name=re.compile("Min dag"))
        text = await today.inner_text()
        assert f"Min dag {day:%d.%m.%Y}" in text and _oslo_time(meeting["start"]) in text
        assert "Avklaringsmidler" in text and "Etablerertilskudd" not in text
        await check_page(page, screenshot="intake-my-day")


def _inquiry() -> dict[str, Any]:  # each caller gives its own email
    return public_inquiry(
        name="Dag Møte", idea="Fjellføring i Romsdalen", needs=["guidance", "application_help"]
    )


async def _booked_through_link(
    client: httpx.AsyncClient, scheduling: str, token: str
) -> dict[str, Any]:
    """The first time scheduling offered the new case, booked from the person's link."""
    me = f"{scheduling}/v1/me/{token}"

    async def offered() -> list[Any]:
        answer = await client.get(f"{me}/meetings")
        offers = answer.json()["offers"] if answer.status_code == 200 else []
        return offers if offers and offers[0]["slots"] else []

    (offer, *_) = await eventually(offered, timeout=60, what="times offered for the case")
    slot = offer["slots"][0]
    booked = await client.post(
        f"{me}/bookings", json={"case_id": offer["case_id"], "start": slot["start"]}
    )
    assert booked.status_code == 201, booked.text
    return {"case_id": offer["case_id"], "advisor_id": slot["advisor_id"], "start": slot["start"]}


def _oslo_time(start: str) -> str:
    return f"{datetime.fromisoformat(start).astimezone(OSLO):%d.%m.%Y %H:%M}"
