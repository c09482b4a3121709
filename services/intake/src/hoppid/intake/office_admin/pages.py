"""The office admin's pages, as one router for intake's web shell."""

from __future__ import annotations

from fastapi import APIRouter

from hoppid.intake.context import Context
from hoppid.intake.office_admin import accounts_pages, keys_pages
from hoppid.shared.staff_sessions import StaffSessions
from hoppid.shared.web import Pages


def router(pages: Pages, ctx: Context, sessions: StaffSessions | None) -> APIRouter:
    routes = APIRouter(include_in_schema=False)
    routes.include_router(accounts_pages.router(pages, ctx, sessions))
    routes.include_router(keys_pages.router(pages, ctx))
    return routes
