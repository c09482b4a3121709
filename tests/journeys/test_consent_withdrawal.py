"""Withdrawing the consent to processing through the person's link is an erasure, across the
platform: intake erases and revokes the link, scheduling cancels the meeting and refuses the
link, notifications confirms the erasure (one message, no separate consent confirmation) and
then forgets the person."""

from typing import Any

import httpx
from platform_support import Platform, text_of
from test_journeys import (
    EMAIL,
    book_through_link,
    confirmation_mail,
    inquiry,
    link_token,
    mail_to,
    office_ready,
)

from hoppid.shared.testing import eventually


async def test_withdrawing_consent_to_processing_stops_everything_everywhere(
    platform: Platform, mongo: Any
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        await office_ready(platform, client)
        await client.post(f"{platform.url('intake')}/v1/inquiries", json=inquiry())
        token = link_token((await mail_to(platform, EMAIL, 1))[0])
        booking = await book_through_link(platform, client, token)
        await confirmation_mail(platform)
        before = len(platform.mailbox.to(EMAIL))

        withdrawn = await client.post(
            f"{platform.url('intake')}/v1/me/{token}/consent/withdraw",
            json={"consent": "processing"},
        )
        assert withdrawn.json()["effect"] == "erased"

        async def cancelled_and_refused() -> bool:
            db = mongo[f"test_{platform.unique}_scheduling"]
            stored = await db["bookings"].find_one({"_id": booking["id"]})
            link = await client.get(f"{platform.url('scheduling')}/v1/me/{token}/meetings")
            return bool(stored and stored["status"] == "cancelled") and link.status_code == 401

        await eventually(cancelled_and_refused, timeout=60, what="scheduling stopped")

        async def notifications_forgot() -> bool:
            db = mongo[f"test_{platform.unique}_notifications"]
            for name in await db.list_collection_names():
                async for document in db[name].find({}):
                    if "kari" in str(document).lower():
                        return False
            return True

        await eventually(notifications_forgot, timeout=60, what="notifications scrubbed")
        after = (await mail_to(platform, EMAIL, before + 1))[before:]
        # the erasure's confirmation (nynorsk, the inquiry's language), not also a consent one
        assert [str(m["Subject"]) for m in after] == ["Opplysningane dine er sletta"]
        assert "den siste e-posten du får frå oss" in text_of(after[0])
