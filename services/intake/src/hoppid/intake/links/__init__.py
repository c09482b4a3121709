"""A new link by email: the request recorded at once and answered the same way for every
address (``use_cases.request_link``), the link issued in the background
(``use_cases.issue_requested_links``), the JSON route (``api``), the page (``pages``) and the
rate limits both share (``limits``)."""
