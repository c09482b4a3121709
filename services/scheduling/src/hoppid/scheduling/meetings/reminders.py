"""Reminders 24 h and 2 h before a meeting: exactly once each, across restarts.

Which reminders are still to send lives on the booking itself (``reminders`` and the time of the
next one, ``reminder_at``), set when the meeting is booked or moved. A poller finds bookings whose
``reminder_at`` has come and, in ONE conditional update of the booking (it must still be booked
and still have that ``reminder_at``), drops the due reminders and writes their ``reminder.due``
events into the booking's outbox. A restart, a second poller or a retry finds nothing left to do;
the outbox may re-publish an event after a crash, with the same id, never a second reminder.
"""

from __future__ import annotations

import logging
from datetime import datetime

from hoppid.contracts import scheduling as ev
from hoppid.scheduling import model
from hoppid.scheduling.context import Context, Document, office_envelope
from hoppid.scheduling.meetings.booking import meeting_ids
from hoppid.shared import polling

log = logging.getLogger("hoppid.scheduling.reminders")


async def send_due(ctx: Context, booking: Document, now: datetime) -> int:
    """Emit the booking's due reminders; returns how many (0 if another pass did it)."""
    due = model.due_reminders(booking["start"], now, booking.get("reminders", []))
    if not due:
        return 0
    left = [kind for kind in booking["reminders"] if kind not in due]
    plan = model.reminder_plan(booking["start"], now, left)
    office = await ctx.office_store.office(booking["office_id"]) or {"_id": booking["office_id"]}
    events = [
        office_envelope(
            ev.ReminderDue(
                **meeting_ids(booking),
                kind=kind,
                advisor_id=booking["advisor_id"],
                mode=booking["mode"],
                start=booking["start"],
                end=booking["end"],
                due_at=booking["start"] - model.REMINDERS[kind],
            ),
            booking["_id"],
            office,
        )
        for kind in due
    ]
    changed = await ctx.meeting_store.advance_reminders(booking, plan.pending, plan.next_at, events)
    if changed is None:
        return 0
    ctx.notify()
    return len(events)


async def send_all_due(ctx: Context) -> None:
    """One pass: every booking whose reminder has come."""
    now = ctx.now()
    for booking in await ctx.meeting_store.reminders_due(now):
        await send_due(ctx, booking, now)


async def run(ctx: Context, interval_seconds: float) -> None:
    """Poll for due reminders until cancelled; errors are logged and tried again."""
    await polling.poll("reminder pass", lambda: send_all_due(ctx), interval_seconds, log)
