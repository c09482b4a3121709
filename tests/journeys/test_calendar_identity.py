"""One meeting, one calendar entry: the invitation notifications mails and the file scheduling
serves on the person's page are the same VEVENT (UID, SEQUENCE, Oslo times with their zone, the
digital meeting's own join link), through the booking, a move and the cancellation. Both files
are read by a standard parser (``icalendar``) and kept by UID, as a calendar program does."""

from typing import Any

import httpx
import icalendar
from platform_support import Platform, attachment, bearer
from test_journeys import EMAIL, book_through_link, inquiry, link_token, mail_to, office_ready

from hoppid.shared.testing import eventually

PATTERN = "https://meet.jit.si/hoppid-{office}-{token}"
SAME = ("UID", "SEQUENCE", "DTSTART", "DTEND", "STATUS")


def vevent(text: str) -> Any:
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    return event


def same_meeting(mailed: Any, downloaded: Any) -> None:
    for name in SAME:
        assert mailed.get(name) is not None, name
        assert str(mailed[name]) == str(downloaded[name]), name
    for name in ("DTSTART", "DTEND"):
        assert mailed[name].params["TZID"] == downloaded[name].params["TZID"] == "Europe/Oslo"
        assert mailed.decoded(name) == downloaded.decoded(name)
    if str(mailed["STATUS"]) == "CANCELLED":  # the place is in each channel's own words
        assert mailed.get("URL") is None and downloaded.get("URL") is None
        return
    for name in ("URL", "LOCATION"):
        assert str(mailed.get(name)) == str(downloaded.get(name)), name


async def calendar_mails(platform: Platform, count: int) -> list[str]:
    async def arrived() -> list[str]:
        found = [attachment(m, "text/calendar") for m in platform.mailbox.to(EMAIL)]
        files = [f for f in found if f]
        return files if len(files) >= count else []

    return await eventually(arrived, timeout=60, what=f"{count} calendar mail(s)")


async def test_the_mailed_and_the_downloaded_file_are_one_entry_through_move_and_cancel(
    platform: Platform,
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        key = await office_ready(platform, client)
        scheduling = platform.url("scheduling")
        chosen = await client.put(
            f"{scheduling}/v1/offices/nordveggen/settings",
            headers=bearer(key),
            json={"join_link_pattern": PATTERN},
        )
        assert chosen.status_code == 200, chosen.text
        await client.post(f"{platform.url('intake')}/v1/inquiries", json=inquiry())
        token = link_token((await mail_to(platform, EMAIL, 1))[0])
        booking = await book_through_link(platform, client, token)
        link = str(booking["join_url"])
        assert link.startswith("https://meet.jit.si/hoppid-nordveggen-")
        download = f"{scheduling}/pages/me/{token}/meetings/{booking['id']}/calendar.ics"

        kept: dict[str, Any] = {}  # what a calendar program keeps: one entry per UID
        mailed = vevent((await calendar_mails(platform, 1))[0])
        downloaded = vevent((await client.get(download)).text)
        same_meeting(mailed, downloaded)
        assert str(mailed["UID"]) == f"{booking['id']}@hoppid" and mailed["SEQUENCE"] == 0
        assert str(mailed["URL"]) == link
        confirmation = [m for m in platform.mailbox.to(EMAIL) if attachment(m, "text/calendar")]
        assert link in str(confirmation[0].get_body(preferencelist=("plain",)).get_content())
        kept.update({str(e["UID"]): e for e in (mailed, downloaded)})

        me = f"{scheduling}/v1/me/{token}"
        slots = (await client.get(f"{me}/meetings")).json()["offers"][0]["slots"]
        later = next(s for s in slots if s["start"] != booking["start"])
        moved = await client.post(
            f"{me}/bookings/{booking['id']}/reschedule", json={"start": later["start"]}
        )
        assert moved.status_code == 200, moved.text
        mailed = vevent((await calendar_mails(platform, 2))[1])
        downloaded = vevent((await client.get(download)).text)
        same_meeting(mailed, downloaded)
        assert mailed["SEQUENCE"] == 1 and str(mailed["URL"]) == link  # the link stays
        kept.update({str(e["UID"]): e for e in (mailed, downloaded)})

        cancelled = await client.post(f"{me}/bookings/{booking['id']}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        cancel_text = (await calendar_mails(platform, 3))[2]
        mailed, downloaded = vevent(cancel_text), vevent((await client.get(download)).text)
        same_meeting(mailed, downloaded)
        assert mailed["SEQUENCE"] == 2 and str(mailed["STATUS"]) == "CANCELLED"
        assert "METHOD:CANCEL" in cancel_text and "meet.jit.si" not in cancel_text
        kept.update({str(e["UID"]): e for e in (mailed, downloaded)})
        assert list(kept) == [f"{booking['id']}@hoppid"]  # one entry, now cancelled
