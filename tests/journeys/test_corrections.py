"""A correction through the person's own link reaches the messages: the person corrects their
name and language on intake's API, and the next mail (the meeting's confirmation, sent by
notifications from scheduling's event) greets them by the new name, in the new language, with
the new name on the calendar file's attendee. Four services as processes, real Kafka, store and
SMTP."""

from typing import Any

import httpx
from platform_support import Platform, attachment, text_of
from test_journeys import EMAIL, book_through_link, inquiry, link_token, mail_to, office_ready

from hoppid.shared.testing import eventually, of_type, read_envelopes


async def test_the_mail_after_a_correction_uses_the_new_name_and_language(
    platform: Platform, mongo: Any
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        await office_ready(platform, client)
        sent = await client.post(f"{platform.url('intake')}/v1/inquiries", json=inquiry())
        assert sent.status_code == 201, sent.text
        receipt = (await mail_to(platform, EMAIL, 1))[0]
        assert receipt["Content-Language"] == "nn" and "Kari Journey" in text_of(receipt)
        token = link_token(receipt)

        corrected = await client.patch(
            f"{platform.url('intake')}/v1/me/{token}",
            json={"name": "Kari Retta", "language": "en"},
        )
        assert corrected.status_code == 200, corrected.text
        people = mongo[f"test_{platform.unique}_notifications"]["people"]

        async def applied() -> Any:  # the booking's event may come before it otherwise
            return await people.find_one({"corrected_language": "en"})

        await eventually(applied, timeout=60, what="notifications has the correction")
        booking = await book_through_link(platform, client, token)

        async def confirmation() -> object:
            found = [m for m in platform.mailbox.to(EMAIL) if attachment(m, "text/calendar")]
            return found[0] if found else None

        mail = await eventually(confirmation, timeout=60, what="the meeting's confirmation")
        assert mail["Content-Language"] == "en"
        assert str(mail["Subject"]).startswith("Guidance meeting")
        body = text_of(mail)
        assert body.startswith("Hello Kari Retta,")
        assert "Kari Journey" not in body
        ics = (attachment(mail, "text/calendar") or "").replace("\r\n ", "")
        (attendee,) = [line for line in ics.splitlines() if line.startswith("ATTENDEE")]
        assert "Kari Retta" in attendee and booking["id"] in ics

    # partners see the case as a fact, never the correction
    public = await read_envelopes(
        f"{platform.prefix}hoppid.public",
        lambda es: bool(of_type(es, "reporting.case.opened.v1")),
        timeout=60,
    )
    for record, envelope in public:
        assert envelope.type.startswith("no.hoppid.reporting.")
        assert b"Kari" not in record.value and EMAIL.encode() not in record.value
