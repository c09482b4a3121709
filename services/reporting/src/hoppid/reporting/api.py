"""reporting's HTTP routes: the gathering of the features' routers (the figures, for now).

Callers use the platform's staff keys (issued by intake, accepted through the shared key ring);
access.py turns them into the read roles each router checks.
"""

from fastapi import FastAPI

from hoppid.reporting.context import Context
from hoppid.reporting.figures import api as figures_api


def install(app: FastAPI, ctx: Context) -> None:
    """The routes; their errors are the shared problems (hoppid.shared.problems): a
    RuleViolation is a FieldProblem (422 naming the field), a PermissionError a 403."""
    app.include_router(figures_api.router(ctx))
