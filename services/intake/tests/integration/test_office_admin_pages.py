"""The office admin's pages of the office's staff accounts and machine keys (issue 14), through
HTTP against the service process on the real Kafka and store, staff signed in through the real
OpenID Connect provider: add, change and remove an account (a changed or removed account's
session ends), issue a key (its secret shown once, on a page never cached) and revoke it;
refused forms are a 422 naming the field and keeping what was typed; an advisor is refused, and
another office's account or key is a 404; the platform admin chooses an office."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from intake_oidc_support import intake_with_provider, provider, sign_in_through_provider
from intake_support import ADMIN_KEY, Intake
from test_pages import hidden

ANNE = {"sub": "anne.admin", "name": "Anne"}  # Nordveggen's office admin
PER = {"sub": "per.radgiver", "name": "Per"}  # an advisor there
MONA = {"sub": "mona.molde", "name": "Mona"}  # Molde's office admin
KARI = {"sub": "kari.ny", "name": "Kari"}  # no account until Anne adds one
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
async def intake(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Intake]:
    async with (
        provider(ANNE, PER, MONA, KARI) as issuer,
        intake_with_provider(issuer, topic_prefix, unique, database) as service,
    ):
        for office, sub, account in (
            ("nordveggen", ANNE["sub"], {"role": "office_admin", "name": "Anne Admin"}),
            ("nordveggen", PER["sub"], {"role": "advisor", "name": "Per", "advisor_id": "a1"}),
            ("molde", MONA["sub"], {"role": "office_admin", "name": "Mona Molde"}),
        ):
            put = await service.client.put(
                f"/v1/offices/{office}/accounts/{sub}", json=account, headers=ADMIN
            )
            assert put.status_code == 200, put.text
        yield service


async def signed_in(intake: Intake, who: dict[str, str]) -> httpx.AsyncClient:
    """A browser of its own, signed in as ``who`` through the provider."""
    client = httpx.AsyncClient(base_url=intake.service.url, timeout=30)
    back = await sign_in_through_provider(client, who["sub"])
    assert back.status_code == 303, back.text
    return client


async def send(client: httpx.AsyncClient, url: str, **fields: str) -> httpx.Response:
    """A form posted from the page at ``url`` (with the page's CSRF token)."""
    page = await client.get(url)
    return await client.post(url, data={"csrf": hidden(page.text, "csrf"), **fields})


async def test_an_office_admin_adds_changes_and_removes_accounts(
    intake: Intake, database: Any
) -> None:
    anne = await signed_in(intake, ANNE)
    per = await signed_in(intake, PER)
    page = await anne.get("/pages/staff/accounts")
    assert page.status_code == 200 and "<h1>Ansattkontoer: Nordveggen</h1>" in page.text
    assert "Anne Admin" in page.text and "per.radgiver" in page.text and "a1" in page.text
    assert "Mona" not in page.text  # another office's
    assert 'href="/pages/staff/accounts/per.radgiver/remove"' in page.text
    assert (await anne.post("/pages/staff/accounts", data={"subject": "x"})).status_code == 403

    refused = await send(
        anne, "/pages/staff/accounts", subject="a/b", name="", role="boss", advisor_id="x" * 65
    )
    assert refused.status_code == 422
    for field in ("subject", "name", "role", "advisor_id"):
        assert f'href="#field-{field}"' in refused.text and f'id="error-{field}"' in refused.text
    assert 'value="a/b"' in refused.text  # what was typed is kept
    assert "Skriv personens navn" in refused.text
    for taken in (PER["sub"], MONA["sub"]):  # here or in another office: the same answer
        again = await send(anne, "/pages/staff/accounts", subject=taken, name="X", role="advisor")
        assert again.status_code == 422 and "Det finnes allerede en konto" in again.text
    assert (await database["staff_accounts"].find_one({"_id": MONA["sub"]}))["name"] == "Mona Molde"

    added = await send(
        anne, "/pages/staff/accounts", subject=KARI["sub"], name="Kari Ny", role="advisor"
    )
    assert added.status_code == 303
    assert added.headers["location"] == "/pages/staff/accounts?done=added"
    listed = await anne.get(added.headers["location"])
    assert "Kontoen er lagt til." in listed.text and "Kari Ny" in listed.text
    kari = await signed_in(intake, KARI)  # the new account signs in
    assert (await kari.get("/pages/staff/cases")).status_code == 200

    form = await anne.get("/pages/staff/accounts/per.radgiver")
    assert form.status_code == 200 and 'value="Per"' in form.text and 'value="a1"' in form.text
    bad = await send(anne, "/pages/staff/accounts/per.radgiver", name="", role="advisor")
    assert bad.status_code == 422 and 'id="error-name"' in bad.text
    assert (await per.get("/pages/staff/cases")).status_code == 200  # nothing changed yet
    changed = await send(
        anne, "/pages/staff/accounts/per.radgiver", name="Per Rådgiver", role="advisor",
        advisor_id="adv-per",
    )  # fmt: skip
    assert changed.headers["location"] == "/pages/staff/accounts?done=changed"
    stored = await database["staff_accounts"].find_one({"_id": PER["sub"]})
    assert (stored["name"], stored["advisor_id"]) == ("Per Rådgiver", "adv-per")
    assert (await per.get("/pages/staff/cases")).status_code == 303  # signed out: sign in again

    for path in ("/pages/staff/accounts/mona.molde", "/pages/staff/accounts/mona.molde/remove"):
        assert (await anne.get(path)).status_code == 404  # another office's: not found
    token = hidden(page.text, "csrf")
    for path, data in (
        ("/pages/staff/accounts/mona.molde", {"name": "Taken", "role": "advisor"}),
        ("/pages/staff/accounts/mona.molde/remove", {}),
    ):
        assert (await anne.post(path, data={"csrf": token, **data})).status_code == 404
    assert await database["staff_accounts"].find_one({"_id": MONA["sub"], "name": "Mona Molde"})

    confirm = await anne.get("/pages/staff/accounts/kari.ny/remove")
    assert confirm.status_code == 200 and "Vil du fjerne kontoen til Kari Ny" in confirm.text
    removed = await anne.post("/pages/staff/accounts/kari.ny/remove", data={"csrf": token})
    assert removed.headers["location"] == "/pages/staff/accounts?done=removed"
    assert await database["staff_accounts"].find_one({"_id": KARI["sub"]}) is None
    assert (await kari.get("/pages/staff/cases")).status_code == 303  # the session has ended
    refused_sign_in = await sign_in_through_provider(kari, KARI["sub"])
    assert refused_sign_in.status_code == 403  # no account any more

    per = await signed_in(intake, PER)  # an advisor: not theirs
    for path in ("/pages/staff/accounts", "/pages/staff/accounts/anne.admin"):
        assert (await per.get(path)).status_code == 403
    for client in (anne, per, kari):
        await client.aclose()


async def test_an_office_admin_issues_and_revokes_keys(intake: Intake, database: Any) -> None:
    molde = await intake.key("molde")  # another office's key
    molde_id = molde[3:].split(".")[0]
    anne = await signed_in(intake, ANNE)
    page = await anne.get("/pages/staff/keys")
    assert page.status_code == 200 and "Kontoret har ingen gyldige nøkler." in page.text
    assert molde_id not in page.text

    refused = await send(anne, "/pages/staff/keys", label=" ", role="office_admin")
    assert refused.status_code == 422
    assert 'href="#field-label"' in refused.text and 'id="error-label"' in refused.text
    assert '<option value="office_admin" selected>' in refused.text  # kept
    issued = await send(anne, "/pages/staff/keys", label="Bookingsystemet", role="advisor")
    assert issued.status_code == 200
    assert issued.headers["cache-control"] == "no-store"
    assert "Kopier nøkkelen nå" in issued.text
    secret = hidden_key(issued.text)
    key_id = secret[3:].split(".")[0]
    stored = await database["api_keys"].find_one({"_id": key_id})
    assert stored["label"] == "Bookingsystemet" and stored["office_id"] == "nordveggen"
    assert secret not in str(stored)  # only its hash is kept
    api = {"Authorization": f"Bearer {secret}"}
    assert (await intake.client.get("/v1/cases", headers=api)).status_code == 200

    listed = await anne.get("/pages/staff/keys")
    assert "Bookingsystemet" in listed.text and key_id in listed.text
    assert secret not in listed.text  # never shown again

    for path in (f"/pages/staff/keys/{molde_id}/revoke", "/pages/staff/keys/nope/revoke"):
        assert (await anne.get(path)).status_code == 404
        answer = await anne.post(path, data={"csrf": hidden(listed.text, "csrf")})
        assert answer.status_code == 404
    molde_api = {"Authorization": f"Bearer {molde}"}
    assert (await intake.client.get("/v1/cases", headers=molde_api)).status_code == 200

    confirm = await anne.get(f"/pages/staff/keys/{key_id}/revoke")
    assert confirm.status_code == 200 and "Bookingsystemet" in confirm.text
    revoked = await anne.post(
        f"/pages/staff/keys/{key_id}/revoke", data={"csrf": hidden(confirm.text, "csrf")}
    )
    assert revoked.headers["location"] == "/pages/staff/keys?done=revoked"
    after = await anne.get(revoked.headers["location"])
    assert "Nøkkelen er trukket tilbake." in after.text and key_id not in after.text
    assert (await intake.client.get("/v1/cases", headers=api)).status_code == 401

    per = await signed_in(intake, PER)
    assert (await per.get("/pages/staff/keys")).status_code == 403
    assert (await per.get(f"/pages/staff/keys/{molde_id}/revoke")).status_code == 403
    for client in (anne, per):
        await client.aclose()


async def test_the_platform_admin_chooses_an_office(intake: Intake) -> None:
    admin = httpx.AsyncClient(base_url=intake.service.url, timeout=30)
    sign_in = await admin.get("/pages/sign-in")
    signed = await admin.post(
        "/pages/sign-in", data={"csrf": hidden(sign_in.text, "csrf"), "key": ADMIN_KEY}
    )
    assert signed.status_code == 303
    chooser = await admin.get("/pages/staff/accounts")
    assert (
        chooser.status_code == 200 and 'href="/pages/staff/accounts?office=molde"' in chooser.text
    )
    molde = await admin.get("/pages/staff/accounts?office=molde")
    assert "Mona Molde" in molde.text and "Anne" not in molde.text
    assert 'action="/pages/staff/accounts?office=molde"' in molde.text
    assert (await admin.get("/pages/staff/accounts?office=nowhere")).status_code == 404
    added = await send(
        admin, "/pages/staff/accounts?office=molde", subject="ola.molde", name="Ola", role="advisor"
    )
    assert added.headers["location"] == "/pages/staff/accounts?office=molde&done=added"
    keys = await admin.get("/pages/staff/keys?office=molde")
    assert keys.status_code == 200 and "<h1>Maskinnøkler: hoppid.no Molde</h1>" in keys.text
    await admin.aclose()

    anne = await signed_in(intake, ANNE)  # an office admin has their own office only
    assert (await anne.get("/pages/staff/accounts?office=molde")).status_code == 404
    assert (await anne.get("/pages/staff/keys?office=nordveggen")).status_code == 200
    await anne.aclose()


def hidden_key(page: str) -> str:
    start = page.index('id="new-key"')
    return page[start:].split(">", 1)[1].split("</textarea>", 1)[0]
