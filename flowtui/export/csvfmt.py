"""The CSV dialect of every flowtui export (SPEC §8), independent of the Python version.

UTF-8 without BOM, LF line endings, a header row, RFC 4180 quoting only when needed: a field is
quoted when it contains a comma, a double quote, a line feed or a carriage return, and quotes inside
it are doubled. NULL (None) is an empty field. A row made of one empty field is written as `""` so
that it does not read back as a blank line (the csv module does the same).

Why not `csv.writer(lineterminator="\\n", quoting=QUOTE_MINIMAL)`: measured on this machine's Python
3.11.7 it leaves a field holding a bare `\\r` unquoted (before CPython gh-67044 it only quoted the
characters of the line terminator), which RFC 4180 readers split into two records; the fix arrived
in 3.11.9 / 3.12.3 / 3.13.0, so with the csv module the bytes would depend on the patch release. The
few lines below pin the rule; tests read every file back with the csv module's reader.

Values: str as is; int as decimal digits; float through `format_float` (`1.0`, `1530.01`); aware
datetimes as `flowtui.timeutil.format_utc_z` writes them (`2026-11-23T12:00:00Z`, via the faster
`format_utc`). Anything else is a programming error and raises TypeError.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TextIO

from flowtui.timeutil import to_utc

_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def format_float(value: float) -> str:
    """A float the way Python prints it (`1.0`, `1530.01`, `0.125`), never in exponent form."""
    if not math.isfinite(value):
        raise ValueError(f"cannot write the non-finite number {value!r} to a CSV file")
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
        if "." not in text:
            text += ".0"
    return text


def format_utc(value: datetime) -> str:
    """The same text as `flowtui.timeutil.format_utc_z` (tested), several times faster than strftime."""
    if value.tzinfo is not UTC:
        value = to_utc(value)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (  # noqa: UP031 - faster than isoformat/strftime/f-strings
        value.year, value.month, value.day, value.hour, value.minute, value.second)


def _none(_value: object) -> str:
    return ""


def _no_bool(_value: object) -> str:  # bool is an int subclass: refuse it rather than print "True"
    raise TypeError("booleans have no CSV form in flowtui exports")


_CONVERT: dict[type, Callable[[Any], str]] = {
    type(None): _none, str: str, int: int.__repr__, float: format_float, datetime: format_utc, bool: _no_bool,
}
_get = _CONVERT.get


def cell(value: object) -> str:
    """One value as CSV text (before quoting); None is the empty field."""
    convert = _CONVERT.get(type(value))
    if convert is None:
        if isinstance(value, datetime):
            return format_utc(value)
        raise TypeError(f"no CSV form for {type(value).__name__}")
    return convert(value)


def quote(text: str) -> str:
    """RFC 4180 quoting, only when needed."""
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def encode_row(values: Sequence[object]) -> str:
    """One record with its LF terminator.

    Fast path: join the fields and quote nothing when the line holds no quote, LF or CR and exactly
    one comma per separator — the common case, checked with a few C-level scans per row.
    """
    fields = [v if type(v) is str else "" if v is None else (_get(type(v)) or cell)(v) for v in values]
    line = ",".join(fields)
    if '"' in line or "\n" in line or "\r" in line or line.count(",") != len(fields) - 1:
        return ",".join([quote(f) for f in fields]) + "\n"
    if not line and len(fields) == 1:
        return '""\n'
    return line + "\n"


def write_rows(handle: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write the header and the rows; return the number of data rows written."""
    width = len(header)
    write = handle.write
    write(encode_row(header))
    count = 0
    encode = encode_row
    for row in rows:
        if len(row) != width:
            raise ValueError(f"a row has {len(row)} fields where the header has {width}")
        write(encode(row))
        count += 1
    return count


__all__ = ["cell", "encode_row", "format_float", "format_utc", "quote", "write_rows"]
