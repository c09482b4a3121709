"""The case's advisor on the staff's case page, through HTTP against the service process: the
form offers only the office's advisor accounts, an assignment shows by the account's name, and
another office's advisor or an unknown id is a 422 naming the field (never a 500)."""

from datetime import timedelta
from typing import Any

import httpx
from intake_support import ADMIN_KEY, Intake
from test_case_work_pages import open_case, post
from test_pages import LINK_SECRET, hidden, intake

from hoppid.intake.accounts import account_key
from hoppid.shared.clock import real_now
from hoppid.shared.staff_sessions import SessionRecord, StaffSessions, new_session_id
from hoppid.shared.web.session import COOKIE, sign_session

__all__ = ["intake"]  # the fixture with plain-http cookies, shared with test_pages


async def add_account(
    intake: Intake, office: str, subject: str, name: str, advisor_id: str | None = None
) -> None:
    """A staff account set up through intake's accounts API by the platform admin."""
    role = "advisor" if advisor_id else "office_admin"
    response = await intake.client.put(
        f"/v1/offices/{office}/accounts/{subject}",
        json={"role": role, "name": name, "advisor_id": advisor_id},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    assert response.status_code == 200, response.text


async def sign_in_as_advisor(
    intake: Intake, database: Any, office: str, subject: str, advisor_id: str
) -> None:
    """The session an advisor's OpenID Connect sign-in starts (accounts.py's callback), put
    in the shared sessions store and the browser's cookie without a provider. The service
    checks a session's expiry against its own clock, so this one runs from the real now."""
    now, session_id = real_now(), new_session_id()
    record = SessionRecord(account_key(subject), "", office, "advisor", advisor_id)
    await StaffSessions(database, timedelta(minutes=30)).start(
        session_id, record, now, now + timedelta(hours=1)
    )
    intake.client.cookies.set(COOKIE, sign_session(LINK_SECRET, session_id, now, hours=1))


async def advisors_offered(page: httpx.Response) -> list[str]:
    start = page.text.index('<select id="field-advisor_id"')
    select = page.text[start : page.text.index("</select>", start)]
    return [line.split('"')[1] for line in select.splitlines() if "<option" in line]


async def test_the_case_is_assigned_to_one_of_the_office_s_advisors(
    intake: Intake, database: Any
) -> None:
    await add_account(intake, "nordveggen", "sub-ingrid", "Ingrid Rådgiver", "adv-ingrid")
    await add_account(intake, "nordveggen", "sub-per", "Per Rådgiver", "adv-per")
    await add_account(intake, "nordveggen", "sub-admin", "Anne Admin")  # no advisor record
    await add_account(intake, "molde", "sub-molde", "Mona Molde", "adv-molde")
    url, csrf = await open_case(intake, database)
    page = await intake.client.get(url)
    assert "Saken har ingen rådgiver ennå." in page.text
    assert await advisors_offered(page) == ["", "adv-ingrid", "adv-per"]  # by name
    assert "Mona Molde" not in page.text and "Anne Admin" not in page.text

    for refused in ({"advisor_id": "adv-molde"}, {"advisor_id": "no-such"}, {}):
        answer = await post(intake, f"{url}/advisor", csrf, **refused)
        assert answer.status_code == 422, refused
        assert 'href="#field-advisor_id"' in answer.text and 'id="error-advisor_id"' in answer.text
        assert "Velg en av kontorets rådgivere." in answer.text
    assert (await database["cases"].find_one({})).get("advisor_id") is None
    assert (
        await intake.client.post(f"{url}/advisor", data={"advisor_id": "adv-per"})
    ).status_code == 403

    assigned = await post(intake, f"{url}/advisor", csrf, advisor_id="adv-per")
    assert assigned.status_code == 303 and assigned.headers["location"] == f"{url}?done=advisor"
    page = await intake.client.get(assigned.headers["location"])
    assert "Rådgiveren er tildelt." in page.text
    assert "Saken er tildelt Per Rådgiver." in page.text
    assert '<option value="adv-per" selected>' in page.text
    seen = hidden(page.text, "seen_advisor_id")  # the advisor the page shows
    assert seen == "adv-per"
    changed = await post(
        intake, f"{url}/advisor", csrf, advisor_id="adv-ingrid", seen_advisor_id=seen
    )
    assert changed.status_code == 303
    assert (await database["cases"].find_one({}))["advisor_id"] == "adv-ingrid"
    missing = await post(
        intake, "/pages/staff/cases/no-such-case/advisor", csrf, advisor_id="adv-per"
    )
    assert missing.status_code == 404


async def test_an_advisor_without_an_account_shows_by_id(intake: Intake, database: Any) -> None:
    url, _ = await open_case(intake, database)
    case = await database["cases"].find_one({})
    key = await intake.key("nordveggen")
    through_api = await intake.client.post(  # the API takes any id: scheduling owns advisors
        f"/v1/cases/{case['_id']}/advisor",
        json={"advisor_id": "adv-gone"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert through_api.status_code == 200, through_api.text
    page = await intake.client.get(url)
    assert "Saken er tildelt adv-gone." in page.text
    assert "Kontoret har ingen rådgiverkontoer å velge blant." in page.text


async def test_an_advisor_changed_meanwhile_is_a_409_keeping_the_form(
    intake: Intake, database: Any
) -> None:
    """Two people on the same case: the page read before the other's assignment posts the
    advisor it showed (none), so the assignment is refused, not silently replaced; the page
    says what happened, shows who is assigned now and keeps the choice, and posting again
    from it assigns."""
    await add_account(intake, "nordveggen", "sub-ingrid", "Ingrid Rådgiver", "adv-ingrid")
    await add_account(intake, "nordveggen", "sub-per", "Per Rådgiver", "adv-per")
    url, csrf = await open_case(intake, database)
    stale = await intake.client.get(url)
    assert hidden(stale.text, "seen_advisor_id") == ""  # shown: no advisor

    case = await database["cases"].find_one({})
    meanwhile = await intake.client.post(  # a colleague assigns Ingrid meanwhile
        f"/v1/cases/{case['_id']}/advisor",
        json={"advisor_id": "adv-ingrid"},
        headers={"Authorization": f"Bearer {await intake.key('nordveggen')}"},
    )
    assert meanwhile.status_code == 200, meanwhile.text

    conflict = await post(intake, f"{url}/advisor", csrf, advisor_id="adv-per", seen_advisor_id="")
    assert conflict.status_code == 409
    assert 'href="#field-advisor_id"' in conflict.text and 'id="error-advisor_id"' in conflict.text
    assert "Noen andre endret rådgiveren for saken i mellomtiden." in conflict.text
    assert "Saken er tildelt Ingrid Rådgiver." in conflict.text  # who is assigned now
    assert '<option value="adv-per" selected>' in conflict.text  # the choice is kept
    assert f'action="{url}/advisor"' in conflict.text  # and the form
    assert (await database["cases"].find_one({}))["advisor_id"] == "adv-ingrid"

    again = await post(
        intake,
        f"{url}/advisor",
        hidden(conflict.text, "csrf"),
        advisor_id="adv-per",
        seen_advisor_id=hidden(conflict.text, "seen_advisor_id"),
    )
    assert again.status_code == 303
    assert (await database["cases"].find_one({}))["advisor_id"] == "adv-per"
