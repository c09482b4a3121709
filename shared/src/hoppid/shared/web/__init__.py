"""Server-rendered pages, one look for every service.

Each service serves the pages of the data it owns with its own templates (in its ``web/``
package); this package gives what they share: the base layout and form macros, the style
sheet, texts in bokmål, nynorsk and English, CSRF protection for forms, staff sign-in sessions
and the accessibility statement. No JavaScript: every page works as plain HTML forms.
"""

from hoppid.shared.web.csrf import CsrfError
from hoppid.shared.web.pages import PageAnswer, Pages, SiblingUrls
from hoppid.shared.web.router import install_pages

__all__ = ["CsrfError", "PageAnswer", "Pages", "SiblingUrls", "install_pages"]
