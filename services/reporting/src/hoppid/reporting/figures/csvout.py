"""CSV export of any table: UTF-8 with a byte order mark, semicolon separated.

The BOM makes Excel (what the county's and municipalities' staff open CSV files in) read UTF-8,
so Ålesund stays Ålesund instead of Ã…lesund; the semicolon is the list separator Excel
expects in a Norwegian locale, where the comma is the decimal mark. Decimals are written with a
point, as every program reading CSV by code expects. Any other CSV reader skips the BOM as
'utf-8-sig'.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi.responses import Response

BOM = "\ufeff"


def render(rows: Iterable[Mapping[str, Any]]) -> str:
    rows = [dict(row) for row in rows]
    columns = list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _cell(row.get(name)) for name in columns})
    return BOM + buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    return str(value)


def response(rows: Iterable[Mapping[str, Any]], name: str) -> Response:
    return Response(
        render(rows).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="hoppid-{name}.csv"'},
    )
