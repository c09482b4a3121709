"""Events intake publishes on ``hoppid.intake``: what happens to people, inquiries and cases.

Subjects: the case id for case events (so a case's events keep their order), the person id for
consent and erasure events. Personal data is only where a consumer needs it (notifications needs
the name, address and the person's link to answer an inquiry) and is marked with ``pii_field``.
Free text (the idea, notes, reasons, introductions) never travels: it stays in intake's store.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from hoppid.shared.events.base import Event, pii_field
from hoppid.shared.events.catalogue import catalogue

Need = Literal["guidance", "course", "application_help", "network_introduction", "office_seat"]
Stage = Literal["idea", "starting", "running"]
Language = Literal["nb", "nn", "en"]
MeetingMode = Literal["in_person", "digital"]
CaseStatus = Literal["new", "contacted", "in_guidance", "company_registered", "paused", "closed"]

SOURCE = "/hoppid/intake"


class _CaseEvent(Event):
    case_id: str = Field(description="The case, also the event's subject")
    office_id: str = Field(description="The office that owns the case")


@catalogue.register
class InquiryReceived(_CaseEvent):
    """A person sent an inquiry through the public form; carries what a receipt needs."""

    event_type: ClassVar[str] = "no.hoppid.intake.inquiry.received.v1"
    person_id: str = Field(description="The person (one per email address across offices)")
    reference: str = Field(description="The case reference shown to the person")
    municipality: str = Field(description="Municipality number the person gave")
    language: Language = Field(description="Language the person prefers for messages")
    needs: list[Need] = Field(description="What the person asked for")
    received_at: datetime = Field(description="When the inquiry arrived (UTC)")
    # sealed with the person's key on the topic (hoppid.shared.pii); None once they are erased
    name: str | None = pii_field("The person's name, for the receipt", default=None)
    email: str | None = pii_field("Where the receipt goes", default=None)
    case_link_token: str | None = pii_field(
        "The person's signed link token to their case (a credential: never log it)",
        default=None,
    )


@catalogue.register
class CaseOpened(_CaseEvent):
    """A new case is open at an office; no personal data."""

    event_type: ClassVar[str] = "no.hoppid.intake.case.opened.v1"
    person_id: str = Field(description="The person the case is about")
    reference: str = Field(description="The case reference")
    municipality: str = Field(description="Municipality number")
    needs: list[Need] = Field(description="What the person asked for")
    stage: Stage = Field(description="idea, starting or running company")
    language: Language = Field(description="Preferred language")
    meeting_mode: MeetingMode = Field(description="Preferred meeting mode")
    opened_at: datetime = Field(description="When the case opened (UTC)")
    first_case_of_person: bool = Field(description="True when the person had no case before")


@catalogue.register
class AdvisorAssigned(_CaseEvent):
    """An advisor now follows the case."""

    event_type: ClassVar[str] = "no.hoppid.intake.advisor.assigned.v1"
    advisor_id: str = Field(description="The advisor (as scheduling knows them)")
    previous_advisor_id: str | None = Field(None, description="Who followed it before, if any")
    assigned_at: datetime = Field(description="When (UTC)")


@catalogue.register
class CaseStatusChanged(_CaseEvent):
    """The case moved along its pipeline."""

    event_type: ClassVar[str] = "no.hoppid.intake.case.status_changed.v1"
    from_status: CaseStatus = Field(description="Status before")
    to_status: CaseStatus = Field(description="Status after")
    reason: str | None = Field(None, description="Reason code for pause or close, if any")
    changed_at: datetime = Field(description="When (UTC)")


@catalogue.register
class NoteAdded(_CaseEvent):
    """Staff added a note to the case. The note's text stays in intake."""

    event_type: ClassVar[str] = "no.hoppid.intake.note.added.v1"
    note_id: str = Field(description="The note")
    added_at: datetime = Field(description="When (UTC)")


@catalogue.register
class NoteEdited(_CaseEvent):
    """Staff changed a note they wrote. Its text, then and now, stays in intake."""

    event_type: ClassVar[str] = "no.hoppid.intake.note.edited.v1"
    note_id: str = Field(description="The note")
    edited_at: datetime = Field(description="When (UTC)")


@catalogue.register
class ApplicationRecorded(_CaseEvent):
    """The office helps with an application for funding."""

    event_type: ClassVar[str] = "no.hoppid.intake.application.recorded.v1"
    application_id: str = Field(description="The application")
    programme: str = Field(description="Funding programme, e.g. Innovasjon Norge etablerertilskudd")
    programme_id: str | None = Field(
        None,
        description="The office's grant catalogue entry the programme is (none: free text)",
    )
    amount_asked_nok: int = Field(description="Amount asked for, in NOK")
    deadline: date | None = Field(None, description="Application deadline")
    recorded_at: datetime = Field(description="When (UTC)")


@catalogue.register
class ApplicationDecided(_CaseEvent):
    """The funder decided on an application."""

    event_type: ClassVar[str] = "no.hoppid.intake.application.decided.v1"
    application_id: str = Field(description="The application")
    outcome: Literal["granted", "rejected", "withdrawn"] = Field(description="The decision")
    amount_granted_nok: int = Field(0, description="Amount granted, in NOK (0 unless granted)")
    decided_at: datetime = Field(description="When it was recorded (UTC)")


@catalogue.register
class CompanyRegistered(_CaseEvent):
    """The person registered a company: the outcome the offices work for. Earlier records
    only: intake publishes ``company.registered.v2``, whose organisation number is sealed."""

    event_type: ClassVar[str] = "no.hoppid.intake.company.registered.v1"
    person_id: str = Field(description="The person")
    municipality: str = Field(description="Municipality number of the case")
    org_number: str = Field(description="Organisation number (9 digits, mod-11 checked)")
    registered_on: date = Field(description="Date of registration")
    share_with_partners: bool = Field(
        description="The person agreed that partners may see the organisation number"
    )
    first_contact_at: datetime = Field(description="When the case opened (UTC)")


@catalogue.register
class CompanyRegisteredV2(_CaseEvent):
    """The person registered a company: the outcome the offices work for. The organisation
    number of a sole proprietorship (enkeltpersonforetak) identifies the person, so it is
    personal data, sealed with the person's key (v1 carried it in plain)."""

    event_type: ClassVar[str] = "no.hoppid.intake.company.registered.v2"
    person_id: str = Field(description="The person")
    municipality: str = Field(description="Municipality number of the case")
    # sealed with the person's key on the topic (hoppid.shared.pii); None once they are erased
    org_number: str | None = pii_field(
        "Organisation number (9 digits, mod-11 checked)", default=None
    )
    registered_on: date = Field(description="Date of registration")
    share_with_partners: bool = Field(
        description="The person agreed that partners may see the organisation number"
    )
    first_contact_at: datetime = Field(description="When the case opened (UTC)")


@catalogue.register
class IntroductionMade(_CaseEvent):
    """The office introduced the person to someone in its network (who and why stay in intake)."""

    event_type: ClassVar[str] = "no.hoppid.intake.introduction.made.v1"
    introduction_id: str = Field(description="The introduction")
    kind: Literal["company", "investor", "mentor", "public_body", "research", "other"] = Field(
        description="What kind of contact"
    )
    made_at: datetime = Field(description="When (UTC)")


@catalogue.register
class ConsentWithdrawn(Event):
    """The person withdrew a consent."""

    event_type: ClassVar[str] = "no.hoppid.intake.consent.withdrawn.v1"
    person_id: str = Field(description="The person, also the subject")
    consent: Literal["processing", "newsletter"] = Field(description="Which consent")
    withdrawn_at: datetime = Field(description="When (UTC)")


@catalogue.register
class PartnerSharingWithdrawn(Event):
    """The person withdrew their agreement that partners may see their company's organisation
    number: reporting retracts the partner facts that carried it (hoppid.public)."""

    event_type: ClassVar[str] = "no.hoppid.intake.partner_sharing.withdrawn.v1"
    person_id: str = Field(description="The person, also the subject")
    withdrawn_at: datetime = Field(description="When (UTC)")


@catalogue.register
class PersonCorrected(Event):
    """The person corrected their data through their own link. Carries the person's name,
    phone and language as they are after the correction (not only what changed), so a service
    that keeps a copy applies the newest correction and ignores an older or repeated one."""

    event_type: ClassVar[str] = "no.hoppid.intake.person.corrected.v1"
    person_id: str = Field(description="The person, also the subject")
    corrected: list[Literal["name", "phone", "language"]] = Field(
        description="The fields this correction changed"
    )
    language: Language = Field(description="Language the person prefers for messages, now")
    corrected_at: datetime = Field(description="When (UTC); the newest correction wins")
    # sealed with the person's key on the topic (hoppid.shared.pii); None once they are erased
    name: str | None = pii_field("The person's name, now", default=None)
    phone: str | None = pii_field(
        "The person's phone number (E.164), now; None if they gave none", default=None
    )


@catalogue.register
class LinkIssued(Event):
    """A person asked for a new link by email (the public form) and intake made one: it goes
    to the address intake has for the person, never to one given in the request."""

    event_type: ClassVar[str] = "no.hoppid.intake.link.issued.v1"
    person_id: str = Field(description="The person, also the subject")
    office_id: str = Field(description="The office of the person's newest case (the sender)")
    language: Language = Field(description="Language the person prefers for messages")
    issued_at: datetime = Field(description="When (UTC)")
    # sealed with the person's key on the topic (hoppid.shared.pii); None once they are erased
    name: str | None = pii_field("The person's name, for the greeting", default=None)
    email: str | None = pii_field("The person's stored address: where the link goes", default=None)
    link_token: str | None = pii_field(
        "The new signed link token (a credential: never log it)", default=None
    )


@catalogue.register
class PersonExportRequested(Event):
    """The person asked, through their link, for an export of everything the platform holds
    about them: every service that keeps something of the person answers on its own topic
    with its part (``person_export.answered``), which intake gathers into one download."""

    event_type: ClassVar[str] = "no.hoppid.intake.person.export_requested.v1"
    export_id: str = Field(description="The export, named again in every answer")
    person_id: str = Field(description="The person, also the subject")
    requested_at: datetime = Field(description="When (UTC)")


@catalogue.register
class ErasureRequested(Event):
    """The person asked for erasure: every service must erase their personal data."""

    event_type: ClassVar[str] = "no.hoppid.intake.erasure.requested.v1"
    person_id: str = Field(description="The person, also the subject")
    case_ids: list[str] = Field(description="The person's cases")
    requested_at: datetime = Field(description="When (UTC)")


@catalogue.register
class ErasureCompleted(Event):
    """intake has erased the person's personal data from its store."""

    event_type: ClassVar[str] = "no.hoppid.intake.erasure.completed.v1"
    person_id: str = Field(description="The person, also the subject")
    completed_at: datetime = Field(description="When (UTC)")


@catalogue.register
class ApiKeyIssued(Event):
    """A staff API key was issued; every service learns it and accepts it from now on."""

    event_type: ClassVar[str] = "no.hoppid.intake.api_key.issued.v1"
    key_id: str = Field(description="The key's public id, also the subject")
    office_id: str = Field(description="The office the key acts for, or * for all offices")
    role: Literal["advisor", "office_admin", "county", "partner"] = Field(
        description="What the key may do"
    )
    key_hash: str = Field(description="SHA-256 of the key (the key itself is never published)")
    issued_at: datetime = Field(description="When (UTC)")


@catalogue.register
class ApiKeyRevoked(Event):
    """A staff API key was revoked; every service refuses it from now on."""

    event_type: ClassVar[str] = "no.hoppid.intake.api_key.revoked.v1"
    key_id: str = Field(description="The key's public id, also the subject")
    office_id: str = Field(description="The office the key acted for, or *")
    revoked_at: datetime = Field(description="When (UTC)")


@catalogue.register
class OfficeChanged(Event):
    """An office was added or changed (office administration); subject is the office id."""

    event_type: ClassVar[str] = "no.hoppid.intake.office.changed.v1"
    office_id: str = Field(description="The office")
    name: str = Field(description="Office name")
    municipalities: list[str] = Field(description="Municipality numbers served")
    languages: list[Language] = Field(description="Languages the office works in")
    contact_email: str = Field(description="The office's contact address (not a person's)")
    yearly_budget_eur: int = Field(description="Yearly first-line budget in EUR")
    changed_at: datetime = Field(description="When (UTC)")


PUBLISHED: list[type[Event]] = [
    InquiryReceived,
    CaseOpened,
    AdvisorAssigned,
    CaseStatusChanged,
    NoteAdded,
    NoteEdited,
    ApplicationRecorded,
    ApplicationDecided,
    CompanyRegisteredV2,
    IntroductionMade,
    ConsentWithdrawn,
    PartnerSharingWithdrawn,
    PersonCorrected,
    LinkIssued,
    PersonExportRequested,
    ErasureRequested,
    ErasureCompleted,
    OfficeChanged,
    ApiKeyIssued,
    ApiKeyRevoked,
]
