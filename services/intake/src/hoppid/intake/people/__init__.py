"""The entrepreneur's own link: their data, corrections, consents and erasure (``use_cases``,
typed against ``store.PersonRepository``; ``memory`` is the same repository in memory),
``/v1/me`` (``api``), the person's pages (``person_pages``), and the pages and JSON of their
export across the services (``export_pages``, ``export_api``; the gathering itself spans the
services and is the root's ``person_export``)."""
