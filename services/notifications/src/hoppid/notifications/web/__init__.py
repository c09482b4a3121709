"""notifications's server-rendered pages (issue #8): the person's message preferences through
their signed link, and the development mailbox for a platform admin in local runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from hoppid.notifications.delivery import Context
from hoppid.notifications.settings import NotificationsSettings
from hoppid.notifications.web import mailbox_pages, preference_pages
from hoppid.shared.access import KeyRing
from hoppid.shared.web import Pages, install_pages

HERE = Path(__file__).parent


def install(
    app: FastAPI, settings: NotificationsSettings, context: Callable[[], Context], keys: KeyRing
) -> Pages:
    pages = Pages(settings, HERE, keys)
    install_pages(app, pages)
    app.include_router(preference_pages.router(pages, settings, context))
    app.include_router(mailbox_pages.router(pages, settings))
    return pages
