"""notifications's server-rendered pages (issue #8): the shell every page shares (its templates
and texts in nb, nn and en, here), with each feature's pages routed from the feature: the
person's message preferences through their signed link (hoppid.notifications.preferences.pages)
and the development mailbox for a platform admin in local runs
(hoppid.notifications.delivery.mailbox.pages)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from hoppid.notifications.context import Context
from hoppid.notifications.delivery.mailbox import pages as mailbox_pages
from hoppid.notifications.preferences import pages as preference_pages
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.access import KeyRing
from hoppid.shared.web import Pages, install_pages

HERE = Path(__file__).parent


def install(
    app: FastAPI, settings: NotificationsSettings, context: Context, keys: KeyRing
) -> Pages:
    pages = Pages(settings, HERE, keys)
    install_pages(app, pages)
    app.include_router(preference_pages.router(pages, settings, context))
    app.include_router(mailbox_pages.router(pages, settings))
    return pages
