"""notifications's HTTP routes, each from its feature: the person's message preferences
(through their signed link), and, only when HOPPID_NOTIFICATIONS_DEV_MAILBOX is on, the
development mailbox for a platform admin."""

from __future__ import annotations

from fastapi import APIRouter

from hoppid.notifications.context import Context
from hoppid.notifications.delivery.mailbox import api as mailbox_api
from hoppid.notifications.preferences import api as preferences_api
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.web import Pages


def routers(settings: NotificationsSettings, context: Context, pages: Pages) -> list[APIRouter]:
    """The JSON routes: the person's preferences, and the development mailbox when it is on."""
    found = [preferences_api.router(settings.link_secret.get_secret_value(), context)]
    return [*found, mailbox_api.router(settings, pages)] if settings.dev_mailbox else found
