"""An erased person's seat goes to the first waiting, across the platform: the erasure through
the person's own link (intake), the seat released and the waiting person promoted (scheduling),
and the promoted person told by mail (notifications, to a real SMTP server), as a cancellation
would."""

from datetime import timedelta
from typing import Any

import httpx
from platform_support import Platform, bearer, text_of
from test_journeys import inquiry, link_token, mail_to, office_ready

from hoppid.shared.clock import real_now
from hoppid.shared.testing import eventually

ERASED, WAITING = "erased.journey@example.no", "waiting.journey@example.no"


async def person(platform: Platform, client: httpx.AsyncClient, email: str, name: str) -> str:
    """A person who sent an inquiry: their link token, from the receipt."""
    body = inquiry(email=email, name=name, language="en")
    sent = await client.post(f"{platform.url('intake')}/v1/inquiries", json=body)
    assert sent.status_code == 201, sent.text
    return link_token((await mail_to(platform, email, 1))[0])


async def test_an_erased_person_s_seat_goes_to_the_first_waiting_who_is_told_by_mail(
    platform: Platform,
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        key = await office_ready(platform, client)
        scheduling = platform.url("scheduling")
        soon = real_now().replace(microsecond=0) + timedelta(days=7)
        course = await client.post(
            f"{scheduling}/v1/offices/nordveggen/programmes",
            headers=bearer(key),
            json={
                "kind": "course",
                "title": "Start og drift",
                "capacity": 1,
                "minimum": 1,
                "sessions": [
                    {"start": soon.isoformat(), "end": (soon + timedelta(hours=3)).isoformat()}
                ],
            },
        )
        assert course.status_code == 201, course.text
        course_id = course.json()["id"]
        erased = await person(platform, client, ERASED, "Eli Erased")
        waiting = await person(platform, client, WAITING, "Wenche Waiting")
        for token, status in ((erased, "enrolled"), (waiting, "waitlisted")):
            enrolled = await client.post(
                f"{scheduling}/v1/me/{token}/programmes/{course_id}/enrol", json={}
            )
            assert enrolled.status_code == 201, enrolled.text
            assert enrolled.json()["status"] == status

        gone = await client.post(f"{platform.url('intake')}/v1/me/{erased}/erasure")
        assert gone.status_code == 202

        async def promoted() -> Any:
            found = [m for m in platform.mailbox.to(WAITING) if "came free" in str(m["Subject"])]
            return found[0] if found else None

        mail = await eventually(promoted, timeout=90, what="the promotion mail")
        assert "you are on the course" in text_of(mail)
        mine = await client.get(f"{scheduling}/v1/me/{waiting}/programmes")
        (enrolment,) = mine.json()["enrolments"]
        assert enrolment["status"] == "enrolled"
