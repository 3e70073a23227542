"""The one organization-URL validator: what a collection URL may look like, for config, client and UI.

Accepted: `https://dev.azure.com/ORG`, `https://ORG.visualstudio.com[/Collection]` and an ADO Server
collection (`https://server/tfs/Collection`); `http://` only for loopback hosts; no query, fragment or
credentials. Trailing slashes are dropped. The config checks keys with `normalize_org_url`, the ADO client
and the sync engine with `validate_org_url`, the Settings screen shows `org_url_problem` as you type.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flowtui.errors import ConfigError

#: The rule, as one sentence a user can act on.
ORG_URL_RULE = ("Use https://dev.azure.com/ORG, https://ORG.visualstudio.com or https://server/tfs/Collection "
                "(http:// only for localhost).")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def normalize_org_url(v: Any) -> str:
    """The collection URL without trailing slash ("" for an empty one); ValueError for anything else."""
    if not isinstance(v, str):
        raise ValueError
    text = v.strip().rstrip("/")
    if text == "":
        return ""
    if "?" in text or "#" in text:  # even an empty query or fragment
        raise ValueError
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError
    if parts.username is not None or parts.password is not None:  # credentials never go into the config
        raise ValueError
    _ = parts.port  # raises ValueError for a non-numeric or out-of-range port
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValueError
    host = parts.hostname.lower()
    segments = [s for s in parts.path.split("/") if s]
    if host == "dev.azure.com" and len(segments) != 1:
        raise ValueError
    if host.endswith(".visualstudio.com") and len(segments) > 1:
        raise ValueError
    if host not in ("dev.azure.com",) and not host.endswith(".visualstudio.com") and not segments:
        raise ValueError
    return text


def org_url_problem(text: str) -> str | None:
    """None when `text` is an acceptable (non-empty) collection URL, else `ORG_URL_RULE`."""
    try:
        if normalize_org_url(text):
            return None
    except ValueError:
        pass
    return ORG_URL_RULE


def masked_url(value: Any) -> Any:
    """The value as a message may show it: credentials in a URL are masked (they may be a PAT)."""
    if isinstance(value, str) and "@" in value:
        try:
            parts = urlsplit(value.strip())
        except ValueError:
            return value
        if parts.username is not None or parts.password is not None:
            return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))
    return value


def validate_org_url(org_url: str) -> str:
    """The collection URL without trailing slash; ConfigError (one sentence) for an empty or invalid one."""
    try:
        text = normalize_org_url(org_url)
    except ValueError:
        text = ""
    if not text:
        raise ConfigError(f"{masked_url(org_url)!r} is not a valid organization URL; {ORG_URL_RULE[0].lower()}"
                          f"{ORG_URL_RULE[1:]}")
    return text


__all__ = ["ORG_URL_RULE", "masked_url", "normalize_org_url", "org_url_problem", "validate_org_url"]
