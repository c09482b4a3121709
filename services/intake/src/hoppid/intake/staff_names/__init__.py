"""What the pages and the audit trail call a member of staff: an API key by its label, a staff
account by its name. Read only; the keys are written by the root's store, the accounts by
``hoppid.intake.accounts``. ``store`` (the repository on the database), ``memory`` (the same
in memory, for fast tests)."""
