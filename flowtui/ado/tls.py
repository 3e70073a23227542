"""TLS trust and proxies for the ADO client: which roots verify a server, and which proxy a request takes.

The roots (`ssl_context`):
- by default, the certifi bundle that httpx uses (or `SSL_CERT_FILE` / `SSL_CERT_DIR` when set, as
  httpx honours them), plus `ado.ca_bundle` when one is given: the corporate CA of an Azure DevOps
  Server is ADDED to the public roots, so https://dev.azure.com keeps working next to it;
- with `ado.trust_store = "os"`, the operating system's certificate store through the `truststore`
  package (Windows certificate store, macOS keychain, the distribution's bundle on Linux), again
  plus `ado.ca_bundle`. Selecting it without `truststore` installed is a ConfigError saying how to
  install it; nothing falls back silently.
- `ado.verify_tls = false` turns verification off (and wins over both: the run warns about it).

Proxies come from the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY), which httpx reads
itself; `proxy_for` only describes what applies to a URL, with any credentials in a proxy URL masked.
"""

from __future__ import annotations

import os
import ssl
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from flowtui.errors import ConfigError

#: `ado.trust_store` values: "certifi" (the default: certifi's bundle, as httpx ships it) or "os".
TRUST_STORES = ("certifi", "os")
TRUSTSTORE_MISSING = (
    "ado.trust_store = \"os\" needs the truststore package, which is not installed; "
    "run `pip install 'flowtui[truststore]'` (or `pip install truststore`), or remove the setting."
)


def _default_roots(env: Mapping[str, str]) -> tuple[ssl.SSLContext, str]:
    """The roots httpx would use with verify=True: SSL_CERT_FILE, else SSL_CERT_DIR, else certifi."""
    if env.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=env["SSL_CERT_FILE"]), f"SSL_CERT_FILE {env['SSL_CERT_FILE']}"
    if env.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=env["SSL_CERT_DIR"]), f"SSL_CERT_DIR {env['SSL_CERT_DIR']}"
    import certifi

    return ssl.create_default_context(cafile=certifi.where()), f"certifi {certifi.where()}"


def _os_roots() -> ssl.SSLContext:
    try:
        import truststore
    except ImportError:
        raise ConfigError(TRUSTSTORE_MISSING) from None
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def ssl_context(
    *, verify_tls: bool = True, ca_bundle: str = "", trust_store: str = "certifi", env: Mapping[str, str] | None = None
) -> ssl.SSLContext | bool:
    """What the httpx client's `verify=` gets: False (verification off), True (httpx's own default
    roots, unchanged) or a context with the chosen roots plus `ca_bundle`.

    ConfigError when `trust_store` is unknown, "os" without truststore, or `ca_bundle` is not a PEM file.
    """
    if trust_store not in TRUST_STORES:
        raise ConfigError(f"ado.trust_store = {trust_store!r} is not valid; allowed: {', '.join(TRUST_STORES)}.")
    if not verify_tls:
        return False
    if trust_store == "certifi" and not ca_bundle:
        return True
    env = os.environ if env is None else env
    ctx = _os_roots() if trust_store == "os" else _default_roots(env)[0]
    if ca_bundle:
        try:
            ctx.load_verify_locations(cafile=os.path.expanduser(ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"ado.ca_bundle = {ca_bundle!r} cannot be loaded as a PEM bundle ({exc}).") from None
    return ctx


def describe_roots(
    *, verify_tls: bool = True, ca_bundle: str = "", trust_store: str = "certifi", env: Mapping[str, str] | None = None
) -> str:
    """One line saying which certificates verify the server (for `flowtui doctor`)."""
    env = os.environ if env is None else env
    if not verify_tls:
        return "verification OFF (ado.verify_tls = false)"
    if trust_store == "os":
        base = "the OS certificate store (truststore)"
    else:
        if env.get("SSL_CERT_FILE"):
            base = f"SSL_CERT_FILE {env['SSL_CERT_FILE']}"
        elif env.get("SSL_CERT_DIR"):
            base = f"SSL_CERT_DIR {env['SSL_CERT_DIR']}"
        else:
            import certifi

            base = f"certifi {certifi.where()}"
    return f"{base} plus ado.ca_bundle {ca_bundle}" if ca_bundle else base


def mask_url(url: str) -> str:
    """A proxy URL with any user name and password replaced by ***."""
    try:
        parts = urlsplit(url)
        if parts.username is None and parts.password is None:
            return url
        return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))
    except ValueError:
        return "(unparsable proxy URL)"


@dataclass(frozen=True)
class ProxyInfo:
    """The proxy a URL would go through, from the environment (credentials masked)."""

    proxy: str | None  # None = direct
    bypassed: bool  # NO_PROXY names the host
    no_proxy: str
    variables: dict[str, str]  # the proxy variables that are set, masked


def proxy_for(url: str, env: Mapping[str, str] | None = None) -> ProxyInfo:
    """Which environment proxy applies to `url` (as httpx reads them: scheme proxy, ALL_PROXY, NO_PROXY)."""
    env = os.environ if env is None else env
    names = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")
    found: dict[str, str] = {}
    for name in names:
        value = env.get(name) or env.get(name.lower())
        if value:
            found[name] = value if name == "NO_PROXY" else mask_url(value)
    parts = urlsplit(url)
    host = parts.hostname or ""
    no_proxy = found.get("NO_PROXY", "")
    bypassed = bool(no_proxy) and _bypassed(host, no_proxy)
    chosen = found.get(f"{parts.scheme.upper()}_PROXY") or found.get("ALL_PROXY")
    return ProxyInfo(None if bypassed else chosen, bypassed, no_proxy, found)


def _bypassed(host: str, no_proxy: str) -> bool:
    # proxy_bypass_environment is public in CPython's urllib.request but missing from typeshed
    return bool(urllib.request.proxy_bypass_environment(host, {"no": no_proxy}))  # type: ignore[attr-defined]


__all__ = ["TRUST_STORES", "TRUSTSTORE_MISSING", "ProxyInfo", "describe_roots", "mask_url", "proxy_for", "ssl_context"]
