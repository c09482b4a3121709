"""Office staff: their own office's cases only; the pipeline and its events."""

from typing import Any

import httpx
from intake_support import ADMIN_KEY, Intake, inquiry

from hoppid.shared.testing import of_type, read_envelopes, vault_for_tests


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def case_id_of(intake: Intake, response: httpx.Response, database: Any) -> str:
    case = await database["cases"].find_one({"reference": response.json()["reference"]})
    assert case is not None
    return str(case["_id"])


async def test_staff_of_one_office_never_see_or_change_another_office_s_cases(
    intake: Intake, database: Any
) -> None:
    rauma = await intake.client.post("/v1/inquiries", json=inquiry(1, municipality="1539"))
    molde = await intake.client.post("/v1/inquiries", json=inquiry(2, municipality="1506"))
    rauma_case = await case_id_of(intake, rauma, database)
    nordveggen, molde_key = await intake.key("nordveggen"), await intake.key("molde")

    listed = await intake.client.get("/v1/cases", headers=bearer(molde_key))
    assert [c["reference"] for c in listed.json()] == [molde.json()["reference"]]
    for query in ({"office_id": "nordveggen"}, {"status": "new"}, {"need": "guidance"}):
        filtered = await intake.client.get("/v1/cases", params=query, headers=bearer(molde_key))
        assert rauma.json()["reference"] not in filtered.text

    opened = await intake.client.get(f"/v1/cases/{rauma_case}", headers=bearer(molde_key))
    assert opened.status_code == 404
    assert "Kari" not in opened.text and "Romsdalseggen" not in opened.text
    for path, body in [
        ("status", {"status": "contacted"}),
        ("notes", {"text": "hi"}),
        ("advisor", {"advisor_id": "a-1"}),
    ]:
        changed = await intake.client.post(
            f"/v1/cases/{rauma_case}/{path}", json=body, headers=bearer(molde_key)
        )
        assert changed.status_code == 404
    case = await database["cases"].find_one({"_id": rauma_case})
    assert case is not None
    assert (case["status"], case["notes"], case["advisor_id"]) == ("new", [], None)

    own = await intake.client.get(f"/v1/cases/{rauma_case}", headers=bearer(nordveggen))
    assert own.status_code == 200
    assert own.json()["idea"].startswith("Guided climbs")


async def test_keys_are_required_scoped_and_revocable(intake: Intake) -> None:
    assert (await intake.client.get("/v1/cases")).status_code == 401
    wrong = await intake.client.get("/v1/cases", headers=bearer("hk_nope.nope"))
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"

    advisor = await intake.key("nordveggen", "advisor")
    admin = await intake.key("nordveggen", "office_admin")
    issue = {"role": "advisor", "label": "x"}
    assert (
        await intake.client.post("/v1/offices/nordveggen/keys", json=issue, headers=bearer(advisor))
    ).status_code == 403
    assert (
        await intake.client.post("/v1/offices/molde/keys", json=issue, headers=bearer(admin))
    ).status_code == 403
    issued = await intake.client.post(
        "/v1/offices/nordveggen/keys", json=issue, headers=bearer(admin)
    )
    assert issued.status_code == 201
    new_key, key_id = issued.json()["key"], issued.json()["key_id"]
    assert (await intake.client.get("/v1/cases", headers=bearer(new_key))).status_code == 200
    revoked = await intake.client.delete(
        f"/v1/offices/nordveggen/keys/{key_id}", headers=bearer(admin)
    )
    assert revoked.status_code == 204
    assert (await intake.client.get("/v1/cases", headers=bearer(new_key))).status_code == 401


async def test_adding_an_office_is_data_and_takes_effect_at_once(intake: Intake) -> None:
    office = {
        "id": "rauma-vest",
        "name": "Rauma Vest",
        "municipalities": ["1539"],
        "languages": ["nb"],
        "contact_email": "post@raumavest.example",
    }
    # the inquiries' copy of the offices is read now, before the changes below
    earlier = await intake.client.post("/v1/inquiries", json=inquiry(2, municipality="1547"))
    assert earlier.json()["office"]["id"] == "romsdal"
    taken = await intake.client.post("/v1/offices", json=office, headers=bearer(ADMIN_KEY))
    assert taken.status_code == 422  # 1539 is Nordveggen's
    assert taken.json()["errors"][0]["field"] == "municipalities"
    office["municipalities"] = ["1547"]  # Aukra, served by romsdal in the packaged data
    await intake.client.put(
        "/v1/offices/romsdal",
        headers=bearer(ADMIN_KEY),
        json={
            "name": "hoppid.no Romsdal",
            "municipalities": ["1535", "1579"],
            "languages": ["nb"],
            "contact_email": "hoppid@romsdal.example",
        },
    )
    added = await intake.client.post("/v1/offices", json=office, headers=bearer(ADMIN_KEY))
    assert added.status_code == 201, added.text
    sent = await intake.client.post("/v1/inquiries", json=inquiry(municipality="1547"))
    assert sent.json()["office"]["id"] == "rauma-vest"
    events = await read_envelopes(
        intake.topic,
        lambda es: any(
            e.type.endswith("office.changed.v1") and e.subject == "rauma-vest" for e in es
        ),
    )
    assert any(e.data.get("municipalities") == ["1547"] for _, e in events)


async def test_the_pipeline_its_rules_and_its_events(intake: Intake, database: Any) -> None:
    sent = await intake.client.post("/v1/inquiries", json=inquiry())
    case_id = await case_id_of(intake, sent, database)
    key = bearer(await intake.key("nordveggen"))
    url = f"/v1/cases/{case_id}"

    skip = await intake.client.post(f"{url}/status", json={"status": "in_guidance"}, headers=key)
    assert skip.status_code == 422  # new -> in_guidance is not a step
    no_reason = await intake.client.post(f"{url}/status", json={"status": "paused"}, headers=key)
    assert no_reason.json()["errors"][0]["field"] == "reason"
    for status in ("contacted", "in_guidance"):
        moved = await intake.client.post(f"{url}/status", json={"status": status}, headers=key)
        assert moved.status_code == 200
    await intake.client.post(f"{url}/advisor", json={"advisor_id": "advisor-7"}, headers=key)
    await intake.client.post(f"{url}/notes", json={"text": "Wants to start in spring"}, headers=key)
    application = await intake.client.post(
        f"{url}/applications",
        headers=key,
        json={
            "programme": "Etablerertilskudd",
            "amount_asked_nok": 150000,
            "deadline": "2027-01-15",
        },
    )
    application_id = application.json()["applications"][0]["id"]
    decided = await intake.client.post(
        f"{url}/applications/{application_id}/decision",
        json={"outcome": "granted", "amount_granted_nok": 100000},
        headers=key,
    )
    assert decided.json()["applications"][0]["amount_granted_nok"] == 100000
    await intake.client.post(
        f"{url}/introductions",
        headers=key,
        json={"to_whom": "Romsdal Næringsforening", "kind": "company", "why": "local customers"},
    )
    bad_org = await intake.client.post(
        f"{url}/company",
        headers=key,
        json={"org_number": "923609017", "registered_on": "2026-11-01"},
    )
    assert bad_org.json()["errors"][0]["field"] == "org_number"
    company = await intake.client.post(
        f"{url}/company",
        headers=key,
        json={"org_number": "923 609 016", "registered_on": "2026-11-01"},
    )
    assert company.json()["status"] == "company_registered"
    assert company.json()["company"]["org_number"] == "923609016"

    found = await read_envelopes(
        intake.topic, lambda es: len(of_type(es, "intake.company.registered.v2")) == 1
    )
    types = [e.type.removeprefix("no.hoppid.intake.") for _, e in found if e.subject == case_id]
    assert types == [
        "inquiry.received.v1",
        "case.opened.v1",
        "case.status_changed.v1",
        "case.status_changed.v1",
        "advisor.assigned.v1",
        "note.added.v1",
        "application.recorded.v1",
        "application.decided.v1",
        "introduction.made.v1",
        "case.status_changed.v1",
        "company.registered.v2",
    ]
    envelopes = [e for _, e in found if e.subject == case_id]
    assert "Wants to start" not in str([e.data for e in envelopes])  # note text stays home
    assert "Næringsforening" not in str([e.data for e in envelopes])
    registered = of_type(envelopes, "intake.company.registered.v2")[0]
    assert "923609016" not in str(registered.data)  # sealed with the person's key
    opened = await vault_for_tests(database).unseal(registered)
    assert opened.data["org_number"] == "923609016"
    assert registered.data["share_with_partners"] is False


async def test_keys_are_published_for_every_service_without_the_secret(intake: Intake) -> None:
    response = await intake.client.post(
        "/v1/keys", json={"role": "county", "label": "county analyst"}, headers=bearer(ADMIN_KEY)
    )
    assert response.status_code == 201
    county = response.json()
    assert county["office_id"] == "*"
    cases = await intake.client.get("/v1/cases", headers=bearer(county["key"]))
    assert cases.status_code == 403  # a county key reads figures, it does no case work
    office_key = await intake.key("molde")
    refused = await intake.client.post(
        "/v1/keys", json={"role": "partner", "label": "x"}, headers=bearer(office_key)
    )
    assert refused.status_code == 403

    found = await read_envelopes(
        intake.topic, lambda es: len(of_type(es, "intake.api_key.issued.v1")) >= 2
    )
    issued = [e for _, e in found if e.type == "no.hoppid.intake.api_key.issued.v1"]
    assert {e.data["role"] for e in issued} >= {"county", "advisor"}
    for record, _ in found:
        assert county["key"].encode() not in record.value  # only the hash travels
        assert county["key"].split(".")[1].encode() not in record.value


async def test_out_of_range_numbers_and_dates_are_a_422_naming_the_field(intake: Intake) -> None:
    key = await intake.key("nordveggen")
    for query, field in [
        ({"offset": "199337672857679020460867584"}, "offset"),  # beyond 8 bytes: was a 500
        ({"offset": "-1"}, "offset"),
        ({"since": "0001-01-01"}, "since"),
        ({"until": "9999-12-31"}, "until"),  # a day after it was a 500
    ]:
        answer = await intake.client.get("/v1/cases", params=query, headers=bearer(key))
        assert answer.status_code == 422, (query, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in answer.json()["errors"]] == [field]
