"""What every JSON route of scheduling shares: a stored document as it is answered, and an id of
another office (a case, person, advisor or desk) answered as a 404 that names the field.

Field problems, not found, conflicts and 403 are mapped by the shared skeleton.
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hoppid.scheduling.ownership import NotOurs
from hoppid.shared.outbox import OUTBOX_FIELDS
from hoppid.shared.problems import handled, problem


def install_errors(app: FastAPI) -> None:
    # another office's case, person, advisor or desk: a 404 that names the field
    app.add_exception_handler(NotOurs, _not_ours)


async def _not_ours(request: Request, error: Exception) -> JSONResponse:
    error = handled(error, NotOurs)
    return problem(
        404,
        "Not Found",
        f"{error.field}: {error}",
        type_="https://hoppid.no/problems/not-found",
        errors=[{"field": error.field, "message": str(error)}],
    )


def out(document: dict[str, Any]) -> dict[str, Any]:
    hidden = {"_id", "applied_events", "feed_token_hash", "claim_ids", "cells", *OUTBOX_FIELDS}
    return {"id": document["_id"], **{k: v for k, v in document.items() if k not in hidden}}
