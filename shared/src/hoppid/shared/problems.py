"""RFC 9457 problem details for every HTTP error, naming the field that is wrong.

Bad input is the client's to fix: 422 with one entry per field. Anything unexpected is a 500
problem without internals (they go to the log with the request's correlation id).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


class FieldProblem(ValueError):
    """A rule refuses the request; ``field`` names what the client should fix (422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(LookupError):
    """No such thing for this caller: another office's data is 'not found' too (404)."""


class Conflict(Exception):
    """The thing changed meanwhile or exists already (409)."""


log = logging.getLogger("hoppid.http")


def problem(
    status: int, title: str, detail: str = "", *, type_: str = "about:blank", **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_name(location: tuple[Any, ...]) -> str:
    # ("body", "contact", "email") -> "contact.email"; ("query", "page") -> "page"
    parts = (
        [str(part) for part in location[1:]] if len(location) > 1 else [str(p) for p in location]
    )
    return ".".join(parts)


async def _validation_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {
            "field": _field_name(tuple(item["loc"])),
            "in": str(item["loc"][0]),
            "message": item["msg"],
        }
        for item in error.errors()
    ]
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return problem(
        422,
        "Invalid request",
        f"Check these fields: {fields}",
        type_="https://hoppid.no/problems/validation",
        errors=errors,
    )


async def _http_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error.detail, str) else ""
    response = problem(error.status_code, _reason(error.status_code), detail)
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


async def _unexpected_problem(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Internal Server Error", "Something went wrong on our side.")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _field_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, FieldProblem)
    return problem(
        422,
        "Invalid request",
        str(error),
        type_="https://hoppid.no/problems/validation",
        errors=[{"field": error.field, "message": str(error)}],
    )


async def _not_found(request: Request, error: Exception) -> JSONResponse:
    return problem(404, "Not Found", "no such resource for you")


async def _conflict(request: Request, error: Exception) -> JSONResponse:
    return problem(409, "Conflict", str(error))


async def _forbidden(request: Request, error: Exception) -> JSONResponse:
    return problem(403, "Forbidden", str(error))


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FieldProblem, _field_problem)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(PermissionError, _forbidden)
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(HTTPException, _http_problem)
    app.add_exception_handler(Exception, _unexpected_problem)
