"""intake's HTTP routes: each feature's router, gathered, with the key ring and rate limits
they share, and then the pages."""

from fastapi import FastAPI

from hoppid.intake import accounts
from hoppid.intake.audit import api as audit_api
from hoppid.intake.audit import case_export
from hoppid.intake.cases import api as cases_api
from hoppid.intake.context import Context
from hoppid.intake.grants import api as grants_api
from hoppid.intake.grants.use_cases import Grants
from hoppid.intake.inquiries import api as inquiries_api
from hoppid.intake.links import api as links_api
from hoppid.intake.links.limits import LinkLimits
from hoppid.intake.offices import api as offices_api
from hoppid.intake.people import api as people_api
from hoppid.intake.settings import IntakeSettings
from hoppid.intake.web import routes as pages
from hoppid.shared.access import KeyRing
from hoppid.shared.guards import RateLimit
from hoppid.shared.staff_sessions import StaffSessions


def install(app: FastAPI, ctx: Context, settings: IntakeSettings) -> None:
    """Routes and error mapping of intake."""
    # errors (FieldProblem 422, NotFound 404, Conflict 409, PermissionError 403) are mapped to
    # problems by the shared skeleton; keys are checked by the platform's key ring
    ring = KeyRing(
        ctx.store.db,
        settings.admin_key.get_secret_value(),
        settings.failure_limit(),
        StaffSessions.of(ctx.store.db.client, settings),  # shared: sign-out ends it everywhere
    )
    staff = ring.dependency()
    # the form's pages share it; the client is the one behind the trusted proxies
    limit = RateLimit(settings.submissions_per_hour, client_address=settings.client_address())
    link_limits = LinkLimits(settings)  # the new-link page's too
    app.include_router(inquiries_api.router(ctx, limit))
    app.include_router(links_api.router(ctx, link_limits))
    app.include_router(cases_api.router(ctx, staff))
    app.include_router(offices_api.router(ctx, staff))
    app.include_router(offices_api.platform_keys_router(ctx, staff))
    app.include_router(people_api.router(ctx))
    app.include_router(audit_api.router(ctx, staff))
    app.include_router(case_export.api_router(ctx, staff))
    app.include_router(accounts.api_router(ctx.store.db, ring.sessions, staff))
    app.include_router(grants_api.router(Grants.of(ctx.store.db, ctx.now), staff))
    pages.install(app, ctx, settings, ring, limit, link_limits)
