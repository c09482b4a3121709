"""intake's site: the pages' wiring (``routes``), what the pages share (field errors, times in
Oslo, the error page; ``common``), and the templates and texts of every feature's pages (the
shared page core loads one template folder per service). The pages themselves live with their
feature (``inquiries``, ``people``, ``links``, ``cases``, ``grants``, ``audit``,
``office_admin``, ``dead_letters``); every page calls the same use cases as the JSON API.

Only the shell is imported here, never a feature's pages: a feature's page imports ``common``,
and this package is imported first."""

from pathlib import Path

from hoppid.intake.settings import IntakeSettings
from hoppid.intake.web.common import add_filters
from hoppid.shared.access import KeyRing
from hoppid.shared.web import Pages

HERE = Path(__file__).parent


def build_pages(settings: IntakeSettings, ring: KeyRing | None) -> Pages:
    pages = Pages(settings, HERE, ring)
    add_filters(pages)
    return pages
