"""scheduling's pages, wired into the app once: the shared routes, then each feature's pages for
the person and for the staff. Every page calls the same use cases as the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from hoppid.scheduling.advisors import staff_pages as advisor_staff_pages
from hoppid.scheduling.context import Context
from hoppid.scheduling.desks import desk_change_pages
from hoppid.scheduling.desks import person_pages as desk_person_pages
from hoppid.scheduling.desks import staff_pages as desk_staff_pages
from hoppid.scheduling.desks.use_cases import Desks
from hoppid.scheduling.meetings import person_pages as meeting_person_pages
from hoppid.scheduling.meetings import staff_booking_pages as meeting_booking_pages
from hoppid.scheduling.meetings import staff_pages as meeting_staff_pages
from hoppid.scheduling.offices import staff_pages as office_staff_pages
from hoppid.scheduling.programmes import person_pages as programme_person_pages
from hoppid.scheduling.programmes import staff_pages as programme_staff_pages
from hoppid.scheduling.programmes.use_cases import Programmes
from hoppid.scheduling.settings import SchedulingSettings
from hoppid.scheduling.web import views
from hoppid.shared.access import KeyRing
from hoppid.shared.web import Pages, install_pages

WEB = Path(__file__).parent


@dataclass
class Site:
    """What every page of scheduling needs: the pages, the use cases' contexts, the secret."""

    pages: Pages
    ctx: Context
    programmes: Programmes
    desks: Desks
    link_secret: str


def install(
    app: FastAPI,
    settings: SchedulingSettings,
    ctx: Context,
    programmes: Programmes,
    desks: Desks,
    keys: KeyRing,
) -> None:
    pages = Pages(settings, WEB, keys)
    views.install_filters(pages.environment)
    install_pages(app, pages)
    site = Site(pages, ctx, programmes, desks, settings.link_secret.get_secret_value())
    for module in (
        meeting_person_pages,
        programme_person_pages,
        desk_person_pages,
        meeting_staff_pages,
        meeting_booking_pages,
        advisor_staff_pages,
        programme_staff_pages,
        desk_staff_pages,
        desk_change_pages,
        office_staff_pages,
    ):
        app.include_router(module.router(site))
