"""Version skew through the running services (issue 16): producers and consumers are deployed
at different times, so each side meets events of the other's version, on the real broker.

*A newer producer deployed first.* Beside the real ``.v1`` events, a ``.v2`` of an existing type
and a type no consumer knows yet land on intake's and scheduling's topics, on every partition,
with the platform's CloudEvents headers, before the real events of the journey. Every running
consumer skips them and counts them (``hoppid_events_skipped_total``, read from /metrics),
nothing goes to a ``.dlq`` topic, and the ``.v1`` events behind them on the same partitions are
handled (key learnt, receipt, offered times, figures): every consumer group's committed offset
reaches the end of every partition, so no partition is blocked.

*An older producer, or a newer one inside a version.* A ``meeting.booked.v1`` without the
fields the consumers' model added later with a default (``sequence``, ``join_url``), and one
carrying fields and a header the consumers' catalogue does not know: both handled (a
confirmation with its calendar file each, counted in reporting's figures), not dead-lettered.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from platform_support import COUNTY_KEY, Platform, attachment, bearer
from prometheus_client.parser import text_string_to_metric_families
from test_journeys import EMAIL, inquiry, mail_to, office_ready

from hoppid.contracts import intake, notifications, reporting
from hoppid.contracts import scheduling as sched
from hoppid.shared.clock import real_now
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import catalogue
from hoppid.shared.testing import eventually, kafka_client, of_type, read_envelopes

OFFICE = "nordveggen"
# what a newer producer publishes: a new version of a type the consumers handle, and a type
# none of them knows; per topic
NEWER: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
    "intake": (
        (
            "no.hoppid.intake.case.opened.v2",
            {"case_id": "c-v2", "office_id": OFFICE, "needs": [{"need": "guidance", "rank": 1}]},
        ),
        ("no.hoppid.intake.mentor.matched.v1", {"case_id": "c-v2", "mentor": "m-1"}),
    ),
    "scheduling": (
        (
            "no.hoppid.scheduling.meeting.booked.v2",
            {"booking_id": "b-v2", "office_id": OFFICE, "slot": {"start": "2026-01-05T09:00Z"}},
        ),
        ("no.hoppid.scheduling.hackathon.announced.v1", {"hackathon_id": "h-1"}),
    ),
}
# the consumer groups that must get past them, by topic (``<prefix>hoppid.<service>.<group>``)
GROUPS = {
    "intake": (
        "scheduling.api-keys",
        "scheduling.offices",
        "scheduling.cases",
        "notifications.api-keys",
        "notifications.messages",
        "reporting.api-keys",
        "reporting.partner-facts",
    ),
    "scheduling": ("notifications.meetings", "reporting.partner-facts"),
}
CONSUMERS = {
    "intake": ("scheduling", "notifications", "reporting"),
    "scheduling": ("notifications", "reporting"),
}


async def test_newer_and_older_producers_beside_the_running_consumers(platform: Platform) -> None:
    for _, types in NEWER.items():
        for event_type, _ in types:
            assert not catalogue.knows(event_type), f"{event_type} is not new any more"
    partitions = await newer_producer_first(platform)

    async with httpx.AsyncClient(timeout=30) as client:
        # the real .v1 events come after the newer ones on every partition
        await office_ready(platform, client)  # api_key.issued.v1: scheduling accepts the key
        sent = await client.post(f"{platform.url('intake')}/v1/inquiries", json=inquiry())
        assert sent.status_code == 201, sent.text
        await mail_to(platform, EMAIL, 2)  # the receipt and the offered times
        offered = await offered_times(platform)
        older, newer = await older_and_newer_bookings(platform, offered)

        ics = await confirmations(platform, {older, newer})
        assert f"UID:{older}@hoppid" in ics[older] and f"UID:{newer}@hoppid" in ics[newer]
        figures = await eventually(
            lambda: office_figures(platform, client, lambda row: row["meetings_booked"] == 2),
            timeout=60,
            what="both bookings in reporting's figures",
        )
        assert figures["inquiries"] == 1

        # no partition is blocked: every group committed every record, skipped ones included
        await eventually(
            lambda: groups_at_the_end(platform, partitions),
            timeout=60,
            what="every consumer group at the end of every partition",
        )
        assert await dead_lettered(platform, client) == {}
        skipped = await skipped_unknown(platform, client)
        for topic, services in CONSUMERS.items():
            for service in services:
                # each consumer group of the service counts them (a redelivery may count again)
                assert skipped[(service, topic)] >= partitions[topic] * len(NEWER[topic]), skipped


async def newer_producer_first(platform: Platform) -> dict[str, int]:
    """Publish NEWER on every partition of each topic, as a newer producer deployed first;
    the number of partitions of each topic."""
    producer = AIOKafkaProducer(**kafka_client(), acks="all", enable_idempotence=True)
    await producer.start()
    counts: dict[str, int] = {}
    try:
        for service, types in NEWER.items():
            topic = f"{platform.prefix}hoppid.{service}"
            partitions = sorted(await producer.partitions_for(topic))
            counts[service] = len(partitions)
            for partition in partitions:
                for event_type, data in types:
                    envelope = Envelope(
                        type=event_type,
                        source=f"/hoppid/{service}",
                        subject=f"{event_type}-{partition}",
                        office=OFFICE,
                        municipality="1539",
                        data=data,
                        time=real_now(),
                    )
                    await producer.send_and_wait(
                        topic,
                        envelope.value(),
                        key=envelope.key(),
                        partition=partition,
                        headers=[(k, v.encode()) for k, v in envelope.headers().items()],
                    )
    finally:
        await producer.stop()
    return counts


async def offered_times(platform: Platform) -> Envelope:
    """scheduling's slots.offered.v1 for the journey's case (it read case.opened.v1 behind the
    newer events)."""
    found = await read_envelopes(
        f"{platform.prefix}hoppid.scheduling",
        lambda es: bool(of_type(es, sched.SlotsOffered.event_type)),
        timeout=60,
    )
    (offered,) = of_type([e for _, e in found], sched.SlotsOffered.event_type)
    assert offered.data["slots"], "the advisor is free: times are offered"
    return offered


async def older_and_newer_bookings(platform: Platform, offered: Envelope) -> tuple[str, str]:
    """Two meeting.booked.v1 for the person: one from an older scheduling (without the fields
    added since with a default), one from a newer one (fields and a header nobody knows yet)."""
    slots = offered.data["slots"]
    older_id, newer_id = f"older-{uuid.uuid4().hex[:8]}", f"newer-{uuid.uuid4().hex[:8]}"
    now = real_now()

    def booked(booking_id: str, slot: dict[str, Any]) -> dict[str, Any]:
        event = sched.MeetingBooked(
            booking_id=booking_id,
            office_id=offered.data["office_id"],
            case_id=offered.data["case_id"],
            person_id=offered.data["person_id"],
            advisor_id=slot["advisor_id"],
            meeting_type="first_guidance",
            mode=slot["mode"],
            start=slot["start"],
            end=slot["end"],
            booked_by="entrepreneur",
            booked_at=now,
            sequence=0,
        )
        return event.model_dump(mode="json")

    older = booked(older_id, slots[0])
    for added_since in ("sequence", "join_url"):  # fields the consumers' model has a default for
        assert not sched.MeetingBooked.model_fields[added_since].is_required()
        del older[added_since]
    newer = booked(newer_id, slots[-1])
    newer.update({"room": "Romsdalshorn", "video": {"provider": "none", "dial_in": None}})

    producer = AIOKafkaProducer(**kafka_client(), acks="all")
    await producer.start()
    try:
        for booking_id, data, extra_headers in (
            (older_id, older, []),
            (
                newer_id,
                newer,
                [("ce_traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")],
            ),
        ):
            envelope = Envelope(
                type=sched.MeetingBooked.event_type,
                source=sched.SOURCE,
                subject=booking_id,
                office=offered.office,
                municipality=offered.municipality,
                data=data,
                time=now,
            )
            headers = [(k, v.encode()) for k, v in envelope.headers().items()]
            await producer.send_and_wait(
                f"{platform.prefix}hoppid.scheduling",
                envelope.value(),
                key=envelope.key(),
                headers=headers + extra_headers,
            )
    finally:
        await producer.stop()
    return older_id, newer_id


async def confirmations(platform: Platform, booking_ids: set[str]) -> dict[str, str]:
    """The calendar file of each booking's confirmation, by booking id."""

    async def arrived() -> dict[str, str]:
        found: dict[str, str] = {}
        for message in platform.mailbox.to(EMAIL):
            ics = (attachment(message, "text/calendar") or "").replace("\r\n ", "")
            for booking_id in booking_ids:
                if f"UID:{booking_id}@hoppid" in ics:
                    found[booking_id] = ics
        return found if set(found) == booking_ids else {}

    return await eventually(arrived, timeout=60, what="a confirmation of each booking")


async def office_figures(platform: Platform, client: httpx.AsyncClient, done: Any) -> Any:
    response = await client.get(
        f"{platform.url('reporting')}/v1/figures",
        params={"office": OFFICE},
        headers=bearer(COUNTY_KEY),
    )
    rows = response.json() if response.status_code == 200 else []
    return rows[0] if rows and done(rows[0]) else None


async def groups_at_the_end(platform: Platform, partitions: dict[str, int]) -> bool:
    """Whether each consumer group in GROUPS has committed every partition of its topic up to
    the partition's end (a blocked partition stays behind)."""
    admin = AIOKafkaAdminClient(**kafka_client())
    ends = AIOKafkaConsumer(**kafka_client(), enable_auto_commit=False)
    await admin.start()
    await ends.start()
    try:
        for service, groups in GROUPS.items():
            topic = f"{platform.prefix}hoppid.{service}"
            tps = [TopicPartition(topic, p) for p in range(partitions[service])]
            end = await ends.end_offsets(tps)
            for group in groups:
                committed = await admin.list_consumer_group_offsets(
                    f"{platform.prefix}hoppid.{group}", partitions=tps
                )
                for tp in tps:
                    done = committed.get(tp)
                    if done is None or done.offset < end[tp]:
                        return False
        return True
    finally:
        await ends.stop()
        await admin.close()


async def metric_samples(
    platform: Platform, client: httpx.AsyncClient, service: str, name: str
) -> list[Any]:
    text = (await client.get(platform.metrics_url(service))).text  # the metrics port
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


async def skipped_unknown(
    platform: Platform, client: httpx.AsyncClient
) -> Counter[tuple[str, str]]:
    """Events of a type no catalogue of the service knows, skipped: by (service, topic)."""
    skipped: Counter[tuple[str, str]] = Counter()
    for service in ("scheduling", "notifications", "reporting"):
        for sample in await metric_samples(
            platform, client, service, "hoppid_events_skipped_total"
        ):
            if sample.labels["type"] == "unknown":
                topic = sample.labels["topic"].removeprefix(f"{platform.prefix}hoppid.")
                skipped[(service, topic)] += int(sample.value)
    return skipped


async def dead_lettered(platform: Platform, client: httpx.AsyncClient) -> dict[str, int]:
    """Records on any of the platform's ``.dlq`` topics, and dead letters the services count."""
    found: dict[str, int] = {}
    admin = AIOKafkaAdminClient(**kafka_client())
    await admin.start()
    try:
        dlqs = [
            t
            for t in await admin.list_topics()
            if t.startswith(platform.prefix) and t.endswith(".dlq")
        ]
        described = await admin.describe_topics(dlqs)
    finally:
        await admin.close()
    assert dlqs, "the services create a .dlq beside each topic"
    tps = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
    consumer = AIOKafkaConsumer(**kafka_client(), enable_auto_commit=False)
    await consumer.start()
    try:
        for tp, end in (await consumer.end_offsets(tps)).items():
            if end:
                found[tp.topic] = found.get(tp.topic, 0) + end
    finally:
        await consumer.stop()
    for service in ("scheduling", "notifications", "reporting"):
        for sample in await metric_samples(platform, client, service, "hoppid_dlq_events_total"):
            if sample.value:
                found[f"{service} {sample.labels['topic']}"] = int(sample.value)
    return found


LOADED = (intake, notifications, reporting, sched)  # every producer's types in the catalogue
