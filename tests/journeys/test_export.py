"""A person's export gathers every service's data about them (issue 15): asked for through
their own link (intake), answered by scheduling (their meeting, their course place) and by
notifications (the messages sent to them, to a real SMTP server), each part sealed on its
topic, and shown as one JSON download and a readable page, each part saying what it is and
why it is kept."""

import json
from datetime import timedelta
from typing import Any

import httpx
from platform_support import Platform, bearer
from test_journeys import (
    EMAIL,
    book_through_link,
    confirmation_mail,
    inquiry,
    link_token,
    mail_to,
    office_ready,
)

from hoppid.shared.clock import real_now
from hoppid.shared.testing import eventually, of_type, read_envelopes, vault_for_tests


async def course(platform: Platform, client: httpx.AsyncClient, key: str) -> str:
    soon = real_now().replace(microsecond=0) + timedelta(days=7)
    made = await client.post(
        f"{platform.url('scheduling')}/v1/offices/nordveggen/programmes",
        headers=bearer(key),
        json={
            "kind": "course",
            "title": "Start og drift",
            "capacity": 5,
            "minimum": 1,
            "sessions": [
                {"start": soon.isoformat(), "end": (soon + timedelta(hours=3)).isoformat()}
            ],
        },
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def test_the_export_holds_every_service_s_part_in_one_download(
    platform: Platform, mongo: Any
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        key = await office_ready(platform, client)
        intake = platform.url("intake")
        sent = await client.post(f"{intake}/v1/inquiries", json=inquiry())
        assert sent.status_code == 201, sent.text
        token = link_token((await mail_to(platform, EMAIL, 1))[0])
        booking = await book_through_link(platform, client, token)
        await confirmation_mail(platform)
        course_id = await course(platform, client, key)
        enrolled = await client.post(
            f"{platform.url('scheduling')}/v1/me/{token}/programmes/{course_id}/enrol", json={}
        )
        assert enrolled.status_code == 201, enrolled.text

        asked = await client.post(f"{intake}/v1/me/{token}/exports")
        assert asked.status_code == 202, asked.text
        assert asked.json()["status"] == "gathering"
        export_id = asked.json()["export_id"]

        async def gathered() -> Any:
            found = await client.get(f"{intake}/v1/me/{token}/exports/{export_id}")
            assert found.status_code == 200, found.text
            return found if found.json()["status"] != "gathering" else None

        done = await eventually(gathered, timeout=60, what="every part of the export")
        export = done.json()
        assert export["status"] == "complete" and export["missing"] == []
        assert "attachment" in done.headers["content-disposition"]
        parts = {part["service"]: part for part in export["parts"]}
        assert set(parts) == {"intake", "scheduling", "notifications", "reporting"}
        for part in parts.values():
            assert part["what"] and part["why"]  # nn: the person's language
        assert parts["intake"]["data"]["person"]["email"] == EMAIL
        scheduling = parts["scheduling"]["data"]
        assert [m["id"] for m in scheduling["meetings"]] == [booking["id"]]
        (programme,) = scheduling["programmes"]
        assert programme["id"] == course_id and len(programme["seated"]) == 1
        messages = parts["notifications"]["data"]["messages"]
        # every message that had an address went to theirs (one suppressed for want of an
        # address, as an SMS to no phone, has none; CI at 23:30 UTC had one)
        assert {m["to"] for m in messages if m.get("to")} == {EMAIL}
        assert len(messages) >= 3  # receipt, offered times, confirmation, enrolment
        assert parts["notifications"]["data"]["contact"]["email"] == EMAIL
        assert parts["reporting"]["data"] is None and parts["reporting"]["received"]

        page = await client.get(f"{intake}/pages/me/{token}/exports/{export_id}?lang=en")
        assert page.status_code == 200
        assert "All your data" in page.text and "Meetings, courses and desks" in page.text
        assert "Why we keep it" in page.text and booking["id"] in page.text
        download = await client.get(f"{intake}/pages/me/{token}/exports/{export_id}/download")
        assert json.loads(download.text)["export_id"] == export_id

    # on the topics the parts are sealed, and unreadable once the person is erased
    answers = []
    for service in ("scheduling", "notifications"):
        found = await read_envelopes(
            f"{platform.prefix}hoppid.{service}",
            lambda es, s=service: bool(of_type(es, f"{s}.person_export.answered.v1")),
        )
        for record, envelope in found:
            if envelope.type.endswith("person_export.answered.v1"):
                assert EMAIL.encode() not in record.value
                assert "sealed" in envelope.data["part"]
                answers.append(envelope)
    async with httpx.AsyncClient(timeout=30) as client:
        erased = await client.post(f"{platform.url('intake')}/v1/me/{token}/erasure")
        assert erased.status_code == 202
    vault = vault_for_tests(mongo[f"test_{platform.unique}_vault"])
    assert len(answers) == 2
    for envelope in answers:
        assert (await vault.unseal(envelope)).data["part"] is None
