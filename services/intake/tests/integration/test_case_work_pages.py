"""The staff's case page as the place where the work happens, through HTTP against the service
process: notes, applications and their decisions, introductions and the company, each form's
success shown on the page and each bad input a 4xx naming its field (never a 500)."""

from typing import Any

import httpx
from intake_support import Intake
from test_pages import hidden, intake, send_inquiry, sign_in

__all__ = ["intake"]  # the fixture with plain-http cookies, shared with test_pages

# not marked time_of_day: every date here is fixed, and no assertion reads a time of day


async def open_case(intake: Intake, database: Any) -> tuple[str, str]:
    """A Rauma case, its page opened by a signed-in advisor of Nordveggen: (url, csrf)."""
    assert (await send_inquiry(intake)).status_code == 303
    case = await database["cases"].find_one({"municipality": "1539"})
    await sign_in(intake, await intake.key("nordveggen"))
    url = f"/pages/staff/cases/{case['_id']}"
    page = await intake.client.get(url)
    assert page.status_code == 200
    return url, hidden(page.text, "csrf")


async def post(intake: Intake, url: str, csrf: str, **fields: str) -> httpx.Response:
    return await intake.client.post(url, data={"csrf": csrf, **fields})


async def test_notes_are_added_and_shown_newest_first(intake: Intake, database: Any) -> None:
    url, csrf = await open_case(intake, database)
    assert "Ingen notater ennå." in (await intake.client.get(url)).text

    empty = await post(intake, f"{url}/notes", csrf, text="   ")
    assert empty.status_code == 422
    assert 'href="#field-text"' in empty.text and 'id="error-text"' in empty.text
    assert "Skriv notatet" in empty.text
    assert (await intake.client.post(f"{url}/notes", data={"text": "x"})).status_code == 403

    first = await post(intake, f"{url}/notes", csrf, text="Called Kari.\nShe sends the budget.")
    assert first.status_code == 303 and first.headers["location"] == f"{url}?done=note"
    await post(intake, f"{url}/notes", csrf, text="Budget received.")
    page = await intake.client.get(first.headers["location"])
    assert "Notatet er lagt til." in page.text
    assert "Called Kari.<br>She sends the budget." in page.text
    assert page.text.index("Budget received.") < page.text.index("Called Kari.")  # newest first
    assert "\u2013 test</p>" in page.text  # who wrote it: the key's label
    case = await database["cases"].find_one({})
    assert [n["text"] for n in case["notes"]] == [
        "Called Kari.\nShe sends the budget.",
        "Budget received.",
    ]

    missing = await post(intake, "/pages/staff/cases/no-such-case/notes", csrf, text="Hello")
    assert missing.status_code == 404


async def test_applications_are_recorded_and_decided(intake: Intake, database: Any) -> None:
    url, csrf = await open_case(intake, database)
    seeded = "nordveggen.avklaringsmidler"  # the office's clarification grant (grants/)
    negative = await post(
        intake, f"{url}/applications", csrf, programme_id=seeded, amount_asked_nok="-5"
    )
    assert negative.status_code == 422 and 'id="error-amount_asked_nok"' in negative.text
    assert f'<option value="{seeded}" selected>' in negative.text  # what was chosen is kept
    no_programme = await post(intake, f"{url}/applications", csrf, amount_asked_nok="30000")
    assert no_programme.status_code == 422 and 'id="error-programme_id"' in no_programme.text
    bad_day = await post(
        intake,
        f"{url}/applications",
        csrf,
        programme_id=seeded,
        amount_asked_nok="30000",
        deadline="31.01.2027",
    )
    assert bad_day.status_code == 422 and 'id="error-deadline"' in bad_day.text

    recorded = await post(
        intake,
        f"{url}/applications",
        csrf,
        programme_id=seeded,
        amount_asked_nok="30000",
        deadline="2027-01-31",
    )
    assert recorded.headers["location"] == f"{url}?done=application"
    page = await intake.client.get(recorded.headers["location"])
    assert "Søknaden er registrert." in page.text
    assert "<td>Avklaringsmidler</td>" in page.text and "<td>30\u00a0000</td>" in page.text
    assert "<td>31.01.2027</td>" in page.text and "Venter på vedtak" in page.text
    application = (await database["cases"].find_one({}))["applications"][0]
    decide = f"{url}/applications/{application['id']}/decision"
    assert f'action="{decide}"' in page.text

    field = f"amount_granted_nok-{application['id']}"
    wrong = await post(
        intake, decide, csrf, **{f"outcome-{application['id']}": "granted", field: "-1"}
    )
    assert wrong.status_code == 422
    assert f'href="#field-{field}"' in wrong.text and f'id="error-{field}"' in wrong.text
    unknown = await post(
        intake,
        f"{url}/applications/no-such-application/decision",
        csrf,
        **{"outcome-no-such-application": "rejected"},
    )
    assert unknown.status_code == 404 and 'href="#field-applications"' in unknown.text
    assert "Søknaden finnes ikke i denne saken." in unknown.text

    granted = await post(
        intake, decide, csrf, **{f"outcome-{application['id']}": "granted", field: "25000"}
    )
    assert granted.headers["location"] == f"{url}?done=decision"
    page = await intake.client.get(granted.headers["location"])
    assert "Vedtaket er registrert." in page.text and "<td>Innvilget</td>" in page.text
    assert "<td>25\u00a0000</td>" in page.text and f'action="{decide}"' not in page.text
    application = (await database["cases"].find_one({}))["applications"][0]
    assert (application["outcome"], application["amount_granted_nok"]) == ("granted", 25000)


async def test_introductions_are_recorded(intake: Intake, database: Any) -> None:
    url, csrf = await open_case(intake, database)
    assert "Ingen kontakter formidlet ennå." in (await intake.client.get(url)).text
    fields = {"to_whom": "Romsdal Næringsforum", "why": "Local suppliers for the bikes"}
    no_kind = await post(intake, f"{url}/introductions", csrf, **fields)
    assert no_kind.status_code == 422 and 'id="error-kind"' in no_kind.text
    assert "Romsdal Næringsforum" in no_kind.text  # kept
    bad_kind = await post(intake, f"{url}/introductions", csrf, **fields, kind="spy")
    assert bad_kind.status_code == 422 and 'href="#field-kind"' in bad_kind.text
    no_why = await post(
        intake, f"{url}/introductions", csrf, **{**fields, "why": ""}, kind="mentor"
    )
    assert no_why.status_code == 422 and 'id="error-why"' in no_why.text

    made = await post(intake, f"{url}/introductions", csrf, **fields, kind="company")
    assert made.headers["location"] == f"{url}?done=introduction"
    page = await intake.client.get(made.headers["location"])
    assert "Kontakten er registrert." in page.text
    assert "<td>Romsdal Næringsforum</td>" in page.text and "<td>Bedrift</td>" in page.text
    assert "<td>Local suppliers for the bikes</td>" in page.text


async def test_the_company_is_registered_once(intake: Intake, database: Any) -> None:
    url, csrf = await open_case(intake, database)
    bad = await post(
        intake, f"{url}/company", csrf, org_number="123456789", registered_on="2026-11-20"
    )
    assert bad.status_code == 422
    assert 'href="#field-org_number"' in bad.text and 'id="error-org_number"' in bad.text
    assert 'value="123456789"' in bad.text  # kept
    no_day = await post(intake, f"{url}/company", csrf, org_number="923 609 016")
    assert no_day.status_code == 422 and 'id="error-registered_on"' in no_day.text

    done = await post(
        intake, f"{url}/company", csrf, org_number="923 609 016", registered_on="2026-11-20"
    )
    assert done.headers["location"] == f"{url}?done=company"
    page = await intake.client.get(done.headers["location"])
    assert "Bedriften er registrert." in page.text
    assert "<dd>923609016</dd>" in page.text and "<dd>20.11.2026</dd>" in page.text
    assert f'action="{url}/company"' not in page.text  # registered: no form any more
    case = await database["cases"].find_one({})
    assert case["status"] == "company_registered"

    again = await post(
        intake, f"{url}/company", csrf, org_number="923 609 016", registered_on="2026-11-21"
    )
    assert again.status_code == 409 and 'href="#field-company"' in again.text
    assert "Bedriften i denne saken er registrert allerede." in again.text
    assert (await database["cases"].find_one({}))["company"]["registered_on"] == "2026-11-20"
