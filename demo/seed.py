"""Demo data for `make run`: office keys and advisors, through the services' public APIs.

Offices come from the packaged data (intake and scheduling seed them). This adds, for every
office, an office-admin key (issued by intake, learned by every service from its event) and two
advisors in scheduling. The keys are kept in the stack folder, so running it again reuses them
and adds nothing twice. Run by scripts/run.sh; prints the demo keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx

INTAKE = os.environ.get("HOPPID_DEMO_INTAKE_URL", "http://127.0.0.1:8001")
SCHEDULING = os.environ.get("HOPPID_DEMO_SCHEDULING_URL", "http://127.0.0.1:8002")
ADMIN_KEY = os.environ["HOPPID_INTAKE_ADMIN_KEY"]
OIDC_ISSUER = os.environ.get("HOPPID_DEMO_OIDC_ISSUER", "").rstrip("/")
KEYS_FILE = Path(os.environ.get("HOPPID_DEMO_KEYS_FILE", ".stack/demo-keys.json"))

ADVISORS = [
    ("Ingrid Fjellheim", ["nb", "nn", "en"], ["grants", "marketing"], "office"),
    ("Jonas Romsdal", ["nb", "en"], ["export", "finance"], "digital"),
]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def office_keys(client: httpx.AsyncClient) -> dict[str, str]:
    keys: dict[str, str] = json.loads(KEYS_FILE.read_text()) if KEYS_FILE.exists() else {}
    offices = (await client.get(f"{INTAKE}/v1/offices")).json()
    for office in offices:
        if office["id"] not in keys:
            issued = await client.post(
                f"{INTAKE}/v1/offices/{office['id']}/keys",
                headers=bearer(ADMIN_KEY),
                json={"role": "office_admin", "label": "demo office admin"},
            )
            issued.raise_for_status()
            keys[office["id"]] = issued.json()["key"]
    KEYS_FILE.parent.mkdir(parents=True, exist_ok=True)
    KEYS_FILE.write_text(json.dumps(keys, indent=2))
    return keys


async def until_known(client: httpx.AsyncClient, key: str) -> None:
    """scheduling learns a key from intake's event: wait for it, briefly."""
    for _ in range(120):
        if (await client.get(f"{SCHEDULING}/v1/offices", headers=bearer(key))).status_code == 200:
            return
        await asyncio.sleep(0.5)
    raise SystemExit("scheduling did not learn the demo keys; is it running and ready?")


async def advisors(client: httpx.AsyncClient, office_id: str, key: str) -> int:
    url = f"{SCHEDULING}/v1/offices/{office_id}/advisors"
    existing = {a["name"] for a in (await client.get(url, headers=bearer(key))).json()}
    added = 0
    for name, languages, topics, place in ADVISORS:
        if name in existing:
            continue
        hours = [
            {"weekday": d, "start": "09:00", "end": "15:00", "place": place if d < 3 else "digital"}
            for d in range(5)
        ]
        email = f"{name.split()[0].lower()}@{office_id}.example"
        body: dict[str, Any] = {
            "name": name,
            "email": email,
            "languages": languages,
            "topics": topics,
            "weekly_hours": hours,
        }
        (await client.post(url, json=body, headers=bearer(key))).raise_for_status()
        added += 1
    return added


async def staff_accounts(client: httpx.AsyncClient, office_id: str, key: str) -> list[str]:
    """An advisor's account (tied to the office's first demo advisor) and an office admin's,
    for signing in through the local OpenID Connect provider; told to the provider too, so its
    form offers them (it accepts any subject typed in as well)."""
    url = f"{SCHEDULING}/v1/offices/{office_id}/advisors"
    found = (await client.get(url, headers=bearer(key))).json()
    first = next((a for a in found if a["name"] == ADVISORS[0][0]), None)
    accounts = {
        f"advisor.{office_id}": {"role": "advisor", "name": ADVISORS[0][0]},
        f"admin.{office_id}": {"role": "office_admin", "name": f"Office admin, {office_id}"},
    }
    if first is not None:
        accounts[f"advisor.{office_id}"]["advisor_id"] = first["id"]
    for subject, body in accounts.items():
        made = await client.put(
            f"{INTAKE}/v1/offices/{office_id}/accounts/{subject}", json=body, headers=bearer(key)
        )
        made.raise_for_status()
        claims = {"name": body["name"], "email": f"{subject}@{office_id}.example"}
        with contextlib.suppress(httpx.HTTPError):  # a provider that is not up: typed in later
            await client.put(f"{OIDC_ISSUER}/users/{subject}", json=claims)
    return list(accounts)


async def main() -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        keys = await office_keys(client)
        await until_known(client, next(iter(keys.values())))
        added = 0
        subjects: list[str] = []
        for office_id, key in keys.items():
            await until_known(client, key)
            added += await advisors(client, office_id, key)
            if OIDC_ISSUER:
                subjects += await staff_accounts(client, office_id, key)
    print(f"demo data: {len(keys)} offices with keys, {added} advisors added now")
    print(f"demo office-admin keys (also in {KEYS_FILE}):")
    for office_id, key in keys.items():
        print(f"  {office_id:14} {key}")
    print(f"platform admin key (intake): {ADMIN_KEY}")
    if subjects:
        print(
            f"demo staff accounts: sign in at {INTAKE}/pages/sign-in, 'Logg inn med kontoen fra "
            f"organisasjonen din', then choose or type one (provider {OIDC_ISSUER}):"
        )
        print("  " + ", ".join(subjects))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except httpx.HTTPError as error:
        print(f"demo data failed: {error}", file=sys.stderr)
        raise SystemExit(1) from None
