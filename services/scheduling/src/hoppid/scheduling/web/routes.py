"""scheduling's pages, wired into the app once: the shared routes, then the person's and the
staff's pages. Every page calls the same use cases as the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from hoppid.scheduling.desks import Desks
from hoppid.scheduling.groups import Groups
from hoppid.scheduling.handlers import Context
from hoppid.scheduling.settings import SchedulingSettings
from hoppid.scheduling.web import (
    person_extras,
    person_meetings,
    staff_calendar,
    staff_resources,
    views,
)
from hoppid.shared.access import KeyRing
from hoppid.shared.web import Pages, install_pages

WEB = Path(__file__).parent


@dataclass
class Site:
    """What every page of scheduling needs: the pages, the use cases' contexts, the secret."""

    pages: Pages
    ctx: Context
    groups: Groups
    desks: Desks
    link_secret: str


def install(
    app: FastAPI,
    settings: SchedulingSettings,
    ctx: Context,
    groups: Groups,
    desks: Desks,
    keys: KeyRing,
) -> None:
    pages = Pages(settings, WEB, keys)
    views.install_filters(pages.environment)
    install_pages(app, pages)
    site = Site(pages, ctx, groups, desks, settings.link_secret.get_secret_value())
    for module in (person_meetings, person_extras, staff_calendar, staff_resources):
        app.include_router(module.router(site))
