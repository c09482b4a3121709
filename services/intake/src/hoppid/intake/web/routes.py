"""intake's pages, wired into the app once: the shared routes, then each feature's pages
(the public inquiry form, the person's own case, a new link by email, the office's cases, the
office admin's and the platform admin's pages). Server-rendered HTML on the shared web core
(``hoppid.shared.web``)."""

from fastapi import FastAPI

from hoppid.intake import accounts
from hoppid.intake.audit import case_export
from hoppid.intake.audit import pages as audit_pages
from hoppid.intake.cases import case_work_pages, search_pages, staff_pages
from hoppid.intake.context import Context
from hoppid.intake.dead_letters import pages as dead_letter_pages
from hoppid.intake.grants import staff_pages as grant_pages
from hoppid.intake.grants.use_cases import Grants
from hoppid.intake.inquiries import pages as inquiry_pages
from hoppid.intake.links import pages as new_link_pages
from hoppid.intake.links.limits import LinkLimits
from hoppid.intake.office_admin import pages as office_admin_pages
from hoppid.intake.people import person_pages
from hoppid.intake.settings import IntakeSettings
from hoppid.intake.web import build_pages
from hoppid.shared.access import KeyRing
from hoppid.shared.guards import RateLimit
from hoppid.shared.tenancy import load_municipalities
from hoppid.shared.web import install_pages


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
    app.include_router(inquiry_pages.router(pages, ctx, limit, municipalities))
    app.include_router(office_admin_pages.router(pages, ctx, ring.sessions))
    app.include_router(person_pages.router(pages, ctx))
    app.include_router(new_link_pages.router(pages, ctx, link_limits))
    app.include_router(staff_pages.router(pages, ctx, municipalities))
    app.include_router(case_work_pages.router(pages, ctx, municipalities))
    app.include_router(search_pages.router(pages, ctx, municipalities))
    app.include_router(dead_letter_pages.router(pages, settings))
    app.include_router(accounts.pages_router(pages, ctx.store.db, settings))
    # the audit's modules, not their names, are imported: either may be imported first
    app.include_router(audit_pages.router(pages, ctx))
    app.include_router(case_export.pages_router(pages, ctx, municipalities))
    app.include_router(grant_pages.router(pages, Grants.of(ctx.store.db, ctx.now)))
