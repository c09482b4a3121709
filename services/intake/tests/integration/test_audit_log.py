"""The audit log through HTTP against the service process, real Kafka and the store: a case
page read is one entry naming the staff account; an export needs a reason (422 naming it) and
is logged with it; a correction and an erasure are logged, and after the erasure the log holds
none of the person's contact details; the office admin reads it (page and API), an advisor
or another office's admin is refused."""

import json
import re
from typing import Any

import httpx
from intake_support import ADMIN_KEY, Intake
from test_case_advisor_pages import add_account, sign_in_as_advisor
from test_pages import hidden, intake, link_of, send_inquiry, sign_in

from hoppid.intake.audit.store import AUDIT

__all__ = ["intake"]  # the fixture with plain-http cookies, shared with test_pages

KARI = {"name": "Kari Nordmann", "email": "kari@example.no", "phone": "912 34 567"}


async def entries(database: Any, **query: Any) -> list[dict[str, Any]]:
    return await database[AUDIT].find(query).sort("at", 1).to_list()


async def rauma_case(intake: Intake, database: Any) -> dict[str, Any]:
    assert (await send_inquiry(intake, **KARI)).status_code == 303
    case = await database["cases"].find_one({"municipality": "1539"})
    assert case is not None
    return dict(case)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_case_page_read_is_one_entry_naming_the_staff_account(
    intake: Intake, database: Any
) -> None:
    case = await rauma_case(intake, database)
    await add_account(intake, "nordveggen", "sub-ingrid", "Ingrid Rådgiver", "adv-ingrid")
    await sign_in_as_advisor(intake, database, "nordveggen", "sub-ingrid", "adv-ingrid")
    assert await entries(database) == []
    anonymous = httpx.AsyncClient(base_url=intake.client.base_url)
    async with anonymous:  # not signed in: to the sign-in page
        assert (await anonymous.get("/pages/staff/audit")).status_code in (302, 303)

    page = await intake.client.get(f"/pages/staff/cases/{case['_id']}")
    assert page.status_code == 200 and "kari@example.no" in page.text
    [read] = await entries(database)
    assert read["action"] == "read" and read["channel"] == "page"
    assert read["actor"] == {"kind": "account", "id": "sub-ingrid", "name": "Ingrid Rådgiver"}
    assert read["office_id"] == "nordveggen"
    assert read["case_ids"] == [case["_id"]] and read["case_references"] == [case["reference"]]
    assert read["person_ids"] == [case["person_id"]]
    assert read["details"] == {"contact_details": True}

    # an advisor is not the office's admin: the page and the API refuse (403)
    refused = await intake.client.get("/pages/staff/audit")
    assert refused.status_code == 403 and "administrator" in refused.text
    advisor_key = await intake.key("nordveggen")
    answer = await intake.client.get("/v1/offices/nordveggen/audit", headers=bearer(advisor_key))
    assert answer.status_code == 403, answer.text
    molde_admin = await intake.key("molde", "office_admin")
    answer = await intake.client.get("/v1/offices/nordveggen/audit", headers=bearer(molde_admin))
    assert answer.status_code == 403
    admin = await intake.key("nordveggen", "office_admin")
    listed = await intake.client.get("/v1/offices/nordveggen/audit", headers=bearer(admin))
    assert listed.status_code == 200
    assert [(e["action"], e["actor"]["id"]) for e in listed.json()] == [("read", "sub-ingrid")]
    missing = await intake.client.get("/v1/offices/nowhere/audit", headers=bearer(ADMIN_KEY))
    assert missing.status_code == 404


async def test_an_export_needs_a_reason_and_is_logged_with_it(
    intake: Intake, database: Any
) -> None:
    case = await rauma_case(intake, database)
    key = await intake.key("nordveggen")
    url = f"/v1/cases/{case['_id']}/export"

    for body in ({}, {"reason": "  "}, {"reason": "asked by kari@example.no"}):
        refused = await intake.client.post(url, json=body, headers=bearer(key))
        assert refused.status_code == 422, body
        assert "reason" in refused.text and "kari@example.no" not in json.dumps(
            await entries(database)
        )
    for holding in ("Kari Nordmann asked", "call 912 34 567 first", "KARI NORDMANN"):
        refused = await intake.client.post(url, json={"reason": holding}, headers=bearer(key))
        assert refused.status_code == 422 and "reason" in refused.text, holding
    assert await entries(database) == []

    reason = "The person asked for a copy on the phone"
    exported = await intake.client.post(url, json={"reason": reason}, headers=bearer(key))
    assert exported.status_code == 200, exported.text
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.json()["person"]["email"] == "kari@example.no"
    assert exported.json()["case"]["reference"] == case["reference"]
    [logged] = await entries(database)
    assert logged["action"] == "export" and logged["reason"] == reason
    assert logged["channel"] == "api" and logged["actor"]["kind"] == "key"
    assert logged["actor"]["name"] == "test"  # the key's label
    assert logged["case_references"] == [case["reference"]]

    # the case page's form: refused without a reason (422, tied to its field), then done
    await sign_in(intake, key)
    page = await intake.client.get(f"/pages/staff/cases/{case['_id']}")
    csrf = hidden(page.text, "csrf")
    form_url = f"/pages/staff/cases/{case['_id']}/export"
    empty = await intake.client.post(form_url, data={"csrf": csrf, "export_reason": ""})
    assert empty.status_code == 422
    assert 'href="#field-export_reason"' in empty.text and 'id="error-export_reason"' in empty.text
    done = await intake.client.post(
        form_url, data={"csrf": csrf, "export_reason": "A copy for the grant's funder"}
    )
    assert done.status_code == 200 and done.json()["person"]["name"] == "Kari Nordmann"
    exports = await entries(database, action="export")
    assert [e["reason"] for e in exports] == [reason, "A copy for the grant's funder"]
    assert exports[1]["channel"] == "page"


async def test_a_correction_and_an_erasure_are_logged_without_contact_details(
    intake: Intake, database: Any
) -> None:
    case = await rauma_case(intake, database)
    reference = case["reference"]
    token = await link_of(database, "kari@example.no")
    key = await intake.key("nordveggen")

    # staff search by email (page and API) and read the case by API: logged, never the query
    found = await intake.client.get(
        "/v1/cases/search", params={"q": "kari@example.no"}, headers=bearer(key)
    )
    assert [c["reference"] for c in found.json()] == [reference]
    read = await intake.client.get(f"/v1/cases/{case['_id']}", headers=bearer(key))
    assert read.status_code == 200
    await sign_in(intake, key)
    searched = await intake.client.get("/pages/staff/search", params={"q": "912 34 567"})
    assert reference in searched.text

    # the person corrects their name and phone, exports, and erases everything
    corrected = await intake.client.patch(
        f"/v1/me/{token}", json={"name": "Kari Nordmann-Berg", "phone": "913 00 000"}
    )
    assert corrected.status_code == 200, corrected.text
    assert (await intake.client.get(f"/v1/me/{token}/export")).status_code == 200
    assert (await intake.client.post(f"/v1/me/{token}/erasure")).status_code == 202

    logged = await entries(database)
    shapes = [(e["action"], e["channel"], e["actor"]["kind"]) for e in logged]
    assert shapes == [
        ("search", "api", "key"),
        ("read", "api", "key"),
        ("search", "page", "key"),
        ("correction", "link", "person"),
        ("export", "link", "person"),
        ("erasure", "link", "person"),
    ]
    assert [e["details"].get("by") for e in logged[::2][:2]] == ["email", "phone"]
    assert logged[1]["details"] == {"contact_details": False}  # the API's case has none
    assert logged[3]["details"] == {"fields": ["name", "phone"]}
    assert all(e["case_references"] == [reference] for e in logged)
    assert all(e["office_id"] == "nordveggen" for e in logged)
    person = await database["people"].find_one({"_id": case["person_id"]})
    assert person["erased_at"] and person["name"] is None  # erased, the log kept

    # nothing in the log is a name, email or phone of the person, before or after correction
    everything = json.dumps(await database[AUDIT].find({}).to_list(), default=str).casefold()
    digits = re.sub(r"\D", "", everything)
    for value in ("kari@example.no", "kari nordmann", "nordmann-berg", "erased:"):
        assert value not in everything, value
    for phone in ("91234567", "91300000"):
        assert phone not in digits, phone

    # the office admin's page: newest first, by case reference and by action
    admin = await intake.key("nordveggen", "office_admin")
    await sign_in(intake, admin)
    accounts = await intake.client.get("/pages/staff/accounts")  # the office admin's menu
    assert 'href="/pages/staff/audit"' in accounts.text
    page = await intake.client.get("/pages/staff/audit")
    assert page.status_code == 200
    actions = re.findall(r"<td>(\w+) \(", page.text)  # the column of what, newest first
    assert actions == ["Sletting", "Eksport", "Retting", "Søk", "Innsyn", "Søk"]
    erasures = await intake.client.get(
        "/pages/staff/audit", params={"reference": reference.lower(), "action": "erasure"}
    )
    assert len(re.findall(r"<tr>\s*<td>", erasures.text)) == 1
    assert "personen selv" in erasures.text
    other = await intake.client.get("/pages/staff/audit", params={"reference": "HOP-2222-2222"})
    assert "Ingen oppføringer passer." in other.text
    bad = await intake.client.get("/pages/staff/audit", params={"reference": "kari", "page": "x"})
    assert bad.status_code == 422
    assert 'id="error-reference"' in bad.text and 'id="error-page"' in bad.text
    api = await intake.client.get(
        "/v1/offices/nordveggen/audit",
        params={"action": "correction", "reference": reference},
        headers=bearer(admin),
    )
    assert [e["details"] for e in api.json()] == [{"fields": ["name", "phone"]}]
    wrong = await intake.client.get(
        "/v1/offices/nordveggen/audit", params={"reference": "x"}, headers=bearer(admin)
    )
    assert wrong.status_code == 422 and "reference" in wrong.text


async def test_a_search_of_many_cases_pages_the_log(intake: Intake, database: Any) -> None:
    """More entries than a page: the older ones on the next page, by a link that keeps the
    filter."""
    await rauma_case(intake, database)
    key = await intake.key("nordveggen")
    for _ in range(51):
        answer = await intake.client.get(
            "/v1/cases/search", params={"q": "Kari"}, headers=bearer(key)
        )
        assert answer.status_code == 200
    await sign_in(intake, await intake.key("nordveggen", "office_admin"))
    first = await intake.client.get("/pages/staff/audit", params={"action": "search"})
    assert len(re.findall(r"<tr>\s*<td>", first.text)) == 50
    older = re.search(r'href="(\?[^"]*page=2)" rel="next"', first.text)
    assert older is not None and "action=search" in older.group(1)
    second = await intake.client.get("/pages/staff/audit" + older.group(1).replace("&amp;", "&"))
    assert len(re.findall(r"<tr>\s*<td>", second.text)) == 1
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


async def test_the_platform_admin_chooses_the_office(intake: Intake, database: Any) -> None:
    await rauma_case(intake, database)
    key = await intake.key("nordveggen")
    found = await intake.client.get("/v1/cases/search", params={"q": "Kari"}, headers=bearer(key))
    assert found.status_code == 200
    await sign_in(intake, ADMIN_KEY)
    first = await intake.client.get("/pages/staff/audit", params={"office": "nordveggen"})
    assert first.status_code == 200 and '<select id="field-office"' in first.text
    assert len(re.findall(r"<tr>\s*<td>", first.text)) == 1
    molde = await intake.client.get("/pages/staff/audit", params={"office": "molde"})
    assert molde.status_code == 200 and "Ingen oppføringer passer." in molde.text
    assert '<option value="molde" selected>' in molde.text
