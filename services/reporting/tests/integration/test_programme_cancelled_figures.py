"""A programme the office changed and then cancelled whole, as scheduling writes it: reporting
takes back the seats through the enrolment_cancelled events (reason ``programme_cancelled``)
as for any cancellation, and has no projection for programme.changed and programme.cancelled:
they are skipped, never dead-lettered."""

from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from reporting_support import Reporting, drained, produce, subset

from hoppid.contracts import scheduling as sc
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.testing import kafka_client

OFFICE, MUNICIPALITY, PROGRAMME = "nordveggen", "1539", "prog-cancelled"
AT = datetime(2026, 3, 2, 10, tzinfo=UTC)


def out(event: Event) -> Envelope:
    return event.to_envelope(
        source=sc.SOURCE, subject=PROGRAMME, office=OFFICE, municipality=MUNICIPALITY
    )


def ids(enrolment: str) -> dict[str, Any]:
    return {
        "programme_id": PROGRAMME,
        "office_id": OFFICE,
        "kind": "course",
        "enrolment_id": enrolment,
        "person_id": f"person-{enrolment}",
        "case_id": None,
        "participants": 1,
        "municipality": MUNICIPALITY,
    }


def stream() -> list[Envelope]:
    session = sc.ProgrammeSession(id="s1", start=AT + timedelta(days=9), end=AT + timedelta(days=9))
    ended = [("e1", "enrolled"), ("e2", "enrolled"), ("w1", "waitlisted")]
    return [
        out(sc.ProgrammeEnrolled(**ids("e1"), enrolled_by="staff", enrolled_at=AT)),
        out(sc.ProgrammeEnrolled(**ids("e2"), enrolled_by="staff", enrolled_at=AT)),
        out(
            sc.ProgrammeWaitlisted(**ids("w1"), position=1, waitlisted_by="staff", waitlisted_at=AT)
        ),
        out(
            sc.ProgrammeChanged(
                programme_id=PROGRAMME,
                office_id=OFFICE,
                kind="course",
                changed=["sessions"],
                sessions=[session],
                capacity=2,
                previous_capacity=2,
                changed_by="staff",
                changed_at=AT + timedelta(days=1),
            )
        ),
        *(
            out(
                sc.ProgrammeEnrolmentCancelled(
                    **ids(enrolment),
                    was=was,  # type: ignore[arg-type]
                    cancelled_by="staff",
                    cancelled_at=AT + timedelta(days=2),
                    reason="programme_cancelled",
                )
            )
            for enrolment, was in ended
        ),
        out(
            sc.ProgrammeCancelled(
                programme_id=PROGRAMME,
                office_id=OFFICE,
                kind="course",
                enrolments_ended=3,
                seats_freed=2,
                cancelled_by="staff",
                cancelled_at=AT + timedelta(days=2),
            )
        ),
    ]


async def dead_letters(topic: str) -> int:
    consumer = AIOKafkaConsumer(**kafka_client(), group_id=None)
    await consumer.start()
    try:
        await consumer.topics()  # fetches the metadata partitions_for_topic reads
        partitions = consumer.partitions_for_topic(topic) or set()
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def enrolments(reporting: Reporting) -> dict[str, Any]:
    [row] = await reporting.get("/v1/figures", municipality=MUNICIPALITY, period="2026-03")
    return subset(row, {"programme_enrolments": 0, "programme_enrolments_course": 0})


async def test_a_cancelled_programme_gives_its_seats_back_and_nothing_is_dead_lettered(
    reporting: Reporting,
) -> None:
    events = stream()
    await produce(reporting.scheduling_topic, events[:3])
    await drained(reporting.prefix, reporting.scheduling_topic)
    assert await enrolments(reporting) == {
        "programme_enrolments": 2,
        "programme_enrolments_course": 2,
    }

    await produce(reporting.scheduling_topic, events[3:])
    await drained(reporting.prefix, reporting.scheduling_topic)
    assert await enrolments(reporting) == {
        "programme_enrolments": 0,
        "programme_enrolments_course": 0,
    }
    assert await dead_letters(f"{reporting.scheduling_topic}.dlq") == 0
