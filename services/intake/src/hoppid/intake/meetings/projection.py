"""What each of scheduling's meeting events changes in a meeting's row, as guarded changes.

Kafka redelivers, and an outbox re-publish or a rebuild can bring a meeting's events out of
order, so every change carries an order key and is applied only when its key is above the one
the row holds for that part (the store's guarded update). A row has two parts with a key each:

- the times (advisor, mode, start, end): from booked and rescheduled, ordered by the meeting's
  calendar ``sequence`` (0 when booked, one more with each move), then by the event's time
  (events from before ``sequence`` existed have none: their time alone orders them);
- the status: booked and rescheduled ordered as the times are; cancelled, held and missed are
  final (scheduling changes only a booked meeting), so they rank above every earlier status
  whatever order they arrive in.

A duplicate has the key the row holds already and changes nothing. Keys are text compared as
text: fixed-width numbers and UTC times, so the text order is the order meant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from hoppid.contracts import scheduling as ev
from hoppid.shared.clock import as_utc
from hoppid.shared.events import Event

KeyField = Literal["times_key", "status_key"]
EVENTS: tuple[type[Event], ...] = (
    ev.MeetingBooked,
    ev.MeetingRescheduled,
    ev.MeetingCancelled,
    ev.MeetingHeld,
    ev.MeetingMissed,
)
STATUSES = ("booked", "rescheduled", "cancelled", "held", "missed")
FINAL = ("cancelled", "held", "missed")


@dataclass(frozen=True)
class Change:
    """One guarded update of a meeting's row (``booking_id``): ``fields`` are set when ``key``
    is above the row's ``key_field``; ``if_new`` only when the row did not exist yet."""

    booking_id: str
    key_field: KeyField
    key: str
    fields: dict[str, Any]
    if_new: dict[str, Any] = field(default_factory=dict)


def order_key(sequence: int | None, at: datetime, final: bool = False) -> str:
    stamp = as_utc(at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return f"{int(final)}:{sequence or 0:09d}:{stamp}"


def changes(event: Event) -> list[Change]:
    """The changes one meeting event makes (none for another event)."""
    if isinstance(event, ev.MeetingBooked | ev.MeetingRescheduled):
        return _moved(event)
    if isinstance(event, ev.MeetingCancelled):
        return [_final(event, "cancelled", event.cancelled_at, event.sequence, {})]
    if isinstance(event, ev.MeetingHeld | ev.MeetingMissed):
        status = "held" if isinstance(event, ev.MeetingHeld) else "missed"
        kind = {"meeting_type": event.meeting_type}
        return [_final(event, status, event.recorded_at, None, kind)]
    return []


def _ids(
    event: ev.MeetingBooked | ev.MeetingRescheduled | ev.MeetingCancelled | Any,
) -> dict[str, Any]:
    return {"case_id": event.case_id, "office_id": event.office_id}


def _moved(event: ev.MeetingBooked | ev.MeetingRescheduled) -> list[Change]:
    booked = isinstance(event, ev.MeetingBooked)
    at = event.booked_at if isinstance(event, ev.MeetingBooked) else event.rescheduled_at
    key = order_key(event.sequence, at)
    times = {"advisor_id": event.advisor_id, "start": event.start, "end": event.end}
    if event.mode is not None:  # older reschedules name no mode: the booked one stays
        times["mode"] = event.mode
    if isinstance(event, ev.MeetingBooked):
        times["meeting_type"] = event.meeting_type
    status = {"status": "booked" if booked else "rescheduled"}
    return [
        Change(event.booking_id, "times_key", key, {**_ids(event), **times}),
        Change(event.booking_id, "status_key", key, {**_ids(event), **status}),
    ]


def _final(
    event: ev.MeetingCancelled | ev.MeetingHeld | ev.MeetingMissed,
    status: str,
    at: datetime,
    sequence: int | None,
    fields: dict[str, Any],
) -> Change:
    """A final status; the times it names are the row's only if no booking came first."""
    known = {"advisor_id": event.advisor_id, "start": event.start}
    return Change(
        event.booking_id,
        "status_key",
        order_key(sequence, at, final=True),
        {**_ids(event), **fields, "status": status},
        if_new=known,
    )
