"""Events reporting publishes on the partner topic ``hoppid.public``: facts, never people.

Partners (the county, Innovasjon Norge, banks, incubators) subscribe to these. They carry no
name, email, phone, free text, person id or case id: only where (office, municipality), what
(needs, stage) and when (a date). The organisation number of a new company appears only when the
person agreed that partners may see it; when they withdraw that (or are erased), a retraction
names the facts that carried it, which partners delete. The subject is the office, so one
office's facts keep their order. Nothing here is marked ``pii``: a field that would need the
mark has no place here.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from hoppid.contracts.intake import Need, Stage
from hoppid.contracts.scheduling import MeetingType
from hoppid.shared.events.base import Event
from hoppid.shared.events.catalogue import catalogue

SOURCE = "/hoppid/reporting"


@catalogue.register
class PublicCaseOpened(Event):
    """A case opened at an office: in which municipality, for which needs (never who)."""

    event_type: ClassVar[str] = "no.hoppid.reporting.case.opened.v1"
    office_id: str = Field(description="The office that took the case, also the subject")
    municipality: str = Field(description="Municipality number, e.g. 1539")
    municipality_name: str = Field(description="Municipality name, e.g. Rauma")
    needs: list[Need] = Field(description="What the person asked for")
    stage: Stage = Field(description="idea, starting or running company")
    opened_on: date = Field(description="The day the case opened, in Europe/Oslo")


@catalogue.register
class PublicCompanyRegistered(Event):
    """A company was registered after guidance; its number only when the person agreed."""

    event_type: ClassVar[str] = "no.hoppid.reporting.company.registered.v1"
    office_id: str = Field(description="The office that guided, also the subject")
    municipality: str = Field(description="Municipality number, e.g. 1539")
    municipality_name: str = Field(description="Municipality name, e.g. Rauma")
    registered_month: str = Field(description="Month of registration, YYYY-MM")
    within_12_months_of_first_contact: bool = Field(
        description="Registered at most 12 months after the case opened"
    )
    org_number: str | None = Field(
        None, description="Organisation number; only when the person agreed to share it"
    )
    registered_on: date | None = Field(
        None, description="Date of registration; only with the organisation number"
    )


@catalogue.register
class PublicMeetingHeld(Event):
    """A guidance meeting took place: where and in which month (never who, nor the day)."""

    event_type: ClassVar[str] = "no.hoppid.reporting.meeting.held.v1"
    office_id: str = Field(description="The office that held it, also the subject")
    municipality: str = Field(description="Municipality number of the case, e.g. 1539")
    municipality_name: str = Field(description="Municipality name, e.g. Rauma")
    meeting_type: MeetingType = Field(description="first_guidance or follow_up")
    held_month: str = Field(description="Month of the meeting in Europe/Oslo, YYYY-MM")


@catalogue.register
class PublicCompanyRetracted(Event):
    """Earlier company facts that carried an organisation number must be deleted: the person
    withdrew their agreement to share it, or asked to be erased. Says which facts (their
    ``ce_id``), never why nor whose."""

    event_type: ClassVar[str] = "no.hoppid.reporting.company.retracted.v1"
    office_id: str = Field(description="The office of the retracted facts, also the subject")
    municipality: str = Field(description="Municipality number of the retracted facts")
    retracted_ids: list[str] = Field(
        description="The ce_id of each earlier company.registered fact to delete, with every"
        " copy of its organisation number and date"
    )


PUBLISHED: list[type[Event]] = [
    PublicCaseOpened,
    PublicCompanyRegistered,
    PublicMeetingHeld,
    PublicCompanyRetracted,
]
