"""notifications's Kafka subscribers, thin: event -> handler."""

from __future__ import annotations

from hoppid.notifications import handlers, meetings, programmes, staff
from hoppid.notifications.delivery import Context
from hoppid.shared.consumer import EventConsumer
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events import intake as intake_events
from hoppid.shared.events import scheduling as scheduling_events
from hoppid.shared.service import Runtime


def install(runtime: Runtime, ctx: Context) -> None:
    """One consumer group over intake's topic, one over scheduling's."""
    consumer = runtime.consumer("messages", [runtime.topics.domain("intake")])

    @consumer.on(intake_events.OfficeChanged.event_type)
    async def on_office_changed(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, intake_events.OfficeChanged)
        await handlers.office_changed(ctx, event)

    @consumer.on(intake_events.InquiryReceived.event_type)
    async def on_inquiry_received(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, intake_events.InquiryReceived)
        await handlers.inquiry_received(ctx, event, envelope)

    @consumer.on(intake_events.CaseOpened.event_type)
    async def on_case_opened(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, intake_events.CaseOpened)
        await handlers.case_opened(ctx, event, envelope)

    @consumer.on(intake_events.ConsentWithdrawn.event_type)
    async def on_consent_withdrawn(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, intake_events.ConsentWithdrawn)
        await handlers.consent_withdrawn(ctx, event, envelope)

    @consumer.on(intake_events.ErasureRequested.event_type)
    async def on_erasure_requested(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, intake_events.ErasureRequested)
        await handlers.erasure_requested(ctx, event, envelope)

    @consumer.on(intake_events.CaseStatusChanged.event_type)
    async def on_case_status_changed(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, intake_events.CaseStatusChanged)
        await staff.case_status_changed(ctx, event)

    install_scheduling(runtime, ctx)


def install_scheduling(runtime: Runtime, ctx: Context) -> None:
    consumer = runtime.consumer("meetings", [runtime.topics.domain("scheduling")])

    @consumer.on(scheduling_events.SlotsOffered.event_type)
    async def on_slots_offered(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, scheduling_events.SlotsOffered)
        await meetings.slots_offered(ctx, event, envelope)

    @consumer.on(scheduling_events.MeetingBooked.event_type)
    async def on_meeting_booked(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, scheduling_events.MeetingBooked)
        await meetings.meeting_booked(ctx, event, envelope)

    @consumer.on(scheduling_events.MeetingRescheduled.event_type)
    async def on_meeting_rescheduled(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, scheduling_events.MeetingRescheduled)
        await meetings.meeting_rescheduled(ctx, event, envelope)

    @consumer.on(scheduling_events.ReminderDue.event_type)
    async def reminder_due(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, scheduling_events.ReminderDue)
        await meetings.reminder_due(ctx, event, envelope)

    @consumer.on(scheduling_events.MeetingCancelled.event_type)
    async def on_meeting_cancelled(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, scheduling_events.MeetingCancelled)
        await meetings.meeting_cancelled(ctx, event, envelope)

    @consumer.on(scheduling_events.AdvisorChanged.event_type)
    async def on_advisor_changed(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, scheduling_events.AdvisorChanged)
        await staff.advisor_changed(ctx, event)

    install_programmes(consumer, ctx)


def install_programmes(consumer: EventConsumer, ctx: Context) -> None:
    """Group programmes and office seats (on scheduling's topic, the same consumer group)."""
    enrolments = (
        scheduling_events.ProgrammeEnrolled,
        scheduling_events.ProgrammeWaitlisted,
        scheduling_events.ProgrammePromoted,
    )

    @consumer.on(*(model.event_type for model in enrolments))
    async def on_enrolment(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, enrolments)
        await programmes.enrolment_changed(ctx, event, envelope)

    @consumer.on(scheduling_events.ProgrammeEnrolmentCancelled.event_type)
    async def on_enrolment_cancelled(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, scheduling_events.ProgrammeEnrolmentCancelled)
        await programmes.enrolment_cancelled(ctx, event)

    @consumer.on(scheduling_events.SessionReminderDue.event_type)
    async def on_session_reminder(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, scheduling_events.SessionReminderDue)
        await programmes.session_reminder(ctx, event, envelope)

    @consumer.on(scheduling_events.SeatBooked.event_type)
    async def on_seat_booked(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, scheduling_events.SeatBooked)
        await programmes.seat_booked(ctx, event, envelope)
