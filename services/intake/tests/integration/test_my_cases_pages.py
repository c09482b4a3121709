"""'My cases' on the staff's case list, through HTTP against the service process: an advisor
account starts on the cases assigned to them, by status, and may open the whole office's list;
an API key (no advisor record) keeps the office's list and is offered no 'my cases'."""

from typing import Any

from intake_support import Intake
from test_case_advisor_pages import add_account, sign_in_as_advisor
from test_pages import intake, send_inquiry, sign_in

__all__ = ["intake"]  # the fixture with plain-http cookies, shared with test_pages


async def cases_of_rauma(intake: Intake, database: Any, count: int) -> list[dict[str, Any]]:
    for n in range(count):
        assert (await send_inquiry(intake, email=f"kari{n}@example.no")).status_code == 303
    cursor = database["cases"].find({}).sort("created_at", 1)
    return [case async for case in cursor]


async def call(intake: Intake, key: str, case: dict[str, Any], what: str, **body: Any) -> None:
    answer = await intake.client.post(
        f"/v1/cases/{case['_id']}/{what}", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 200, answer.text


async def test_an_advisor_starts_on_their_own_cases_by_status(
    intake: Intake, database: Any
) -> None:
    await add_account(intake, "nordveggen", "sub-ingrid", "Ingrid Rådgiver", "adv-ingrid")
    contacted, someone_elses, unassigned, newest = await cases_of_rauma(intake, database, 4)
    key = await intake.key("nordveggen")
    for case, advisor in (
        (contacted, "adv-ingrid"),
        (someone_elses, "adv-per"),
        (newest, "adv-ingrid"),
    ):
        await call(intake, key, case, "advisor", advisor_id=advisor)
    await call(intake, key, contacted, "status", status="contacted")

    await sign_in_as_advisor(intake, database, "nordveggen", "sub-ingrid", "adv-ingrid")
    mine = await intake.client.get("/pages/staff/cases")  # where an advisor starts
    assert mine.status_code == 200 and "<h1>Mine saker</h1>" in mine.text
    assert _references(mine.text) == _references(
        (await intake.client.get("/pages/staff/cases?mine=1")).text
    )
    assert '<a href="/pages/staff/cases?mine=1" aria-current="page">' in mine.text
    assert '<input type="hidden" name="mine" value="1">' in mine.text  # filters stay on mine
    shown = [c["reference"] for c in (newest, contacted)]  # new before contacted
    assert _references(mine.text) == shown
    only_contacted = await intake.client.get("/pages/staff/cases?mine=1&status=contacted")
    assert _references(only_contacted.text) == [contacted["reference"]]

    everyone = await intake.client.get("/pages/staff/cases?mine=0")
    assert everyone.status_code == 200 and "<h1>Saker</h1>" in everyone.text
    assert sorted(_references(everyone.text)) == sorted(
        c["reference"] for c in (contacted, someone_elses, unassigned, newest)
    )
    assert '<a href="/pages/staff/cases?mine=0" aria-current="page">' in everyone.text
    bad = await intake.client.get("/pages/staff/cases?mine=maybe")
    assert bad.status_code == 422 and 'href="#field-mine"' in bad.text


async def test_a_key_keeps_the_office_s_list(intake: Intake, database: Any) -> None:
    cases = await cases_of_rauma(intake, database, 2)
    key = await intake.key("nordveggen")
    await call(intake, key, cases[0], "advisor", advisor_id="adv-ingrid")
    await sign_in(intake, key)
    page = await intake.client.get("/pages/staff/cases")
    assert page.status_code == 200 and "Mine saker" not in page.text
    asked = await intake.client.get("/pages/staff/cases?mine=1")  # not offered: ignored
    assert asked.status_code == 200 and len(_references(asked.text)) == 2


def _references(html: str) -> list[str]:
    """The case references in the list's table, in the order shown."""
    return [
        part.split("</a>")[0].split(">")[-1]
        for part in html.split('<td><a href="/pages/staff/cases/')[1:]
    ]
