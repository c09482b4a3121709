"""notifications's Kafka subscribers, thin: event -> its reaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from hoppid.contracts import intake as intake_events
from hoppid.contracts import scheduling as sched
from hoppid.notifications import exports
from hoppid.notifications.context import Context
from hoppid.notifications.reactions import directory, inquiries, meetings, person, programmes
from hoppid.shared.consumer import EventConsumer
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events.base import expected
from hoppid.shared.service import Runtime

E = TypeVar("E", bound=Event)
Handler = Callable[[Context, E, Envelope], Awaitable[None]]


def _on(consumer: EventConsumer, ctx: Context, model: type[E], handle: Handler[E]) -> None:
    """Hand events of this type to a handler typed for it (the consumer hands any Event)."""

    async def checked(event: Event, envelope: Envelope) -> None:
        await handle(ctx, expected(event, model), envelope)

    consumer.on(model.event_type)(checked)


def install(runtime: Runtime, ctx: Context) -> None:
    """One consumer group over intake's topic, one over scheduling's; each handles events of
    different subjects at once (a subject's events in order: the key is the subject)."""
    intake = runtime.consumer("messages", [runtime.topics.domain("intake")])
    intake.concurrency = ctx.settings.consumer_concurrency  # a subject's events stay in order
    _on(intake, ctx, intake_events.OfficeChanged, lambda c, e, _: directory.office_changed(c, e))
    _on(intake, ctx, intake_events.InquiryReceived, inquiries.inquiry_received)
    _on(intake, ctx, intake_events.CaseOpened, inquiries.case_opened)
    _on(intake, ctx, intake_events.ConsentWithdrawn, person.consent_withdrawn)
    _on(
        intake,
        ctx,
        intake_events.PersonCorrected,
        lambda c, e, _: person.person_corrected(c, e),
    )
    _on(intake, ctx, intake_events.LinkIssued, person.link_issued)
    _on(intake, ctx, intake_events.ErasureRequested, person.erasure_requested)
    _on(intake, ctx, intake_events.PersonExportRequested, exports.answer)
    _on(
        intake,
        ctx,
        intake_events.CaseStatusChanged,
        lambda c, e, _: inquiries.case_status_changed(c, e),
    )

    scheduling = runtime.consumer("meetings", [runtime.topics.domain("scheduling")])
    scheduling.concurrency = ctx.settings.consumer_concurrency
    _on(scheduling, ctx, sched.SlotsOffered, meetings.slots_offered)
    _on(scheduling, ctx, sched.MeetingBooked, meetings.meeting_booked)
    _on(scheduling, ctx, sched.MeetingRescheduled, meetings.meeting_rescheduled)
    _on(scheduling, ctx, sched.ReminderDue, meetings.reminder_due)
    _on(scheduling, ctx, sched.MeetingCancelled, meetings.meeting_cancelled)
    _on(scheduling, ctx, sched.AdvisorChanged, lambda c, e, _: directory.advisor_changed(c, e))
    # group programmes and office seats: on scheduling's topic, in the same consumer group
    _on(scheduling, ctx, sched.ProgrammeEnrolled, programmes.enrolment_changed)
    _on(scheduling, ctx, sched.ProgrammeWaitlisted, programmes.enrolment_changed)
    _on(scheduling, ctx, sched.ProgrammePromoted, programmes.enrolment_changed)
    _on(scheduling, ctx, sched.ProgrammeEnrolmentCancelled, programmes.enrolment_cancelled)
    _on(scheduling, ctx, sched.ProgrammeChanged, programmes.programme_changed)
    _on(scheduling, ctx, sched.SessionReminderDue, programmes.session_reminder)
    _on(scheduling, ctx, sched.SeatBooked, programmes.seat_booked)
