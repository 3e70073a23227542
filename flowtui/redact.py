"""Keeping the PAT and authorization headers out of every log line.

`register_secret(pat)` is called wherever a PAT enters the process (`flowtui.secrets.get_pat`, the demo
PAT); `redact(text)` replaces every registered secret, its Basic-auth base64 forms and any
`Authorization:` header value with `***`, and hides raw header lists altogether. `RedactingFilter` applies it to log records (message,
arguments and traceback), so `--debug` HTTP and SQL logs can never print the PAT.
"""

from __future__ import annotations

import base64
import logging
import re
import threading

MASK = "***"
#: At most this many secrets are remembered (a process handles one or two PATs; the bound keeps it small).
MAX_SECRETS = 16

_lock = threading.Lock()
_secrets: list[str] = []
#: `Authorization: Basic xyz`, `'authorization': 'Bearer xyz'`, `(b'Authorization', b'Basic xyz')` …
_AUTH_HEADER = re.compile(
    r"(?i)(authorization['\"]?\s*[:=,]\s*(?:b?['\"])?\s*)([A-Za-z]+\s+)?[^\s'\",)\]}]+"
)
_BASIC = re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~-]{6,}")
#: A raw header list as httpcore's trace logs it: `[(b'Set-Cookie', b'…'), …]` (never shown, any header).
_HEADER_LIST = re.compile(r"\[\(b['\"].*\)\]")
HEADERS_HIDDEN = "[headers hidden]"


def _forms(secret: str) -> list[str]:
    """The secret and the base64 forms an HTTP library may log (Basic auth of ':PAT' and of 'PAT')."""
    raw = secret.encode("utf-8", "surrogatepass")
    forms = {secret}
    for payload in (b":" + raw, raw):
        encoded = base64.b64encode(payload).decode("ascii")
        forms.add(encoded)
        forms.add(encoded.rstrip("="))
    return sorted((f for f in forms if len(f) >= 4), key=len, reverse=True)


def register_secret(secret: str | None) -> None:
    """Remember a secret so every later log line hides it (empty and very short values are ignored)."""
    if not secret or len(secret) < 4:
        return
    with _lock:
        for form in _forms(secret):
            if form not in _secrets:
                _secrets.append(form)
        del _secrets[: max(0, len(_secrets) - MAX_SECRETS * 5)]
        _secrets.sort(key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with registered secrets, Basic/Bearer tokens and Authorization header values masked, and
    raw header lists (httpcore's trace) replaced by "[headers hidden]"."""
    with _lock:
        known = list(_secrets)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _HEADER_LIST.sub(HEADERS_HIDDEN, text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, text)
    return _BASIC.sub(lambda m: f"{m.group(1)} {MASK}", text)


class RedactingFilter(logging.Filter):
    """A handler filter: formats each record's message (and traceback) once, then masks secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is still logged, masked
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


__all__ = ["HEADERS_HIDDEN", "MASK", "RedactingFilter", "redact", "register_secret"]
