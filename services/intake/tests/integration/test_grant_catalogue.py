"""The office's grant catalogue (grants/) through HTTP against the service process, the real
Kafka and store: the clarification grant every office starts with, the admin's changes by the
JSON API and by the pages (an advisor reads, never changes: 403), and the case's applications
held to the office's active entries and their maximum (422 naming the field)."""

from typing import Any

import httpx
from intake_support import ADMIN_KEY, Intake, inquiry
from test_pages import hidden, intake, send_inquiry, sign_in
from test_staff import bearer, case_id_of

from hoppid.shared.testing import of_type, read_envelopes

__all__ = ["intake"]  # the fixture with plain-http cookies, shared with test_pages

PROGRAMMES = "/v1/offices/{office}/grant-programmes"
PAGE = "/pages/staff/grant-programmes"
SEEDED = "nordveggen.avklaringsmidler"  # the clarification grant's entry at Nordveggen


def field_of(answer: httpx.Response) -> str:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return str(answer.json()["errors"][0]["field"])


async def test_every_office_starts_with_the_clarification_grant_and_its_admin_edits_it(
    intake: Intake,
) -> None:
    advisor = bearer(await intake.key("nordveggen"))
    admin = bearer(await intake.key("nordveggen", "office_admin"))
    molde_admin = bearer(await intake.key("molde", "office_admin"))
    url = PROGRAMMES.format(office="nordveggen")

    for _ in range(2):  # the first read seeds it, the second finds the same one
        listed = await intake.client.get(url, headers=advisor)
        assert listed.status_code == 200, listed.text
        assert [(e["id"], e["name"], e["max_amount_nok"], e["active"]) for e in listed.json()] == [
            (SEEDED, "Avklaringsmidler", 30000, True)
        ]
    entry = {"name": "Etablerertilskudd", "granted_by": "Innovasjon Norge"}
    refused = await intake.client.post(url, json=entry, headers=advisor)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert field_of(
        await intake.client.post(url, json={**entry, "max_amount_nok": 0}, headers=admin)
    ) == ("max_amount_nok")
    assert (
        field_of(await intake.client.post(url, json={"name": "X"}, headers=admin)) == "granted_by"
    )
    added = await intake.client.post(url, json=entry, headers=admin)
    assert added.status_code == 201, added.text
    assert added.json()["max_amount_nok"] is None and added.json()["active"] is True
    same_name = {"name": " avklaringsmidler ", "granted_by": "Kommunen"}
    assert field_of(await intake.client.post(url, json=same_name, headers=admin)) == "name"
    renamed = await intake.client.put(f"{url}/{added.json()['id']}", json=same_name, headers=admin)
    assert field_of(renamed) == "name"  # a change to a name taken: 422 too (FerretDB's update)

    seeded = {"name": "Avklaringsmidler", "granted_by": "Rauma kommune", "max_amount_nok": 25000}
    changed = await intake.client.put(f"{url}/{SEEDED}", json=seeded, headers=admin)
    assert changed.status_code == 200 and changed.json()["max_amount_nok"] == 25000
    again = await intake.client.get(f"{url}/{SEEDED}", headers=advisor)
    assert again.json()["granted_by"] == "Rauma kommune"  # the seed never writes over it
    assert len((await intake.client.get(url, headers=advisor)).json()) == 2

    other = await intake.client.put(f"{url}/{SEEDED}", json=seeded, headers=molde_admin)
    assert other.status_code == 403
    assert (await intake.client.get(url, headers=molde_admin)).status_code == 403
    assert (await intake.client.get(f"{url}/nope", headers=advisor)).status_code == 404
    unknown_office = PROGRAMMES.format(office="no-such-office")
    assert (await intake.client.get(unknown_office, headers=bearer(ADMIN_KEY))).status_code == 404
    molde_seeded = f"{PROGRAMMES.format(office='molde')}/molde.avklaringsmidler"
    first = await intake.client.get(molde_seeded, headers=molde_admin)  # before any list
    assert first.status_code == 200 and first.json()["office_id"] == "molde"
    molde = await intake.client.get(PROGRAMMES.format(office="molde"), headers=molde_admin)
    assert [e["id"] for e in molde.json()] == ["molde.avklaringsmidler"]  # its own


async def test_an_application_is_held_to_the_office_s_active_catalogue(
    intake: Intake, database: Any
) -> None:
    admin = bearer(await intake.key("nordveggen", "office_admin"))
    molde_admin = bearer(await intake.key("molde", "office_admin"))
    url = PROGRAMMES.format(office="nordveggen")
    await intake.client.get(PROGRAMMES.format(office="molde"), headers=molde_admin)  # seeded
    entry = {"name": "Etablerertilskudd", "granted_by": "Innovasjon Norge", "active": False}
    inactive = (await intake.client.post(url, json=entry, headers=admin)).json()["id"]
    sent = await send_inquiry(intake)
    assert sent.status_code == 303
    case = await database["cases"].find_one({})
    applications = f"/v1/cases/{case['_id']}/applications"
    key = bearer(await intake.key("nordveggen"))

    async def apply(**body: Any) -> httpx.Response:
        return await intake.client.post(applications, json=body, headers=key)

    assert field_of(await apply(programme_id=SEEDED, amount_asked_nok=30001)) == "amount_asked_nok"
    assert field_of(await apply(programme_id=inactive, amount_asked_nok=1)) == "programme_id"
    molde = "molde.avklaringsmidler"
    assert field_of(await apply(programme_id=molde, amount_asked_nok=1)) == "programme_id"
    assert field_of(await apply(amount_asked_nok=1)) == "programme_id"
    both = await apply(programme_id=SEEDED, programme="Etablerertilskudd", amount_asked_nok=1)
    assert field_of(both) == "programme"

    recorded = await apply(programme_id=SEEDED, amount_asked_nok=30000, deadline="2027-01-31")
    assert recorded.status_code == 200, recorded.text
    first = recorded.json()["applications"][0]
    assert (first["programme"], first["programme_id"]) == ("Avklaringsmidler", SEEDED)
    free = await apply(programme="Regionalt næringsfond", amount_asked_nok=50000)
    assert free.status_code == 200  # a programme outside the catalogue, as before
    found = await read_envelopes(
        intake.topic, lambda es: len(of_type(es, "intake.application.recorded.v1")) == 2
    )
    events = of_type([e for _, e in found], "intake.application.recorded.v1")
    assert [(e.data["programme"], e.data["programme_id"]) for e in events] == [
        ("Avklaringsmidler", SEEDED),
        ("Regionalt næringsfond", None),
    ]


async def sign_in_with(client: httpx.AsyncClient, key: str) -> None:
    """A second browser (its own cookies) signed in with ``key``."""
    page = await client.get("/pages/sign-in")
    signed = await client.post(
        "/pages/sign-in",
        data={"csrf": hidden(page.text, "csrf"), "key": key, "next": "/pages/staff/cases"},
    )
    assert signed.status_code == 303, signed.text


async def test_the_office_admin_keeps_the_catalogue_on_its_page_and_advisors_only_read_it(
    intake: Intake,
) -> None:
    await sign_in(intake, await intake.key("nordveggen"))  # an advisor
    listed = await intake.client.get(PAGE)
    assert listed.status_code == 200
    assert '<th scope="row">Avklaringsmidler</th>' in listed.text
    assert "<td>30\u00a0000</td>" in listed.text
    assert f'action="{PAGE}"' not in listed.text  # no form to add one
    csrf = hidden(listed.text, "csrf")
    typed = {"csrf": csrf, "name": "Etablerertilskudd", "granted_by": "Innovasjon Norge"}
    assert (await intake.client.post(PAGE, data=typed)).status_code == 403
    assert (await intake.client.get(f"{PAGE}/{SEEDED}")).status_code == 403
    deactivate = {"csrf": csrf, "active": "false"}
    assert (await intake.client.post(f"{PAGE}/{SEEDED}/active", data=deactivate)).status_code == 403

    async with httpx.AsyncClient(base_url=intake.service.url, timeout=30) as admin:
        await sign_in_with(admin, await intake.key("nordveggen", "office_admin"))
        page = await admin.get(PAGE)
        csrf = hidden(page.text, "csrf")
        assert f'action="{PAGE}"' in page.text
        no_csrf = await admin.post(PAGE, data={"name": "X", "granted_by": "Y"})
        assert no_csrf.status_code == 403
        refused = await admin.post(
            PAGE, data={"csrf": csrf, "name": "", "granted_by": "Kommunen", "max_amount_nok": "x"}
        )
        assert refused.status_code == 422
        assert 'href="#field-name"' in refused.text and 'id="error-max_amount_nok"' in refused.text
        assert 'value="Kommunen"' in refused.text  # what was typed is kept
        added = await admin.post(PAGE, data={**typed, "csrf": csrf, "max_amount_nok": ""})
        assert added.status_code == 303 and added.headers["location"] == f"{PAGE}?done=added"
        page = await admin.get(added.headers["location"])
        assert "Ordningen er lagt til." in page.text and "Etablerertilskudd" in page.text

        edit = await admin.get(f"{PAGE}/{SEEDED}")
        assert edit.status_code == 200 and 'value="Avklaringsmidler"' in edit.text
        changes = {"csrf": csrf, "name": "Avklaringsmidler", "granted_by": "Rauma kommune"}
        empty = await admin.post(f"{PAGE}/{SEEDED}", data={**changes, "granted_by": ""})
        assert empty.status_code == 422 and 'id="error-granted_by"' in empty.text
        saved = await admin.post(
            f"{PAGE}/{SEEDED}", data={**changes, "max_amount_nok": "25000", "active": "true"}
        )
        assert saved.headers["location"] == f"{PAGE}?done=changed"
        page = await admin.get(PAGE)
        assert "Rauma kommune" in page.text and "<td>25\u00a0000</td>" in page.text
        assert (await admin.get(f"{PAGE}/no-such-entry")).status_code == 404

        entries = await admin.get(PROGRAMMES.format(office="nordveggen"))  # not a key: 401
        assert entries.status_code == 401


async def test_the_case_page_offers_the_active_catalogue_and_keeps_old_applications(
    intake: Intake, database: Any
) -> None:
    admin = bearer(await intake.key("nordveggen", "office_admin"))
    url = PROGRAMMES.format(office="nordveggen")
    entry = {"name": "Etablerertilskudd", "granted_by": "Innovasjon Norge", "active": False}
    inactive = (await intake.client.post(url, json=entry, headers=admin)).json()["id"]
    sent = await intake.client.post("/v1/inquiries", json=inquiry())
    case_id = await case_id_of(intake, sent, database)
    old = await intake.client.post(  # recorded as before the catalogue: free text
        f"/v1/cases/{case_id}/applications",
        json={"programme": "Regionalt næringsfond", "amount_asked_nok": 50000},
        headers=bearer(await intake.key("nordveggen")),
    )
    assert old.status_code == 200

    await sign_in(intake, await intake.key("nordveggen"))
    case_url = f"/pages/staff/cases/{case_id}"
    page = await intake.client.get(case_url)
    csrf = hidden(page.text, "csrf")
    assert (
        f'<option value="{SEEDED}">Avklaringsmidler \u2013 høyst 30\u00a0000 kr</option>'
        in page.text
    )
    assert inactive not in page.text and "<td>Regionalt næringsfond</td>" in page.text
    assert 'name="programme"' not in page.text  # no free text any more

    async def apply(**fields: str) -> httpx.Response:
        return await intake.client.post(f"{case_url}/applications", data={"csrf": csrf, **fields})

    over = await apply(programme_id=SEEDED, amount_asked_nok="30001")
    assert over.status_code == 422 and 'id="error-amount_asked_nok"' in over.text
    assert f'<option value="{SEEDED}" selected>' in over.text  # the choice is kept
    for chosen in (inactive, "molde.avklaringsmidler", ""):
        refused = await apply(programme_id=chosen, amount_asked_nok="100")
        assert refused.status_code == 422 and 'href="#field-programme_id"' in refused.text
    recorded = await apply(programme_id=SEEDED, amount_asked_nok="30000")
    assert recorded.headers["location"] == f"{case_url}?done=application"
    shown = (await intake.client.get(f"{case_url}?lang=en")).text
    assert "<td>Clarification grant</td>" in shown and "<td>Regionalt næringsfond</td>" in shown
