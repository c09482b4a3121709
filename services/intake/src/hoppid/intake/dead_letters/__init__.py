"""The platform admin's page of dead letters (``pages``): the platform's ``<topic>.dlq``
records, listed and re-driven by the same code as ``scripts/dlq.sh``."""
