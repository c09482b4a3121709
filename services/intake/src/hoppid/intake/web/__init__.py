"""intake's pages: the public inquiry form, the person's own case, a new link by email, the
office's case list.

Server-rendered HTML on the shared web core (``hoppid.shared.web``); every page calls the same
handlers as the JSON API, so the rules live in one place.
"""

from pathlib import Path

from fastapi import FastAPI

from hoppid.intake import accounts
from hoppid.intake.audit import case_export
from hoppid.intake.audit import pages as audit_pages
from hoppid.intake.context import Context
from hoppid.intake.grants.staff_pages import router as grant_pages
from hoppid.intake.grants.use_cases import Grants
from hoppid.intake.link_limits import LinkLimits
from hoppid.intake.office_admin.pages import router as office_admin_router
from hoppid.intake.settings import IntakeSettings
from hoppid.intake.web.admin import router as admin_router
from hoppid.intake.web.case_work import router as case_work_router
from hoppid.intake.web.common import add_filters
from hoppid.intake.web.inquiry import router as inquiry_router
from hoppid.intake.web.me import router as me_router
from hoppid.intake.web.new_link import router as new_link_router
from hoppid.intake.web.search import router as search_router
from hoppid.intake.web.staff import router as staff_router
from hoppid.shared.access import KeyRing
from hoppid.shared.guards import RateLimit
from hoppid.shared.tenancy import load_municipalities
from hoppid.shared.web import Pages, install_pages

HERE = Path(__file__).parent


def build_pages(settings: IntakeSettings, ring: KeyRing | None) -> Pages:
    pages = Pages(settings, HERE, ring)
    add_filters(pages)
    return pages


def install(
    app: FastAPI,
    ctx: Context,
    settings: IntakeSettings,
    ring: KeyRing,
    limit: RateLimit,
    link_limits: LinkLimits,
) -> None:
    """The shared page routes and intake's own, with the API's key ring and rate limit."""
    pages = build_pages(settings, ring)
    municipalities = {m.number: m.name for m in load_municipalities()}
    install_pages(app, pages)
    app.include_router(inquiry_router(pages, ctx, limit, municipalities))
    app.include_router(office_admin_router(pages, ctx, ring.sessions))
    app.include_router(me_router(pages, ctx))
    app.include_router(new_link_router(pages, ctx, link_limits))
    app.include_router(staff_router(pages, ctx, municipalities))
    app.include_router(case_work_router(pages, ctx, municipalities))
    app.include_router(search_router(pages, ctx, municipalities))
    app.include_router(admin_router(pages, settings))
    app.include_router(accounts.pages_router(pages, ctx.store.db, settings))
    # the audit's modules, not their names, are imported: either may be imported first
    app.include_router(audit_pages.router(pages, ctx))
    app.include_router(case_export.pages_router(pages, ctx, municipalities))
    app.include_router(grant_pages(pages, Grants.of(ctx.store.db, ctx.now)))
