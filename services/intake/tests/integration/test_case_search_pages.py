"""The staff's search through HTTP against the service process: a case of their office found by
its reference, the person's email (every case of theirs), phone (however it is typed) or name
(words' beginnings); another office's cases never; a search that is none a 422 on its field."""

import re
from typing import Any

import httpx
from intake_support import ADMIN_KEY, Intake
from test_pages import LINK_SECRET, intake, send_inquiry, sign_in

from hoppid.intake.search import key_fingerprint, keys_of_person
from hoppid.intake.store import IntakeStore
from hoppid.shared.pii import PersonalDataVault, vault_kek
from hoppid.shared.testing import of_type, read_envelopes

__all__ = ["intake"]  # the fixture with plain-http cookies, shared with test_pages


async def search(intake: Intake, query: str) -> httpx.Response:
    return await intake.client.get("/pages/staff/search", params={"q": query})


def found(page: httpx.Response) -> list[str]:
    """The references listed, in order."""
    return re.findall(r">(HOP-[0-9A-Z]{4}-[0-9A-Z]{4})</a>", page.text)


async def test_a_case_is_found_within_the_office(intake: Intake, database: Any) -> None:
    kari = {"name": "Kari Nordmann", "email": "kari@example.no", "phone": "912 34 567"}
    await send_inquiry(intake, **kari)
    await send_inquiry(intake, **kari, idea="A second idea: a climbing gym in Åndalsnes")
    await send_inquiry(intake, name="Ola Ødegård-Hansen", email="ola@example.no", phone="")
    # Molde's: Kari's own case there, and another Kari with the same phone
    await send_inquiry(intake, **kari, municipality="1506", idea="Kayak rental in Molde")
    await send_inquiry(
        intake, name="Kari Molde", email="km@example.no", phone="91234567", municipality="1506"
    )
    cases = await database["cases"].find({}).sort("created_at", 1).to_list()
    kari_id = (await database["people"].find_one({"email": "kari@example.no"}))["_id"]
    rauma = [c for c in cases if c["municipality"] == "1539"]
    kari_rauma = [c["reference"] for c in rauma if c["person_id"] == kari_id]
    ola = next(c for c in rauma if c["person_id"] != kari_id)
    molde = [c["reference"] for c in cases if c["municipality"] == "1506"]
    assert len(cases) == 5 and len(molde) == 2

    await sign_in(intake, await intake.key("nordveggen"))
    listed = await intake.client.get("/pages/staff/cases")
    assert 'action="/pages/staff/search"' in listed.text  # the search is on the case list
    empty = await intake.client.get("/pages/staff/search")
    assert empty.status_code == 200 and found(empty) == []
    assert 'id="field-q"' in empty.text and 'role="status"' not in empty.text

    kari_cases = set(found(await search(intake, "kari@example.no")))
    assert kari_cases == set(kari_rauma) and len(kari_cases) == 2
    assert set(found(await search(intake, " KARI@Example.no "))) == kari_cases
    assert "2 saker passer søket." in (await search(intake, "kari@example.no")).text
    for phone in ("912 34 567", "91234567", "+47 912 34 567", "+4791234567", "0047 91 23 45 67"):
        assert set(found(await search(intake, phone))) == kari_cases, phone
    for name in ("kari", "Nordm", "kari nordmann", "NORDMANN KA"):
        assert set(found(await search(intake, name))) == kari_cases, name
    ola_reference = ola["reference"]
    for name in ("ola", "ødegård", "Hansen", "ola ødeg hans"):
        assert found(await search(intake, name)) == [ola_reference], name
    assert found(await search(intake, "odegard")) == []  # no folding of ø: words as written
    newest_first = found(await search(intake, "kari"))
    assert newest_first == list(reversed(kari_rauma))

    reference = kari_rauma[0]
    for typed in (reference, reference.lower(), reference.replace("-", " "), reference[4:]):
        assert found(await search(intake, typed)) == [reference], typed
    one = await search(intake, reference)
    assert "1 sak passer søket." in one.text and f'value="{reference}"' in one.text

    for other in (*molde, "km@example.no", "Molde", "nobody@example.no", "HOP-2222-2222"):
        answer = await search(intake, other)
        assert answer.status_code == 200 and found(answer) == [], other
        assert "0 saker passer søket." in answer.text


async def test_a_search_that_is_none_is_refused_on_its_field(intake: Intake, database: Any) -> None:
    await send_inquiry(intake)
    await sign_in(intake, await intake.key("nordveggen"))
    for query, message in (
        ("", "Skriv et saksnummer, et navn, en e-postadresse eller et telefonnummer."),
        ("   ", "Skriv et saksnummer, et navn, en e-postadresse eller et telefonnummer."),
        ("kari " * 30, "Søket kan ha høyst 100 tegn."),
        ("12345", "Skriv hele telefonnummeret, 8 siffer, for eksempel 912 34 567."),
        ("k", "Hvert ord i et navn må ha minst to bokstaver."),
    ):
        answer = await search(intake, query)
        assert answer.status_code == 422, query
        assert 'href="#field-q"' in answer.text and 'id="error-q"' in answer.text
        assert message in answer.text
        assert 'aria-invalid="true"' in answer.text
    kept = await search(intake, "12345")
    assert 'value="12345"' in kept.text  # what was typed is kept
    lang = await intake.client.get("/pages/staff/search", params={"q": "", "lang": "en"})
    assert "Type a case reference, a name, an email address or a phone number." in lang.text
    long = await search(intake, "x" * 5000)
    assert long.status_code == 422 and "x" * 201 not in long.text


async def person_link(intake: Intake, database: Any) -> str:
    """The person's link as notifications gets it: from the inquiry-received event, unsealed
    with the vault as this service opens it (its platform secret)."""
    found = await read_envelopes(
        intake.topic, lambda es: len(of_type(es, "intake.inquiry.received.v1")) == 1
    )
    received = of_type([e for _, e in found], "intake.inquiry.received.v1")[0]
    opened = await PersonalDataVault(database, vault_kek(LINK_SECRET)).unseal(received)
    return str(opened.data["case_link_token"])


async def test_the_keys_follow_a_correction_and_go_with_an_erasure(
    intake: Intake, database: Any
) -> None:
    await send_inquiry(intake, name="Kari Nordmann", email="kari@example.no", phone="912 34 567")
    reference = (await database["cases"].find_one({}))["reference"]
    me = f"/v1/me/{await person_link(intake, database)}"
    await sign_in(intake, await intake.key("nordveggen"))
    assert found(await search(intake, "kari nordm")) == [reference]

    corrected = await intake.client.patch(me, json={"name": "Kari Fjellstad", "phone": "98765432"})
    assert corrected.status_code == 200, corrected.text
    for now in ("Fjellstad", "kari fjell", "987 65 432", "kari@example.no"):
        assert found(await search(intake, now)) == [reference], now
    for before in ("Nordmann", "912 34 567"):
        assert found(await search(intake, before)) == [], before

    assert (await intake.client.post(f"{me}/erasure")).status_code == 202
    for gone in ("Fjellstad", "987 65 432", "kari@example.no"):
        assert found(await search(intake, gone)) == [], gone
    assert found(await search(intake, reference)) == [reference]  # by reference still


async def test_older_cases_get_their_keys_once_and_again_for_a_new_secret(database: Any) -> None:
    """The pass at start, against the real store: cases without keys get them, once; after the
    platform secret changed (another key fingerprint), every case gets them again."""
    store = IntakeStore(database, "test.hoppid.intake")
    await database["people"].insert_one({"_id": "p-1", "name": "Kari Nordmann", "email": "k@x.no"})
    await database["cases"].insert_many(
        [
            {"_id": "c-1", "office_id": "nordveggen", "person_id": "p-1"},
            {"_id": "c-2", "office_id": "nordveggen", "person_id": "p-1", "search_keys": ["old"]},
        ]
    )
    old, new = "an-old-secret-of-at-least-32-characters", "a-new-secret-of-at-least-32-characters"

    def keys(secret: str) -> Any:
        return lambda person: keys_of_person(secret, person)

    assert await store.backfill_search_keys(["nordveggen"], key_fingerprint(old), keys(old)) == 1
    case = await database["cases"].find_one({"_id": "c-1"})
    assert case["search_keys"] == keys_of_person(old, {"name": "Kari Nordmann", "email": "k@x.no"})
    assert (await database["cases"].find_one({"_id": "c-2"}))["search_keys"] == ["old"]
    assert await store.backfill_search_keys(["nordveggen"], key_fingerprint(old), keys(old)) == 0
    assert await store.backfill_search_keys(["nordveggen"], key_fingerprint(new), keys(new)) == 2
    case = await database["cases"].find_one({"_id": "c-2"})
    assert case["search_keys"] == keys_of_person(new, {"name": "Kari Nordmann", "email": "k@x.no"})


async def test_the_api_searches_the_same_way(intake: Intake, database: Any) -> None:
    await send_inquiry(intake, name="Kari Nordmann", email="kari@example.no")
    await send_inquiry(intake, name="Kari Molde", email="km@example.no", municipality="1506")
    rauma = await database["cases"].find_one({"municipality": "1539"})
    key = {"Authorization": f"Bearer {await intake.key('nordveggen')}"}
    answer = await intake.client.get("/v1/cases/search", params={"q": "kari"}, headers=key)
    assert answer.status_code == 200, answer.text
    assert [c["reference"] for c in answer.json()] == [rauma["reference"]]  # Rauma's only
    assert "search_keys" not in answer.json()[0]
    refused = await intake.client.get("/v1/cases/search", params={"q": "k"}, headers=key)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "q"
    missing = await intake.client.get("/v1/cases/search", headers=key)
    assert missing.status_code == 422


async def test_county_keys_do_not_search(intake: Intake, database: Any) -> None:
    """The county and partners read figures, not cases: the search is a 403 page for them
    (and the API's a 403 problem), whatever they type."""
    await send_inquiry(intake, name="Kari Nordmann", email="kari@example.no")
    issued = await intake.client.post(
        "/v1/keys",
        json={"role": "county", "label": "county"},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    county = issued.json()["key"]
    answer = await intake.client.get(
        "/v1/cases/search", params={"q": "kari"}, headers={"Authorization": f"Bearer {county}"}
    )
    assert answer.status_code == 403
    await sign_in(intake, county)
    page = await search(intake, "kari@example.no")
    assert page.status_code == 403 and found(page) == []
