"""A new link by email, through the real services: intake's public API records the request and
answers the same way for any address; intake issues the link in the background and notifications
mails it, from the person's office, in their language, to the address intake holds. Unknown and
erased addresses get the same answer and no mail; too many requests get a 429 problem."""

import re
from email.message import EmailMessage

import httpx
from platform_support import Platform, text_of
from test_journeys import EMAIL, inquiry, link_token, mail_to

from hoppid.shared.testing import eventually, of_type, read_envelopes

ERASED = "erased.journey@example.no"
UNKNOWN = "nobody.journey@example.no"
SUBJECTS = ("Din nye lenke", "Den nye lenkja di", "Your new link")  # new_link.subject


def is_new_link(message: EmailMessage) -> bool:
    return str(message["Subject"]) in SUBJECTS


async def test_a_new_link_goes_by_mail_to_a_known_address_only(platform: Platform) -> None:
    intake = platform.url("intake")

    async def new_links() -> EmailMessage | None:
        found = [m for m in platform.mailbox.to(EMAIL) if is_new_link(m)]
        return found[0] if found else None

    async with httpx.AsyncClient(timeout=30) as client:
        for body in (inquiry(), inquiry(email=ERASED, name="Eva Borte", idea="A bakery")):
            assert (await client.post(f"{intake}/v1/inquiries", json=body)).status_code == 201
        await mail_to(platform, EMAIL, 1)
        erased_receipt = (await mail_to(platform, ERASED, 1))[0]
        erase = await client.post(f"{intake}/v1/me/{link_token(erased_receipt)}/erasure")
        assert erase.status_code == 202
        await mail_to(platform, ERASED, 2)  # the erasure's confirmation

        answers = [
            await client.post(f"{intake}/v1/links", json={"email": email})
            for email in (UNKNOWN, ERASED, EMAIL.upper())
        ]
        assert {a.status_code for a in answers} == {202}
        assert answers[0].content == answers[1].content == answers[2].content

        new = await eventually(new_links, timeout=60, what="the new link's mail")
        assert str(new["To"]) == EMAIL  # the stored address (as stored, not as typed)
        assert new["Content-Language"] == "nn"  # the person's language
        assert "Nordveggen" in str(new["From"])
        token = re.search(r"/me/([A-Za-z0-9_-]+)", text_of(new))
        # not compared with the receipt's link: a link carries its expiry to the second, so one
        # signed in the same second as the receipt's is that link (CI on a quiet machine did so)
        assert token
        me = await client.get(f"{intake}/v1/me/{token.group(1)}")
        assert me.status_code == 200 and me.json()["name"] == "Kari Journey"
        # requests are handled in order: the unknown and the erased address's are done
        assert [m["To"] for m in platform.mailbox.messages if is_new_link(m)] == [EMAIL]
        assert platform.mailbox.to(UNKNOWN) == []

        refused = None
        for _ in range(3):  # at most three an hour for one address (known or not)
            refused = await client.post(f"{intake}/v1/links", json={"email": UNKNOWN})
        assert refused is not None and refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["status"] == 429

    # partners see the cases as facts, never the link, the name or the address
    public = await read_envelopes(
        f"{platform.prefix}hoppid.public",
        lambda es: len(of_type(es, "reporting.case.opened.v1")) >= 2,
        timeout=60,
    )
    for record, envelope in public:
        assert envelope.type.startswith("no.hoppid.reporting.")
        assert token.group(1).encode() not in record.value
        assert b"Kari" not in record.value and EMAIL.encode() not in record.value
