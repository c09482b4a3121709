"""Test support for notifications: the service as its own process against the real Kafka, store
and a real SMTP server on loopback; the test plays intake by producing its events.

Imported by name (pytest's pythonpath has this folder), so it must stay uniquely named."""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from aiosmtpd.controller import Controller

from hoppid.contracts import intake as ev
from hoppid.contracts import scheduling as sched
from hoppid.shared.clock import real_now
from hoppid.shared.envelope import Envelope
from hoppid.shared.links import sign_link
from hoppid.shared.pii import PersonalDataVault, vault_kek
from hoppid.shared.testing import (
    ServiceProcess,
    eventually,
    free_port,
    kafka_client,
    kafka_servers,
    mongodb_url,
)

INTAKE = ev.SOURCE
LINK_SECRET = "test-link-secret-of-the-notifications-tests"  # the platform's, as intake signs


def notifications_env(
    topic_prefix: str, unique: str, smtp_port: int, **extra: str
) -> dict[str, str]:
    return {
        "HOPPID_KAFKA_BOOTSTRAP_SERVERS": kafka_servers(),
        "HOPPID_MONGODB_URL": mongodb_url(),
        "HOPPID_TOPIC_PREFIX": topic_prefix,
        "HOPPID_DATABASE": f"test_{unique}",  # the `database` fixture's: dropped after
        "HOPPID_VAULT_DATABASE": f"test_{unique}",  # where the test seals personal fields
        "HOPPID_OUTBOX_RELAY_INTERVAL_SECONDS": "0.2",
        "HOPPID_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "HOPPID_NOTIFICATIONS_SMTP_PORT": str(smtp_port),
        "HOPPID_NOTIFICATIONS_SMTP_TIMEOUT_SECONDS": "60",
        "HOPPID_NOTIFICATIONS_POLL_INTERVAL_SECONDS": "0.2",
        "HOPPID_NOTIFICATIONS_RETRY_BASE_SECONDS": "0.2",
        "HOPPID_NOTIFICATIONS_MAX_ATTEMPTS": "3",
        "HOPPID_NOTIFICATIONS_LINK_BASE_URL": "https://hoppid.example/v1/me/",
        "HOPPID_NOTIFICATIONS_PREFERENCES_BASE_URL": "https://hoppid.example/n/v1/me/",
        "HOPPID_LINK_SECRET": LINK_SECRET,
        **extra,
    }


async def started(service: ServiceProcess) -> ServiceProcess:
    await service.start()
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready, timeout=60, what="notifications ready")
    return service


async def metric(service: ServiceProcess, name: str, **labels: str) -> float:
    """The value of one sample on the service's /metrics, on its metrics port (0 when absent)."""
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(service.metrics_url)).text
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and all(f'{k}="{v}"' in match.group(1) for k, v in labels.items()):
            total += float(match.group(2))
    return total


async def handled(service: ServiceProcess, event_type: type[Any]) -> float:
    return await metric(service, "hoppid_events_handled_total", type=event_type.event_type)


# --- a real SMTP server on loopback ------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return str(self.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]

    @property
    def html(self) -> str:
        return str(self.message.get_body(("html",)).get_content())  # type: ignore[union-attr]

    def calendars(self) -> list[tuple[EmailMessage, bytes]]:
        """The text/calendar attachments: the MIME part and its exact bytes."""
        found = []
        for part in self.message.walk():
            if part.get_content_type() == "text/calendar":
                payload = part.get_payload(decode=True)
                assert isinstance(part, EmailMessage) and isinstance(payload, bytes)
                found.append((part, payload))
        return found


@dataclass
class RecordingHandler:
    """Keeps what it receives; can refuse some recipients (451) or hold its reply to DATA."""

    fail_for: set[str] = field(default_factory=set)
    hold: threading.Event | None = None  # while set is pending, DATA gets no reply
    messages: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    data_started: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.fail_for:
            self.refused.append(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        self.data_started.set()
        if self.hold is not None:  # the text is here; the reply is held back (a thread's Event)
            await asyncio.to_thread(self.hold.wait, 120)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]


class SmtpServer:
    def __init__(self, handler: RecordingHandler) -> None:
        self.handler = handler
        self.port = free_port()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handler.hold is not None:
            self.handler.hold.set()
        self.controller.stop()

    async def mails(self, address: str, count: int) -> list[Received]:
        """The mails to ``address``, once at least ``count`` of them have arrived."""

        async def arrived() -> list[Received] | None:
            found = self.handler.to(address)
            return found if len(found) >= count else None

        found = await eventually(arrived, what=f"{count} mail(s) to {address}")
        assert found is not None  # eventually gives the first truthy answer or fails
        return found


# --- playing intake ----------------------------------------------------------------------------


class IntakeEvents:
    """Produces intake's events onto the test's intake topic, personal fields sealed."""

    def __init__(self, topic_prefix: str, database: Any, domain: str = "intake") -> None:
        self.topic = f"{topic_prefix}hoppid.{domain}"
        self.vault = PersonalDataVault(database, vault_kek(LINK_SECRET))  # as the service opens it
        self.producer = AIOKafkaProducer(**kafka_client(), acks="all")

    async def __aenter__(self) -> IntakeEvents:
        await self.producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.producer.stop()

    async def publish(self, envelope: Envelope) -> Envelope:
        headers = [(k, v.encode()) for k, v in envelope.headers().items()]
        await self.producer.send_and_wait(
            self.topic, envelope.value(), key=envelope.key(), headers=headers
        )
        return envelope

    async def office_changed(self, office_id: str = "nordveggen", **changes: Any) -> Envelope:
        fields: dict[str, Any] = {
            "office_id": office_id,
            "name": "Nordveggen Næringshage",
            "municipalities": ["1539"],
            "languages": ["nb", "nn", "en"],
            "contact_email": "post@nordveggen.example",
            "yearly_budget_eur": 32000,
            "changed_at": real_now(),
            **changes,
        }
        event = ev.OfficeChanged(**fields)
        return await self.publish(
            event.to_envelope(source=INTAKE, subject=office_id, office=office_id)
        )

    async def inquiry_received(
        self,
        email: str,
        *,
        language: str = "nb",
        person_id: str | None = None,
        publish: bool = True,
        signed: bool = False,
    ) -> tuple[Envelope, str]:
        """The sealed event as intake writes it, and the case link token it carries (a real
        signed link with ``signed``)."""
        person_id = person_id or f"person-{uuid.uuid4().hex[:8]}"
        token = f"token-{uuid.uuid4().hex}"
        if signed:
            token = sign_link(LINK_SECRET, person_id, 0, real_now(), 90)
        case_id = f"case-{uuid.uuid4().hex[:8]}"
        event = ev.InquiryReceived(
            case_id=case_id,
            office_id="nordveggen",
            person_id=person_id,
            reference=f"HOP-{uuid.uuid4().hex[:4].upper()}-TEST",
            municipality="1539",
            language=language,  # type: ignore[arg-type]
            needs=["guidance"],
            received_at=real_now(),
            name="Kari Nordmann",
            email=email,
            case_link_token=token,
        )
        envelope = event.to_envelope(
            source=INTAKE, subject=case_id, office="nordveggen", municipality="1539"
        )
        sealed = await self.vault.seal(envelope, ev.InquiryReceived, person_id)
        return (await self.publish(sealed) if publish else sealed), token

    async def case_opened(
        self, case_id: str = "case-x", language: str = "en", reference: str = "HOP-CASE-OPEN"
    ) -> Envelope:
        event = ev.CaseOpened(
            case_id=case_id,
            office_id="nordveggen",
            person_id="person-x",
            reference=reference,
            municipality="1539",
            needs=["guidance", "office_seat"],
            stage="idea",
            language=language,  # type: ignore[arg-type]
            meeting_mode="digital",
            opened_at=real_now(),
            first_case_of_person=True,
        )
        return await self.publish(
            event.to_envelope(
                source=INTAKE, subject=case_id, office="nordveggen", municipality="1539"
            )
        )

    async def consent_withdrawn(self, person_id: str, consent: str = "processing") -> Envelope:
        event = ev.ConsentWithdrawn(
            person_id=person_id,
            consent=consent,
            withdrawn_at=real_now(),  # type: ignore[arg-type]
        )
        return await self.publish(event.to_envelope(source=INTAKE, subject=person_id))

    async def person_corrected(
        self,
        person_id: str,
        name: str,
        language: str,
        at: datetime | None = None,
        publish: bool = True,
    ) -> Envelope:
        """A correction through the person's link, sealed as intake writes it."""
        event = ev.PersonCorrected(
            person_id=person_id,
            corrected=["name", "language"],
            language=language,  # type: ignore[arg-type]
            corrected_at=at or real_now(),
            name=name,
            phone="+4791234567",
        )
        envelope = event.to_envelope(source=INTAKE, subject=person_id)
        sealed = await self.vault.seal(envelope, ev.PersonCorrected, person_id)
        return await self.publish(sealed) if publish else sealed

    async def link_issued(self, person_id: str, email: str, token: str) -> Envelope:
        """A new link the person asked for, sealed as intake writes it."""
        event = ev.LinkIssued(
            person_id=person_id,
            office_id="nordveggen",
            language="en",
            issued_at=real_now(),
            name="Kari Nordmann",
            email=email,
            link_token=token,
        )
        envelope = event.to_envelope(source=INTAKE, subject=person_id)
        return await self.publish(await self.vault.seal(envelope, ev.LinkIssued, person_id))

    async def case_status_changed(self, case_id: str, to_status: str) -> Envelope:
        event = ev.CaseStatusChanged(
            case_id=case_id,
            office_id="nordveggen",
            from_status="new",
            to_status=to_status,  # type: ignore[arg-type]
            changed_at=real_now(),
        )
        return await self.publish(
            event.to_envelope(source=INTAKE, subject=case_id, office="nordveggen")
        )

    async def erasure_requested(self, person_id: str, case_ids: list[str]) -> Envelope:
        await self.vault.destroy(person_id)  # intake destroys the key first
        event = ev.ErasureRequested(person_id=person_id, case_ids=case_ids, requested_at=real_now())
        return await self.publish(event.to_envelope(source=INTAKE, subject=person_id))


# --- playing scheduling ------------------------------------------------------------------------


class SchedulingEvents(IntakeEvents):
    """Produces scheduling's (plain: they hold no personal data) events on its topic."""

    def __init__(self, topic_prefix: str, database: Any) -> None:
        super().__init__(topic_prefix, database, domain="scheduling")

    async def meeting_booked(
        self,
        person_id: str,
        case_id: str,
        start: datetime,
        booking_id: str | None = None,
        advisor_id: str = "advisor-1",
        mode: sched.MeetingMode = "in_person",
        join_url: str | None = None,
        sequence: int | None = None,
        sent_at: datetime | None = None,
    ) -> Envelope:
        """As scheduling publishes it, now (or at ``sent_at``: an event read late)."""
        booking_id = booking_id or f"booking-{uuid.uuid4().hex[:8]}"
        event = sched.MeetingBooked(
            booking_id=booking_id,
            office_id="nordveggen",
            case_id=case_id,
            person_id=person_id,
            advisor_id=advisor_id,
            meeting_type="first_guidance",
            mode=mode,
            start=start,
            end=start + timedelta(hours=1),
            booked_by="staff",
            booked_at=real_now(),
            join_url=join_url,
            sequence=sequence,
        )
        envelope = event.to_envelope(source=sched.SOURCE, subject=booking_id, office="nordveggen")
        if join_url is not None:  # as scheduling writes it: the link sealed with the person's key
            envelope = await self.vault.seal(envelope, sched.MeetingBooked, person_id)
        if sent_at is not None:
            envelope = replace(envelope, time=sent_at)
        return await self.publish(envelope)

    async def meeting_rescheduled(
        self,
        booked: Envelope,
        start: datetime,
        mode: sched.MeetingMode | None = None,
        sequence: int | None = None,
    ) -> Envelope:
        data = booked.data
        event = sched.MeetingRescheduled(
            booking_id=data["booking_id"],
            office_id="nordveggen",
            case_id=data["case_id"],
            person_id=data["person_id"],
            advisor_id="advisor-1",
            previous_advisor_id="advisor-1",
            start=start,
            end=start + timedelta(minutes=45),
            previous_start=datetime.fromisoformat(data["start"]),
            rescheduled_by="entrepreneur",
            rescheduled_at=real_now(),
            mode=mode,
            sequence=sequence,
        )
        return await self.publish(
            event.to_envelope(source=sched.SOURCE, subject=booked.subject, office="nordveggen")
        )

    async def meeting_cancelled(
        self,
        booked: Envelope,
        start: datetime,
        sequence: int | None = None,
        reason: Any = "entrepreneur",
    ) -> Envelope:
        data = booked.data
        event = sched.MeetingCancelled(
            booking_id=data["booking_id"],
            office_id="nordveggen",
            case_id=data["case_id"],
            person_id=data["person_id"],
            advisor_id="advisor-1",
            start=start,
            reason=reason,
            cancelled_by="system" if reason == "erasure" else "entrepreneur",
            cancelled_at=real_now(),
            sequence=sequence,
        )
        return await self.publish(
            event.to_envelope(source=sched.SOURCE, subject=booked.subject, office="nordveggen")
        )

    async def slots_offered(self, person_id: str, case_id: str, starts: list[datetime]) -> Envelope:
        slots = [
            sched.OfferedSlot(
                start=start, end=start + timedelta(hours=1), advisor_id="advisor-1", mode=mode
            )
            for start, mode in zip(starts, ["in_person", "digital"] * len(starts), strict=False)
        ]
        event = sched.SlotsOffered(
            case_id=case_id,
            office_id="nordveggen",
            person_id=person_id,
            meeting_type="first_guidance",
            slots=slots,
            offered_at=real_now(),
        )
        return await self.publish(
            event.to_envelope(source=sched.SOURCE, subject=case_id, office="nordveggen")
        )

    async def scheduling_event(self, event: Any, subject: str) -> Envelope:
        envelope = event.to_envelope(source=sched.SOURCE, subject=subject, office="nordveggen")
        return await self.publish(envelope)

    async def advisor_changed(
        self, advisor_id: str, email: str, languages: list[str], active: bool = True
    ) -> Envelope:
        """As scheduling writes it: name and address sealed with the advisor's key."""
        event = sched.AdvisorChanged(
            advisor_id=advisor_id,
            office_id="nordveggen",
            name=f"Rådgiver {advisor_id}",
            email=email,
            languages=languages,
            active=active,
            changed_at=real_now(),
        )
        envelope = event.to_envelope(source=sched.SOURCE, subject=advisor_id, office="nordveggen")
        return await self.publish(await self.vault.seal(envelope, sched.AdvisorChanged, advisor_id))

    async def enrolment(
        self, model: Any, programme_id: str, person_id: str | None, **fields: Any
    ) -> Envelope:
        """A programme.enrolled / waitlisted / promoted / enrolment_cancelled event."""
        times = {
            sched.ProgrammeEnrolled: {"enrolled_by": "entrepreneur", "enrolled_at": None},
            sched.ProgrammeWaitlisted: {"waitlisted_by": "entrepreneur", "waitlisted_at": None},
            sched.ProgrammePromoted: {"promoted_at": None},
            sched.ProgrammeEnrolmentCancelled: {"cancelled_by": "staff", "cancelled_at": None},
        }[model]
        defaults = {k: v or real_now() for k, v in times.items()}
        event = model(
            programme_id=programme_id,
            office_id="nordveggen",
            kind="course",
            enrolment_id=fields.pop("enrolment_id", f"enrolment-{person_id}"),
            person_id=person_id,
            participants=1 if person_id else 24,
            **{**defaults, **fields},
        )
        return await self.scheduling_event(event, programme_id)


# --- waits of the tests ------------------------------------------------------------------------


async def office_kept(intake_events: IntakeEvents, database: Any) -> None:
    """Nordveggen's office as intake announces it, once notifications keeps it (its partition
    may be read after a later inquiry's, whose mail would then lack the office's sender)."""
    await intake_events.office_changed(name="Nordveggen Næringshage")

    async def known() -> bool:
        return await database["offices"].find_one({"_id": "nordveggen"}) is not None

    await eventually(known, what="the office kept")


async def person_with_receipt(
    intake_events: IntakeEvents, smtp: SmtpServer, email: str, language: str
) -> str:
    """A person intake tells about (their inquiry), once their receipt is mailed (so their
    contact copy is kept): their id."""
    inquiry, _ = await intake_events.inquiry_received(email, language=language)
    await smtp.mails(email, 1)
    return str(inquiry.data["person_id"])
