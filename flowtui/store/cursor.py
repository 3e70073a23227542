"""A stored sync cursor: a stream's continuation token or watermark."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Cursor:
    """`value` is opaque (an ADO continuation token or an ISO instant); `watermark` orders PR windows."""

    value: str
    watermark: datetime | None
    updated_at: datetime
