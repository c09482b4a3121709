"""The baseline of bench/intake_throughput.py: a bare FastAPI endpoint that inserts one document.

It takes the same JSON body as intake's ``POST /v1/inquiries``, validates it with a plain
pydantic model and inserts it as one document with PyMongo's AsyncMongoClient, using the
client's default write concern (w=1, no ``j``), which is also what intake's writes use. No
claims, no person, no outbox, no events: what is left is FastAPI, uvicorn and one round-trip
to the store. Run as its own process, like intake: one uvicorn worker, log level warning.

    BENCH_PORT=8099 BENCH_DATABASE=bench_baseline python bench/baseline_insert_app.py
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from pymongo import AsyncMongoClient

MONGODB_URL = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
DATABASE = os.environ.get("BENCH_DATABASE", "bench_baseline")


class Inquiry(BaseModel):
    name: str
    email: str
    phone: str | None = None
    municipality: str
    idea: str
    stage: str
    needs: list[str]
    language: str = "nb"
    meeting_mode: str
    consent_processing: bool
    consent_text_version: str


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MONGODB_URL)  # default: w=1
    app.state.inquiries = client[DATABASE]["inquiries"]
    try:
        yield
    finally:
        await client.close()


app = FastAPI(lifespan=lifespan)


@app.get("/readyz")
async def ready() -> dict[str, str]:
    await app.state.inquiries.database.command("ping")
    return {"status": "ready"}


@app.post("/v1/inquiries", status_code=201)
async def inquire(inquiry: Inquiry) -> dict[str, str]:
    reference = uuid.uuid4().hex
    await app.state.inquiries.insert_one({"_id": reference, **inquiry.model_dump()})
    return {"reference": reference}


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(os.environ.get("BENCH_PORT", "8099")),
        log_level="warning",
        lifespan="on",
    )
