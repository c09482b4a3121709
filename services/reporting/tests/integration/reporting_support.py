"""Test support for reporting: the service as its own process, and scripted intake streams.

Events are produced with a plain aiokafka producer in the CloudEvents envelope intake uses, so
the service meets exactly what it meets in production. Imported by name (pytest's pythonpath has
this folder), so it must stay uniquely named.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from hoppid.contracts import intake as ev
from hoppid.contracts import scheduling as sc
from hoppid.shared.access import ALL_OFFICES, key_id_of, new_api_key
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.kafka import ensure_topics
from hoppid.shared.testing import (
    KEEP_EVERYTHING,
    ServiceProcess,
    eventually,
    kafka_client,
    kafka_servers,
    mongodb_url,
)

COUNTY_KEY = "county-key-for-tests-only"


def reporting_env(topic_prefix: str, unique: str, **extra: str) -> dict[str, str]:
    return {
        "HOPPID_KAFKA_BOOTSTRAP_SERVERS": kafka_servers(),
        "HOPPID_MONGODB_URL": mongodb_url(),
        "HOPPID_TOPIC_PREFIX": topic_prefix,
        "HOPPID_DATABASE": f"test_{unique}",  # the `database` fixture's: dropped after
        "HOPPID_REPORTING_COUNTY_KEY": COUNTY_KEY,
        "HOPPID_OUTBOX_RELAY_INTERVAL_SECONDS": "0.2",
        "HOPPID_REPORTING_REBUILD_GRACE_SECONDS": "1",
        **extra,
    }


async def started(service: ServiceProcess) -> ServiceProcess:
    await service.start()
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready, timeout=60, what="reporting ready")
    return service


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


COUNTY = bearer(COUNTY_KEY)


@dataclass
class Reporting:
    service: ServiceProcess
    client: httpx.AsyncClient
    prefix: str
    database: str

    @property
    def intake_topic(self) -> str:
        return f"{self.prefix}hoppid.intake"

    @property
    def scheduling_topic(self) -> str:
        return f"{self.prefix}hoppid.scheduling"

    @property
    def public_topic(self) -> str:
        return f"{self.prefix}hoppid.public"

    async def get(self, path: str, key: str = COUNTY_KEY, **params: Any) -> Any:
        response = await self.client.get(path, params=params, headers=bearer(key))
        assert response.status_code == 200, response.text
        return response.json()

    async def key(self, role: str, office_id: str = ALL_OFFICES) -> str:
        """A platform key, issued as intake issues one (its event), once reporting accepts it."""
        key_id, key, key_hash = new_api_key()
        issued = ev.ApiKeyIssued(
            key_id=key_id,
            office_id=office_id,
            role=role,  # type: ignore[arg-type]
            key_hash=key_hash,
            issued_at=datetime.now(UTC),
        )
        await produce(self.intake_topic, [_key_event(issued, key_id, office_id)])
        await self.until_status(key, 200)
        return key

    async def revoke(self, key: str, office_id: str = ALL_OFFICES) -> None:
        """Revoke as intake does; returns once reporting refuses the key."""
        key_id = key_id_of(key)
        assert key_id is not None
        revoked = ev.ApiKeyRevoked(key_id=key_id, office_id=office_id, revoked_at=datetime.now(UTC))
        await produce(self.intake_topic, [_key_event(revoked, key_id, office_id)])
        await self.until_status(key, 401)

    async def until_status(self, key: str, status: int) -> None:
        async def answered() -> bool:
            response = await self.client.get("/v1/figures", headers=bearer(key))
            return response.status_code == status

        await eventually(answered, timeout=60, what=f"/v1/figures answering {status}")

    async def settled(self, expected_inquiries: int, **params: Any) -> dict[str, Any]:
        """Wait until the figures count this many inquiries (the projection caught up)."""

        async def probe() -> dict[str, Any] | None:
            row: dict[str, Any] = (await self.get("/v1/figures", **params))[0]
            return row if row["inquiries"] == expected_inquiries else None

        return await eventually(probe, timeout=60, what=f"{expected_inquiries} inquiries")


def _key_event(event: Event, key_id: str, office_id: str) -> Envelope:
    office = "" if office_id == ALL_OFFICES else office_id  # as intake sets it
    return event.to_envelope(source=ev.SOURCE, subject=key_id, office=office)


async def produce(topic: str, envelopes: list[Envelope]) -> None:
    """Publish envelopes in this order (a duplicate is the same envelope twice)."""
    await ensure_topics(kafka_servers(), [topic, f"{topic}.dlq"], partitions=3)
    producer = AIOKafkaProducer(**kafka_client(), acks="all")
    await producer.start()
    try:
        for envelope in envelopes:
            headers = [(name, value.encode()) for name, value in envelope.headers().items()]
            await producer.send_and_wait(
                topic, envelope.value(), key=envelope.key(), headers=headers
            )
    finally:
        await producer.stop()


def at(text: str) -> datetime:
    """An instant given in UTC, e.g. '2026-03-10T09:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Script:
    """Builds intake's events as intake would publish them (same subjects and extensions)."""

    office_municipality: dict[str, str] = field(default_factory=dict)

    def _case(self, event: Event, case: str, office: str, municipality: str) -> Envelope:
        self.office_municipality[case] = municipality
        return event.to_envelope(
            source=ev.SOURCE, subject=case, office=office, municipality=municipality
        )

    def opened(
        self,
        case: str,
        person: str,
        office: str,
        municipality: str,
        when: str,
        needs: tuple[str, ...] = ("guidance",),
        stage: str = "idea",
    ) -> Envelope:
        event = ev.CaseOpened(
            case_id=case,
            office_id=office,
            person_id=person,
            reference=f"HOP-{case[:4].upper()}",
            municipality=municipality,
            needs=list(needs),  # type: ignore[arg-type]
            stage=stage,  # type: ignore[arg-type]
            language="nb",
            meeting_mode="digital",
            opened_at=at(when),
            first_case_of_person=True,
        )
        return self._case(event, case, office, municipality)

    def received(self, case: str, person: str, office: str, municipality: str) -> Envelope:
        event = ev.InquiryReceived(
            case_id=case,
            office_id=office,
            person_id=person,
            reference="HOP-AAAA-BBBB",
            municipality=municipality,
            language="nb",
            needs=["guidance"],
            received_at=datetime.now(UTC),
            name="Kari Nordmann",
            email="kari.nordmann@example.no",
            case_link_token="secret-link-token-never-public",
        )
        return self._case(event, case, office, municipality)

    def status(self, case: str, office: str, to: str, when: str, frm: str = "new") -> Envelope:
        event = ev.CaseStatusChanged(
            case_id=case,
            office_id=office,
            from_status=frm,  # type: ignore[arg-type]
            to_status=to,  # type: ignore[arg-type]
            changed_at=at(when),
        )
        return self._case(event, case, office, self.office_municipality.get(case, ""))

    def company(
        self,
        case: str,
        person: str,
        office: str,
        municipality: str,
        registered_on: str,
        first_contact: str,
        org: str = "923609016",
        share: bool = False,
    ) -> Envelope:
        event = ev.CompanyRegistered(
            case_id=case,
            office_id=office,
            person_id=person,
            municipality=municipality,
            org_number=org,
            registered_on=date.fromisoformat(registered_on),
            share_with_partners=share,
            first_contact_at=at(first_contact),
        )
        return self._case(event, case, office, municipality)

    def application(
        self, case: str, office: str, app: str, when: str, asked: int = 100_000
    ) -> Envelope:
        event = ev.ApplicationRecorded(
            case_id=case,
            office_id=office,
            application_id=app,
            programme="Innovasjon Norge etablerertilskudd",
            amount_asked_nok=asked,
            recorded_at=at(when),
        )
        return self._case(event, case, office, self.office_municipality[case])

    def decided(
        self, case: str, office: str, app: str, when: str, outcome: str, amount: int = 0
    ) -> Envelope:
        event = ev.ApplicationDecided(
            case_id=case,
            office_id=office,
            application_id=app,
            outcome=outcome,  # type: ignore[arg-type]
            amount_granted_nok=amount,
            decided_at=at(when),
        )
        return self._case(event, case, office, self.office_municipality[case])

    def introduction(self, case: str, office: str, intro: str, when: str, kind: str) -> Envelope:
        event = ev.IntroductionMade(
            case_id=case,
            office_id=office,
            introduction_id=intro,
            kind=kind,  # type: ignore[arg-type]
            made_at=at(when),
        )
        return self._case(event, case, office, self.office_municipality[case])

    @staticmethod
    def office(office: str, budget: int, when: str, name: str = "") -> Envelope:
        event = ev.OfficeChanged(
            office_id=office,
            name=name or office,
            municipalities=["1539"],
            languages=["nb"],
            contact_email=f"hoppid@{office}.example",
            yearly_budget_eur=budget,
            changed_at=at(when),
        )
        return event.to_envelope(source=ev.SOURCE, subject=office, office=office)

    @staticmethod
    def erasure(person: str, cases: list[str]) -> Envelope:
        event = ev.ErasureRequested(
            person_id=person, case_ids=cases, requested_at=at("2026-06-01T10:00")
        )
        return event.to_envelope(source=ev.SOURCE, subject=person)


@dataclass
class Meetings:
    """Builds scheduling's meeting events as scheduling publishes them (subject: the booking)."""

    cases: dict[str, tuple[str, str]] = field(default_factory=dict)  # booking -> case, office

    def _meeting(self, event: Event, booking: str) -> Envelope:
        return event.to_envelope(source=sc.SOURCE, subject=booking, office=self.cases[booking][1])

    def _ids(self, booking: str) -> dict[str, str]:
        case, office = self.cases[booking]
        return {"booking_id": booking, "case_id": case, "office_id": office, "person_id": "p-x"}

    def booked(self, booking: str, case: str, office: str, start: str, when: str) -> Envelope:
        self.cases[booking] = (case, office)
        event = sc.MeetingBooked(
            **self._ids(booking),
            advisor_id="adv-1",
            meeting_type="first_guidance",
            mode="in_person",
            start=at(start),
            end=at(start) + timedelta(hours=1),
            booked_by="entrepreneur",
            booked_at=at(when),
        )
        return self._meeting(event, booking)

    def rescheduled(self, booking: str, start: str, previous: str, when: str) -> Envelope:
        event = sc.MeetingRescheduled(
            **self._ids(booking),
            advisor_id="adv-1",
            previous_advisor_id="adv-1",
            start=at(start),
            end=at(start) + timedelta(hours=1),
            previous_start=at(previous),
            rescheduled_by="staff",
            rescheduled_at=at(when),
        )
        return self._meeting(event, booking)

    def cancelled(self, booking: str, start: str, when: str) -> Envelope:
        event = sc.MeetingCancelled(
            **self._ids(booking),
            advisor_id="adv-1",
            start=at(start),
            reason="entrepreneur",
            cancelled_by="entrepreneur",
            cancelled_at=at(when),
        )
        return self._meeting(event, booking)

    def held(self, booking: str, start: str) -> Envelope:
        event = sc.MeetingHeld(
            **self._ids(booking),
            advisor_id="adv-1",
            meeting_type="first_guidance",
            start=at(start),
            recorded_at=at(start) + timedelta(hours=2),
        )
        return self._meeting(event, booking)

    def missed(self, booking: str, start: str) -> Envelope:
        event = sc.MeetingMissed(
            **self._ids(booking),
            advisor_id="adv-1",
            meeting_type="first_guidance",
            start=at(start),
            recorded_at=at(start) + timedelta(hours=2),
        )
        return self._meeting(event, booking)


def new_id() -> str:
    return str(uuid.uuid4())


async def run_rebuild(env: dict[str, str]) -> dict[str, Any]:
    """``python -m hoppid.reporting.rebuild`` as its own process, as an operator runs it."""
    import json
    import os

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hoppid.reporting.rebuild",
        env={**KEEP_EVERYTHING, **os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 300)
    assert process.returncode == 0, err.decode()[-3000:]
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


GROUPS = ("figures", "offices", "partner-facts")


async def drained(prefix: str, topic: str, groups: tuple[str, ...] = GROUPS) -> None:
    """Wait until every consumer group of reporting has committed up to the topic's end."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(**kafka_client())
    consumer = AIOKafkaConsumer(**kafka_client(), group_id=None)
    await admin.start()
    await consumer.start()
    try:
        [described] = await admin.describe_topics([topic])
        partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
        assert partitions, f"{topic} has no partitions"

        async def no_lag() -> bool:
            ends = await consumer.end_offsets(partitions)
            for group in groups:
                committed = await admin.list_consumer_group_offsets(
                    f"{prefix}hoppid.reporting.{group}"
                )
                for partition, end in ends.items():
                    if end and (partition not in committed or committed[partition].offset < end):
                        return False
            return True

        await eventually(no_lag, timeout=120, what=f"reporting consumed {topic}")
    finally:
        await consumer.stop()
        await admin.close()


# --- the scripted stream used by the figures and rebuild tests -------------------------------

P1, P2, P3, P4 = "person-1", "person-2", "person-3", "person-4"
ORG_A, ORG_D, ORG_E = "923609016", "974760673", "982463718"


def scenario() -> tuple[list[Envelope], dict[str, Envelope]]:
    """Six cases at three offices, with duplicates and events out of order.

    Person 1 has three cases (two at Nordveggen in March and May, one at Ålesund as a running
    company); person 3's case opened in 2025 and registered its company in 2026, too late for
    "within 12 months"; case D's company arrives *before* its case.opened. Returns the stream
    (in the order produced) and some envelopes by name for the assertions.
    """
    s = Script()
    n: dict[str, Envelope] = {}
    n["A"] = s.opened(
        "case-a", P1, "nordveggen", "1539", "2026-03-10T09:00", ("guidance", "course")
    )
    n["B"] = s.opened("case-b", P1, "nordveggen", "1539", "2026-05-02T09:00", ("application_help",))
    n["C"] = s.opened("case-c", P1, "alesund", "1508", "2026-05-20T09:00", stage="running")
    n["D"] = s.opened(
        "case-d", P2, "alesund", "1508", "2026-04-15T09:00", ("guidance", "network_introduction")
    )
    n["E"] = s.opened("case-e", P3, "molde", "1506", "2025-01-10T09:00")
    n["F"] = s.opened("case-f", P4, "molde", "1506", "2026-07-07T09:00")
    company_a = s.company(
        "case-a", P1, "nordveggen", "1539", "2026-09-01", "2026-03-10T09:00", ORG_A, share=True
    )
    company_d = s.company("case-d", P2, "alesund", "1508", "2026-10-01", "2026-04-15T09:00", ORG_D)
    company_e = s.company("case-e", P3, "molde", "1506", "2026-02-01", "2025-01-10T09:00", ORG_E)
    granted = s.decided("case-a", "nordveggen", "app-1", "2026-05-15T10:00", "granted", 50_000)
    intro = s.introduction("case-a", "nordveggen", "intro-1", "2026-04-10T10:00", "mentor")
    stream = [
        s.office("nordveggen", 32_000, "2025-12-01T08:00", "Nordveggen"),
        s.office("alesund", 48_000, "2026-01-05T08:00", "hoppid.no Ålesund"),
        s.office("alesund", 60_000, "2026-06-01T08:00", "hoppid.no Ålesund"),
        s.office("molde", 32_000, "2025-12-01T08:00", "hoppid.no Molde"),
        s.received("case-a", P1, "nordveggen", "1539"),
        n["A"],
        n["A"],  # duplicate
        s.status("case-a", "nordveggen", "in_guidance", "2026-03-20T09:00", "contacted"),
        s.status("case-a", "nordveggen", "contacted", "2026-03-12T09:00"),  # late
        granted,  # decided before recorded
        s.application("case-a", "nordveggen", "app-1", "2026-04-01T10:00", 100_000),
        granted,  # duplicate
        intro,
        intro,  # duplicate
        n["B"],
        n["C"],
        company_d,  # before its case opened
        n["D"],
        company_d,  # duplicate
        company_a,
        s.status("case-a", "nordveggen", "company_registered", "2026-09-01T12:00", "in_guidance"),
        company_a,  # duplicate
        n["E"],
        company_e,
        n["F"],
        s.status("case-f", "molde", "contacted", "2026-07-08T09:00"),
        s.status("case-f", "molde", "closed", "2026-08-08T09:00", "contacted"),
        s.application("case-f", "molde", "app-2", "2026-07-10T10:00", 200_000),
        s.decided("case-f", "molde", "app-2", "2026-08-01T10:00", "rejected"),
        s.introduction("case-f", "molde", "intro-2", "2026-07-15T10:00", "investor"),
        s.erasure(P1, ["case-a", "case-b", "case-c"]),
        n["F"],  # duplicate, late
    ]
    return stream, n


COUNTY_2026 = {
    "inquiries": 5,
    "people_served": 3,
    "need_guidance": 4,
    "need_course": 1,
    "need_application_help": 1,
    "need_network_introduction": 1,
    "need_office_seat": 0,
    "stage_running": 1,
    "companies_registered": 3,
    "companies_within_12_months": 2,
    "conversion_rate": 0.4,
    "applications_recorded": 2,
    "applications_asked_nok": 300_000,
    "applications_granted": 1,
    "granted_amount_nok": 50_000,
    "applications_rejected": 1,
    "introductions": 2,
    "budget_eur": 124_000.0,
    "cost_per_person_served_eur": 41_333.33,
    "cost_per_company_eur": 41_333.33,
}


def subset(row: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {name: row.get(name) for name in expected}


# --- the scripted meeting stream (intake's cases + scheduling's meetings) ----------------------


def meeting_scenario() -> tuple[list[Envelope], list[Envelope], dict[str, Envelope]]:
    """Five cases with meetings at three offices; returns (intake, scheduling, by name).

    The scheduling stream is produced *first*, so every meeting is booked before its case is
    known; it also holds duplicates, a move, a cancellation before its booking, and a meeting of
    a case intake never opened (it never counts).

    ============  ========  ===============  ======================================  ==========
    case          office    opened (UTC)     meetings                                first, days
    ============  ========  ===============  ======================================  ==========
    case-m1       nordv.    03-02 09:00      b1 03-05 09:00 held                     3.0
    case-m2       nordv.    03-10 12:00      b2 03-20 -> moved 03-17 12:00, no-show  7.0
    case-m3       alesund   03-15 08:00      b3 03-16 cancelled; b4 03-25 08:00 held  10.0
    case-m4       alesund   04-01 08:00      b5 04-02 20:00 booked                   1.5
    case-m5       molde     03-20 08:00      b6 03-21 cancelled                      -
    ============  ========  ===============  ======================================  ==========
    """
    s, m = Script(), Meetings()
    n: dict[str, Envelope] = {}
    n["m1"] = s.opened("case-m1", "person-m1", "nordveggen", "1539", "2026-03-02T09:00")
    n["m2"] = s.opened("case-m2", "person-m2", "nordveggen", "1539", "2026-03-10T12:00")
    n["m3"] = s.opened("case-m3", "person-m3", "alesund", "1508", "2026-03-15T08:00")
    intake = [
        n["m1"],
        n["m2"],
        n["m3"],
        s.opened("case-m4", "person-m4", "alesund", "1508", "2026-04-01T08:00"),
        s.opened("case-m5", "person-m5", "molde", "1506", "2026-03-20T08:00"),
        n["m2"],  # duplicate
    ]
    n["b1"] = m.booked("b1", "case-m1", "nordveggen", "2026-03-05T09:00", "2026-03-02T10:00")
    n["b1_held"] = m.held("b1", "2026-03-05T09:00")
    n["b2"] = m.booked("b2", "case-m2", "nordveggen", "2026-03-20T12:00", "2026-03-10T13:00")
    n["b2_moved"] = m.rescheduled("b2", "2026-03-17T12:00", "2026-03-20T12:00", "2026-03-11T08:00")
    n["b3_booked"] = m.booked("b3", "case-m3", "alesund", "2026-03-16T08:00", "2026-03-15T09:00")
    n["b4"] = m.booked("b4", "case-m3", "alesund", "2026-03-25T08:00", "2026-03-15T10:00")
    n["b2_missed"] = m.missed("b2", "2026-03-17T12:00")
    n["b4_held"] = m.held("b4", "2026-03-25T08:00")
    n["b5"] = m.booked("b5", "case-m4", "alesund", "2026-04-02T20:00", "2026-04-01T09:00")
    scheduling = [
        n["b1"],
        n["b1_held"],
        n["b1_held"],  # duplicate
        n["b2"],
        n["b2"],  # duplicate
        n["b2_moved"],
        n["b2_missed"],
        m.cancelled("b3", "2026-03-16T08:00", "2026-03-15T11:00"),  # before its booking
        n["b3_booked"],
        n["b4"],
        n["b4_held"],
        n["b5"],
        m.booked("b6", "case-m5", "molde", "2026-03-21T08:00", "2026-03-20T09:00"),
        m.cancelled("b6", "2026-03-21T08:00", "2026-03-20T10:00"),
        m.booked("b7", "case-never", "molde", "2026-03-22T08:00", "2026-03-20T09:00"),
    ]
    return intake, scheduling, n


# --- scheduling's group programmes and desks ----------------------------------------------------


@dataclass
class Groups:
    """Builds scheduling's programme and seat events as it publishes them (subject: the
    programme, or the seat booking; the office's first municipality as the extension)."""

    programmes: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> office, kind

    def programme(self, programme: str, office: str, kind: str) -> None:
        self.programmes[programme] = (office, kind)

    def _ids(self, programme: str, enrolment: str, participants: int) -> dict[str, Any]:
        office, kind = self.programmes[programme]
        school = kind == "school_programme"
        return {
            "programme_id": programme,
            "office_id": office,
            "kind": kind,
            "enrolment_id": enrolment,
            "person_id": None if school else f"person-{enrolment}",
            "case_id": None,
            "participants": participants,
        }

    def _out(self, event: Event, subject: str, office: str) -> Envelope:
        return event.to_envelope(
            source=sc.SOURCE, subject=subject, office=office, municipality="9999"
        )

    def enrolled(
        self, programme: str, enrolment: str, when: str, participants: int = 1
    ) -> Envelope:
        ids = self._ids(programme, enrolment, participants)
        event = sc.ProgrammeEnrolled(**ids, enrolled_by="staff", enrolled_at=at(when))
        return self._out(event, programme, ids["office_id"])

    def waitlisted(
        self, programme: str, enrolment: str, when: str, participants: int = 1
    ) -> Envelope:
        ids = self._ids(programme, enrolment, participants)
        event = sc.ProgrammeWaitlisted(
            **ids, position=1, waitlisted_by="entrepreneur", waitlisted_at=at(when)
        )
        return self._out(event, programme, ids["office_id"])

    def promoted(
        self, programme: str, enrolment: str, when: str, participants: int = 1
    ) -> Envelope:
        ids = self._ids(programme, enrolment, participants)
        event = sc.ProgrammePromoted(**ids, promoted_at=at(when))
        return self._out(event, programme, ids["office_id"])

    def cancelled(
        self, programme: str, enrolment: str, when: str, was: str, participants: int = 1
    ) -> Envelope:
        ids = self._ids(programme, enrolment, participants)
        event = sc.ProgrammeEnrolmentCancelled(
            **ids,
            was=was,
            cancelled_by="staff",
            cancelled_at=at(when),  # type: ignore[arg-type]
        )
        return self._out(event, programme, ids["office_id"])

    def attended(
        self, programme: str, enrolment: str, session: str, start: str, participants: int = 1
    ) -> Envelope:
        ids = self._ids(programme, enrolment, participants)
        event = sc.SessionAttended(
            **ids, session_id=session, session_start=at(start), recorded_at=at(start)
        )
        return self._out(event, programme, ids["office_id"])

    def _seat(self, seat: str, office: str, day: str, half: str) -> dict[str, Any]:
        return {
            "seat_booking_id": seat,
            "office_id": office,
            "desk_id": "desk-1",
            "day": date.fromisoformat(day),
            "half": half,
            "person_id": "person-desk",
        }

    def seat_booked(self, seat: str, office: str, day: str, half: str = "morning") -> Envelope:
        event = sc.SeatBooked(
            **self._seat(seat, office, day, half),
            booked_by="staff",
            booked_at=at(f"{day}T06:00"),
        )
        return self._out(event, seat, office)

    def checked_in(self, seat: str, office: str, day: str, half: str = "morning") -> Envelope:
        event = sc.SeatCheckedIn(
            **self._seat(seat, office, day, half), checked_in_at=at(f"{day}T08:00")
        )
        return self._out(event, seat, office)

    def released(
        self, seat: str, office: str, day: str, reason: str, half: str = "morning"
    ) -> Envelope:
        event = sc.SeatReleased(
            **self._seat(seat, office, day, half),
            reason=reason,  # type: ignore[arg-type]
            released_by="system" if reason == "no_show" else "staff",
            released_at=at(f"{day}T09:00"),
        )
        return self._out(event, seat, office)


def group_scenario() -> tuple[list[Envelope], dict[str, Envelope]]:
    """Programmes and desks at Molde and Ålesund, with duplicates and events out of order.

    Course at Molde: e1 and e2 enrolled in March, e2 cancelled (its cancellation arrives first)
    which promotes e3 in April; e4 waited and cancelled (counts nothing). Camp at Ålesund: e5
    enrolled at 00:30 Oslo on 1 April (22:30 UTC the day before), attended, then cancelled.
    Growth programme at Ålesund: e6. School programme at Molde: class k1 (25) and k3 (18,
    cancelled before it is seen enrolled) enrolled, k2 (20) promoted; 22 of k1 and 20 of k2
    came. Desks at Molde: d1 used, d2 no-show, d3 cancelled before use (released first), d4
    checked in and cancelled (left early, its check-in arrives last), d5 in April; d6 at Ålesund.
    """
    g = Groups()
    g.programme("prog-c", "molde", "course")
    g.programme("prog-i", "alesund", "innovation_camp")
    g.programme("prog-g", "alesund", "growth_programme")
    g.programme("prog-s", "molde", "school_programme")
    n: dict[str, Envelope] = {}
    n["e1"] = g.enrolled("prog-c", "e1", "2026-03-05T10:00")
    n["e2"] = g.enrolled("prog-c", "e2", "2026-03-06T10:00")
    n["e2_cancelled"] = g.cancelled("prog-c", "e2", "2026-04-02T10:00", "enrolled")
    n["e3"] = g.promoted("prog-c", "e3", "2026-04-02T10:00")
    n["e1_s1"] = g.attended("prog-c", "e1", "s1", "2026-04-10T08:00")
    n["e3_s1"] = g.attended("prog-c", "e3", "s1", "2026-04-10T08:00")
    n["e1_s2"] = g.attended("prog-c", "e1", "s2", "2026-04-30T22:30")  # 1 May in Oslo
    n["e5"] = g.enrolled("prog-i", "e5", "2026-03-31T22:30")  # 1 April in Oslo
    n["e5_s1"] = g.attended("prog-i", "e5", "s1", "2026-04-15T08:00")
    n["e6"] = g.enrolled("prog-g", "e6", "2026-04-03T10:00")
    n["k1"] = g.enrolled("prog-s", "k1", "2026-03-10T10:00", 25)
    n["k3"] = g.enrolled("prog-s", "k3", "2026-03-09T10:00", 18)
    n["k2"] = g.promoted("prog-s", "k2", "2026-03-12T10:00", 20)
    n["k1_s1"] = g.attended("prog-s", "k1", "s1", "2026-03-20T08:00", 22)
    n["k2_s1"] = g.attended("prog-s", "k2", "s1", "2026-03-20T08:00", 20)
    for seat, day in (("d1", "2026-03-16"), ("d2", "2026-03-16"), ("d3", "2026-03-17")):
        n[seat] = g.seat_booked(seat, "molde", day, "afternoon" if seat == "d2" else "morning")
    n["d4"] = g.seat_booked("d4", "molde", "2026-03-18")
    n["d5"] = g.seat_booked("d5", "molde", "2026-04-01")
    stream = [
        n["e1"],
        n["e1"],  # duplicate
        n["e2_cancelled"],  # before its enrolment
        n["e2"],
        g.waitlisted("prog-c", "e3", "2026-03-07T10:00"),
        n["e3"],
        n["e3"],  # duplicate
        g.waitlisted("prog-c", "e4", "2026-03-08T10:00"),
        g.cancelled("prog-c", "e4", "2026-03-09T10:00", "waitlisted"),
        n["e1_s1"],
        n["e3_s1"],
        n["e1_s1"],  # duplicate
        n["e1_s2"],
        n["e5"],
        n["e5_s1"],
        g.cancelled("prog-i", "e5", "2026-04-20T10:00", "enrolled"),
        n["e6"],
        n["k1"],
        g.cancelled("prog-s", "k3", "2026-03-12T10:00", "enrolled", 18),  # before its enrolment
        n["k3"],
        g.waitlisted("prog-s", "k2", "2026-03-11T10:00", 20),
        n["k2"],
        n["k1_s1"],
        n["k1_s1"],  # duplicate
        n["k2_s1"],
        n["d1"],
        g.checked_in("d1", "molde", "2026-03-16"),
        n["d2"],
        g.released("d2", "molde", "2026-03-16", "no_show", "afternoon"),
        g.released("d3", "molde", "2026-03-17", "cancelled"),  # before its booking
        n["d3"],
        n["d4"],
        g.released("d4", "molde", "2026-03-18", "cancelled"),
        g.checked_in("d4", "molde", "2026-03-18"),  # the check-in arrives after the release
        n["d5"],
        n["d5"],  # duplicate
        g.checked_in("d5", "molde", "2026-04-01"),
        g.seat_booked("d6", "alesund", "2026-03-20", "afternoon"),
        g.checked_in("d6", "alesund", "2026-03-20", "afternoon"),
    ]
    return stream, n
