"""A new link by email: the request recorded at once and answered the same way for every
address (``use_cases.request_link``), the link issued in the background
(``issuing.issue_requested_links``, the ``link-requests`` job), the requests and people they
read and write (``store.LinkRepository``; ``memory`` the same in memory), the JSON route
(``api``), the page (``pages``) and the rate limits both share (``limits``)."""
