"""The case's meetings in intake, from scheduling's events on the real topic, and an advisor's
day: the projection on the real store whatever order and however often the events come; then
the running service, fed the events as scheduling publishes them, shows a case's meetings on its
page (with the link to book one on scheduling's page) and the advisor's meetings and the
applications due soon on their "my cases" page, for a day the test names (never the wall
clock's).

The events are published on the test's scheduling topic rather than booked through scheduling:
a booking must lie in the future of scheduling's clock, and the day shown here is fixed."""

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from intake_support import Intake, running_intake
from test_case_advisor_pages import add_account, sign_in_as_advisor
from test_my_cases_pages import call, cases_of_rauma
from test_pages import LINK_SECRET

from hoppid.contracts import scheduling as ev
from hoppid.intake.meetings.projection import changes
from hoppid.intake.meetings.store import MEETINGS, CaseMeetings
from hoppid.intake.model import OSLO
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.pii import PersonalDataVault, vault_kek
from hoppid.shared.testing import eventually, kafka_client

DAY = date(2027, 3, 10)  # a Wednesday: the day "my day" is asked for
SCHEDULING = "https://scheduling.example"  # its public address, for the booking link


def oslo(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=OSLO).astimezone(UTC)


def meeting(case: dict[str, Any], booking: str, **fields: Any) -> dict[str, Any]:
    return {
        "booking_id": booking,
        "office_id": case["office_id"],
        "case_id": case["_id"],
        "person_id": case["person_id"],
        **fields,
    }


def booked(case: dict[str, Any], booking: str, start: datetime, advisor: str) -> Event:
    return ev.MeetingBooked(
        **meeting(case, booking),
        advisor_id=advisor,
        meeting_type="first_guidance",
        mode="in_person",
        start=start,
        end=start + timedelta(hours=1),
        booked_by="staff",
        booked_at=start - timedelta(days=7),
        sequence=0,
    )


def moved(case: dict[str, Any], booking: str, start: datetime, sequence: int) -> Event:
    return ev.MeetingRescheduled(
        **meeting(case, booking),
        advisor_id="adv-ingrid",
        previous_advisor_id="adv-ingrid",
        start=start,
        end=start + timedelta(hours=1),
        previous_start=start - timedelta(days=1),
        rescheduled_by="entrepreneur",
        rescheduled_at=start - timedelta(days=6, hours=-sequence),
        mode="digital",
        sequence=sequence,
    )


def cancelled(case: dict[str, Any], booking: str, start: datetime) -> Event:
    return ev.MeetingCancelled(
        **meeting(case, booking),
        advisor_id="adv-ingrid",
        start=start,
        reason="entrepreneur",
        cancelled_by="entrepreneur",
        cancelled_at=start - timedelta(days=1),
        sequence=1,
    )


def held(case: dict[str, Any], booking: str, start: datetime) -> Event:
    return ev.MeetingHeld(
        **meeting(case, booking),
        advisor_id="adv-ingrid",
        meeting_type="first_guidance",
        start=start,
        recorded_at=start + timedelta(hours=1),
    )


async def test_the_projection_ends_the_same_whatever_the_order_and_the_repeats(
    database: Any,
) -> None:
    case = {"_id": "case-1", "office_id": "nordveggen", "person_id": "person-1"}
    first = oslo(DAY, 10)
    life = [
        booked(case, "b", first, "adv-per"),
        moved(case, "b", first + timedelta(days=1), 1),
        moved(case, "b", first + timedelta(days=2), 2),
        held(case, "b", first + timedelta(days=2)),
    ]
    meetings = CaseMeetings(database)
    ends = []
    for n, order in enumerate(itertools.permutations(life)):
        renamed = [e.model_copy(update={"booking_id": f"b-{n}"}) for e in order]
        for event in [*renamed, *renamed[:2]]:  # and the first two again
            for change in changes(event):
                await meetings.apply(change)
        row = await database[MEETINGS].find_one({"_id": f"b-{n}"}, {"_id": 0})
        ends.append({k: v for k, v in row.items() if not k.endswith("_key")})
    assert len(ends) == 24
    assert all(end == ends[0] for end in ends)
    assert ends[0] == {
        "case_id": "case-1",
        "office_id": "nordveggen",
        "advisor_id": "adv-ingrid",
        "meeting_type": "first_guidance",
        "mode": "digital",
        "start": first + timedelta(days=2),
        "end": first + timedelta(days=2, hours=1),
        "status": "held",
    }


@pytest.fixture
async def intake(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Intake]:
    """intake with plain-http cookies, a known link secret and scheduling's address."""
    env = {
        "HOPPID_COOKIE_SECURE": "false",
        "HOPPID_LINK_SECRET": LINK_SECRET,
        "HOPPID_SCHEDULING_PUBLIC_URL": SCHEDULING,
    }
    async with running_intake(topic_prefix, unique, database, **env) as started_intake:
        yield started_intake


async def publish(topic: str, database: Any, events: list[Event]) -> None:
    """As scheduling publishes them: keyed by the booking, personal fields sealed with the
    person's key, the office and municipality in the headers."""
    vault = PersonalDataVault(database, vault_kek(LINK_SECRET))  # as the service opens it
    producer = AIOKafkaProducer(**kafka_client(), acks="all")
    await producer.start()
    try:
        for event in events:
            plain = event.to_envelope(
                source=ev.SOURCE,
                subject=event.booking_id,  # type: ignore[attr-defined]
                office=event.office_id,  # type: ignore[attr-defined]
                municipality="1539",
            )
            sealed: Envelope = await vault.seal(plain, type(event), event.person_id)  # type: ignore[attr-defined]
            headers = [(k, v.encode()) for k, v in sealed.headers().items()]
            await producer.send_and_wait(topic, sealed.value(), key=sealed.key(), headers=headers)
    finally:
        await producer.stop()


async def application(intake: Intake, key: str, case: dict[str, Any], days: int) -> str:
    deadline = (DAY + timedelta(days=days)).isoformat()
    answer = await intake.client.post(
        f"/v1/cases/{case['_id']}/applications",
        json={"programme": f"Tilskudd {days}", "amount_asked_nok": 30000, "deadline": deadline},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["applications"][-1]["id"])


async def test_the_case_page_and_my_day_show_the_meetings_scheduling_published(
    intake: Intake, database: Any, topic_prefix: str
) -> None:
    await add_account(intake, "nordveggen", "sub-ingrid", "Ingrid Rådgiver", "adv-ingrid")
    mine, others, unassigned = await cases_of_rauma(intake, database, 3)
    key = await intake.key("nordveggen")
    await call(intake, key, mine, "advisor", advisor_id="adv-ingrid")
    await call(intake, key, others, "advisor", advisor_id="adv-per")
    await application(intake, key, mine, 10)  # shown: due within 14 days
    await application(intake, key, mine, 20)  # not: too far ahead
    decided = await application(intake, key, mine, 5)  # not: decided
    await call(intake, key, mine, f"applications/{decided}/decision", outcome="rejected")
    await application(intake, key, others, 3)  # not: another advisor's case

    today, thursday = oslo(DAY, 10), oslo(DAY + timedelta(days=1), 13)
    await publish(
        f"{topic_prefix}hoppid.scheduling",
        database,
        [
            booked(mine, "b-today", today - timedelta(days=1), "adv-ingrid"),
            moved(mine, "b-today", today, 1),  # moved to today, digital
            booked(mine, "b-thursday", thursday, "adv-ingrid"),
            booked(mine, "b-next-week", oslo(DAY + timedelta(days=7), 9), "adv-ingrid"),
            booked(mine, "b-cancelled", oslo(DAY, 14), "adv-ingrid"),
            cancelled(mine, "b-cancelled", oslo(DAY, 14)),
            booked(others, "b-per", oslo(DAY, 11), "adv-per"),
        ],
    )

    async def projected() -> bool:
        return bool(await database[MEETINGS].count_documents({"status": "cancelled"}) == 1)

    await eventually(projected, timeout=60, what="the meetings projected")
    await sign_in_as_advisor(intake, database, "nordveggen", "sub-ingrid", "adv-ingrid")

    page = await intake.client.get(f"/pages/staff/cases/{mine['_id']}")
    assert page.status_code == 200
    section = page.text[page.text.index('<h2 id="meetings">') :]
    rows = section[: section.index("</table>")].split("<tr>")[2:]
    assert len(rows) == 4  # earliest first, the cancelled one too
    assert "10.03.2027 10:00\u201311:00" in rows[0] and "Ingrid Rådgiver" in rows[0]
    assert "Digitalt" in rows[0] and "Flyttet" in rows[0] and "Første veiledning" in rows[0]
    assert "10.03.2027 14:00" in rows[1] and "Avlyst" in rows[1]
    assert "11.03.2027 13:00\u201314:00" in rows[2] and "På kontoret" in rows[2]
    booking = (
        f"{SCHEDULING}/pages/staff/cases/{mine['_id']}/book?next=/pages/staff/cases/{mine['_id']}"
    )
    assert f'<a href="{booking}">' in page.text
    empty = await intake.client.get(f"/pages/staff/cases/{unassigned['_id']}")
    assert "Ingen møter." in empty.text

    day = await intake.client.get(f"/pages/staff/cases?day={DAY.isoformat()}")
    assert day.status_code == 200 and "Min dag 10.03.2027" in day.text
    mine_today = _part(day.text, "Mine møter i dag", "Senere denne uken")
    assert "10.03.2027 10:00" in mine_today and mine["reference"] in mine_today
    assert mine_today.count("<li>") == 1  # not the cancelled one, nor adv-per's
    later = _part(day.text, "Senere denne uken", "Søknader med frist")
    assert "11.03.2027 13:00" in later and "17.03.2027" not in later
    due = _part(day.text, "Søknader med frist", "</section>")
    assert "20.03.2027" in due and "Tilskudd 10" in due
    assert "Tilskudd 20" not in due and "Tilskudd 5" not in due and "Tilskudd 3" not in due

    refused = await intake.client.get("/pages/staff/cases?day=2027-02-30")
    assert refused.status_code == 422 and 'href="#field-day"' in refused.text
    assert 'value="2027-02-30"' in refused.text  # what was asked, shown again
    everyone = await intake.client.get("/pages/staff/cases?mine=0")
    assert "Min dag" not in everyone.text


def _part(html: str, start: str, end: str) -> str:
    begun = html[html.index(start) :]
    return begun[: begun.index(end)]
