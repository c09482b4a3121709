"""A person's export of everything the platform holds about them (GDPR art. 15 and 20).

Through their link the person asks for it; intake records the request (``exports``, its
outbox) and publishes ``person.export_requested``. scheduling and notifications answer on their
own topics with their part (``person_export.answered``, the part sealed with the person's key);
intake keeps each part sealed the same way (so an erasure makes a kept export unreadable at
once), the first answer of each service only (a part delivered twice changes nothing). intake's
own part is read when the export is shown; reporting holds only counts, and the export says so.

The export is complete when every expected part is in, or, after ``timeout`` from the request,
shown with the missing parts named. It is kept ``keep`` after the request and then deleted (a
pass in the background, and never shown after it).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from hoppid.contracts import intake as ev
from hoppid.contracts import notifications as notification_events
from hoppid.contracts import scheduling as scheduling_events
from hoppid.intake.audit import trail
from hoppid.intake.context import Context, NotFound, person_event
from hoppid.intake.exports import export_body
from hoppid.intake.people.use_cases import my_data
from hoppid.intake.person_export_store import EXPORTS as EXPORTS  # main.py's names
from hoppid.intake.person_export_store import INDEXES as INDEXES
from hoppid.intake.person_export_store import ExportStore
from hoppid.shared import polling
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event

log = logging.getLogger("hoppid.intake.export")

# the services that answer with a part, and the event each answers with
ANSWERS: dict[str, type[Event]] = {
    "scheduling": scheduling_events.SchedulingExportAnswered,
    "notifications": notification_events.NotificationsExportAnswered,
}
Answered = (
    scheduling_events.SchedulingExportAnswered | notification_events.NotificationsExportAnswered
)
SERVICES = ("intake", "scheduling", "notifications", "reporting")
Status = Literal["gathering", "complete", "incomplete"]
Document = dict[str, Any]

# what each part is and why it is kept, in the person's language (the JSON and the page)
ABOUT: dict[str, dict[str, dict[str, str]]] = {
    "intake": {
        "nb": {
            "what": "Deg og sakene dine: navn, e-post, telefon, språk, samtykkene dine, "
            "ideen din, sakens status og historikk, søknader, selskap og introduksjoner.",
            "why": "Kontoret trenger det for å veilede deg (avtalen med deg, GDPR art. 6 "
            "nr. 1 b) og å telle hva kontoret oppnår (anonymt).",
        },
        "nn": {
            "what": "Deg og sakene dine: namn, e-post, telefon, språk, samtykka dine, ideen "
            "din, status og historikk for saka, søknader, selskap og introduksjonar.",
            "why": "Kontoret treng det for å rettleie deg (avtalen med deg, GDPR art. 6 "
            "nr. 1 b) og for å telje kva kontoret oppnår (anonymt).",
        },
        "en": {
            "what": "You and your cases: name, email, phone, language, your consents, your "
            "idea, each case's status and history, applications, company and introductions.",
            "why": "The office needs it to guide you (your agreement with it, GDPR art. "
            "6(1)(b)) and to count what the office achieves (anonymously).",
        },
    },
    "scheduling": {
        "nb": {
            "what": "Tider du har fått tilbud om, møtene dine, plassene dine på kurs og "
            "program (og oppmøte), ventelisteplasser og kontorplassene du har booket.",
            "why": "For å holde av tid og plass til deg og minne deg på det.",
        },
        "nn": {
            "what": "Tider du har fått tilbod om, møta dine, plassane dine på kurs og "
            "program (og oppmøte), venteliste-plassar og kontorplassane du har booka.",
            "why": "For å halde av tid og plass til deg og minne deg på det.",
        },
        "en": {
            "what": "The times offered to you, your meetings, your places in courses and "
            "programmes (and attendance), waitlist places and the desks you booked.",
            "why": "To keep the time and place for you and to remind you of them.",
        },
    },
    "notifications": {
        "nb": {
            "what": "Navnet, e-postadressen og språket meldingene går til, valgene dine for "
            "meldinger, og hver melding sendt til deg (hvilken, kanal, adresse, emne, status, "
            "tid; ikke teksten, som slettes når meldingen er sendt).",
            "why": "For å sende deg kvitteringer, tider og påminnelser, én gang, på ditt "
            "språk, og kunne vise at de ble sendt.",
        },
        "nn": {
            "what": "Namnet, e-postadressa og språket meldingane går til, vala dine for "
            "meldingar, og kvar melding sendt til deg (kva for ei, kanal, adresse, emne, "
            "status, tid; ikkje teksten, som blir sletta når meldinga er sendt).",
            "why": "For å sende deg kvitteringar, tider og påminningar, éin gong, på ditt "
            "språk, og kunne vise at dei vart sende.",
        },
        "en": {
            "what": "The name, address and language messages go to, your message choices, "
            "and every message sent to you (which, channel, address, subject, status, times; "
            "not the text, which is deleted once the message is sent).",
            "why": "To send you receipts, times and reminders, once, in your language, and "
            "to be able to show they were sent.",
        },
    },
    "reporting": {
        "nb": {
            "what": "Ingenting om deg: bare tall (hvor mange henvendelser, møter, selskap) "
            "per kontor og kommune.",
            "why": "Fylket, kommunen og partnerne følger hva kontorene oppnår; tallene "
            "peker ikke på noen person.",
        },
        "nn": {
            "what": "Ingenting om deg: berre tal (kor mange førespurnader, møte, selskap) "
            "per kontor og kommune.",
            "why": "Fylket, kommunen og partnarane følgjer kva kontora oppnår; tala peikar "
            "ikkje på nokon person.",
        },
        "en": {
            "what": "Nothing about you: only counts (how many inquiries, meetings, "
            "companies) per office and municipality.",
            "why": "The county, the municipality and the partners follow what the offices "
            "achieve; the counts point to no person.",
        },
    },
}


@dataclass
class Exports:
    """The export's use cases: intake's context, the settings' times."""

    ctx: Context
    timeout: timedelta
    keep: timedelta

    @property
    def store(self) -> ExportStore:
        return ExportStore(self.ctx.store.db, self.ctx.store.topic)


def status_of(export: Document, now: datetime) -> tuple[Status, list[str]]:
    """gathering, complete or incomplete (the time is up), and the parts not in."""
    missing = [s for s in export["expected"] if s not in (export.get("parts") or {})]
    if not missing:
        return "complete", []
    if now >= export["requested_at"] + export_timeout(export):
        return "incomplete", missing
    return "gathering", missing


def export_timeout(export: Document) -> timedelta:
    return timedelta(seconds=float(export["timeout_seconds"]))


async def request(exports: Exports, person_id: str) -> Document:
    """A new export of the person, or the one being gathered for them now (asked twice)."""
    ctx, now = exports.ctx, exports.ctx.now()
    await my_data(ctx, person_id)  # NotFound for an erased person
    await trail.person_act(ctx, person_id, "export", trail.the_person(person_id), "link")
    recent = await exports.store.newest_of(person_id, now - exports.timeout)
    if recent is not None and status_of(recent, now)[0] == "gathering":
        return recent
    export_id = str(uuid.uuid4())
    event = ev.PersonExportRequested(export_id=export_id, person_id=person_id, requested_at=now)
    export: Document = {
        "_id": export_id,
        "person_id": person_id,
        "requested_at": now,
        "expected": list(ANSWERS),
        "timeout_seconds": exports.timeout.total_seconds(),
        "parts": {},
    }
    envelope = person_event(event, person_id)
    await exports.store.add(export, [envelope])
    ctx.notify()
    return export


async def receive_part(exports: Exports, service: str, event: Event, envelope: Envelope) -> bool:
    """Keep a service's answer, sealed, unless its part is in already; True if kept now."""
    model = ANSWERS[service]
    if not isinstance(event, model) or not isinstance(event, Answered):
        raise TypeError(f"{service}'s export answer handler was given {event.event_type}")
    person_id = event.person_id
    try:
        sealed = await exports.ctx.vault.seal(envelope, model, person_id)
    except PermissionError:
        return False  # erased meanwhile: nothing of theirs is kept
    part = {"answered_at": event.answered_at, "part": sealed.data.get("part")}
    return await exports.store.keep_part(event.export_id, person_id, service, part)


async def find(exports: Exports, person_id: str, export_id: str) -> Document:
    """The person's export, if it is theirs and not past its time (else NotFound)."""
    export = await exports.store.of_person(export_id, person_id)
    now = exports.ctx.now()
    if export is None or export["requested_at"] + exports.keep <= now:
        raise NotFound(export_id)
    return export


async def view(exports: Exports, person_id: str, export_id: str) -> Document:
    """The export as the person gets it (JSON values): its status and, once it is complete or
    the time is up, every part with what it is and why it is kept, the missing ones named."""
    export = await find(exports, person_id, export_id)
    status, missing = status_of(export, exports.ctx.now())
    data = await my_data(exports.ctx, person_id)
    language = data["person"].get("language") or "nb"
    body: Document = {
        "export_id": export["_id"],
        "requested_at": export["requested_at"].isoformat(),
        "status": status,
        "missing": missing,
        "kept_until": (export["requested_at"] + exports.keep).isoformat(),
        "language": language,
    }
    if status == "gathering":
        return body
    parts = {"intake": export_body(data), "reporting": None}
    for service in ANSWERS:
        parts[service] = await _opened(exports, service, person_id, export)
    body["parts"] = [
        {
            "service": service,
            **ABOUT[service][language],
            "received": service not in missing,
            "data": parts[service],
        }
        for service in SERVICES
    ]
    return body


async def _opened(exports: Exports, service: str, person_id: str, export: Document) -> Any:
    kept = (export.get("parts") or {}).get(service)
    if kept is None or kept.get("part") is None:
        return None
    envelope = Envelope(
        type=ANSWERS[service].event_type,
        source=ev.SOURCE,
        subject=person_id,
        data={"part": kept["part"]},
    )
    opened = await exports.ctx.vault.unseal(envelope)
    text = opened.data.get("part")
    return None if text is None else json.loads(text)


async def purge(exports: Exports) -> int:
    """Delete the exports past their time; how many."""
    cutoff = exports.ctx.now() - exports.keep
    return await exports.store.delete_before(cutoff)


async def run_purge(exports: Exports, every_seconds: float) -> None:
    """Purge now and then until cancelled; errors are logged and tried again."""

    async def one_pass() -> None:
        await purge(exports)

    await polling.poll("purging old exports", one_pass, every_seconds, log)
