"""reporting's server-rendered pages (issue #8): the office's figures, and every office's
figures with charts and CSV downloads for the county and partners."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from hoppid.reporting.context import Context
from hoppid.reporting.settings import ReportingSettings
from hoppid.reporting.web import routes
from hoppid.shared.web import Pages, install_pages

HERE = Path(__file__).parent


def make_pages(settings: ReportingSettings, ctx: Context) -> Pages:
    return Pages(settings, HERE, ctx.keys)


def install(app: FastAPI, settings: ReportingSettings, ctx: Context) -> None:
    pages = make_pages(settings, ctx)
    install_pages(app, pages)
    app.include_router(routes.router(pages, ctx))
