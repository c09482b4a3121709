"""Offices and their API keys: the registry's offices seeded, an office added or changed, keys
issued and revoked (``use_cases``), what those read and write (``store.OfficeRepository``,
``IntakeStore`` on the database; ``memory`` the same in memory), their JSON routes (``api``),
what they accept (``forms``) and an office as anyone may see it (``views``). The office admin's
pages of accounts and keys are ``office_admin``."""
