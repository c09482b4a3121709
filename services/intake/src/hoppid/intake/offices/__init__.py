"""Offices and their API keys: the registry's offices seeded, an office added or changed, keys
issued and revoked (``use_cases``), their JSON routes (``api``), what they accept (``forms``)
and an office as anyone may see it (``views``). The office admin's pages of accounts and keys
are ``office_admin``."""
