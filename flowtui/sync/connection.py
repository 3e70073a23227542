"""The one connection factory: settings → PAT source → transport → `AdoClient`.

`connect` decides where the PAT comes from (the demo PAT, a PAT typed into the Settings screen, or the
keyring then `FLOWTUI_PAT` via `flowtui.secrets`) and which transport carries the requests (the simulated
ADO in demo mode, an injected one in tests, the network otherwise), and validates the organization URL
with the one validator (`flowtui.orgurl`). `Connection.client` (and `make_client`, which the sync engine
calls with its own waits and cancel hook) builds the client with the `[ado]` settings. The App, the CLI,
the Settings screen's "test connection" and the sync engine all come through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowtui.ado.client import AdoClient
from flowtui.errors import ConfigError
from flowtui.orgurl import validate_org_url
from flowtui.redact import register_secret

if TYPE_CHECKING:
    import httpx

    from flowtui.config import Settings

NO_ORG_URL = "No organization URL is configured; pass --org-url or run `flowtui config set ado.org_url URL`."


@dataclass(frozen=True, slots=True)
class Connection:
    """Where and how to reach ADO: the collection URL, the PAT (never shown in a repr) and the transport."""

    org_url: str
    pat: str = field(repr=False)
    #: The httpx transport (the simulated ADO in demo mode and tests); None = the network.
    transport: httpx.BaseTransport | None = None
    demo: bool = False

    def client(self, settings: Settings, **limits: Any) -> AdoClient:
        """An `AdoClient` for this connection with the `[ado]` settings; `limits` override client arguments."""
        return make_client(settings, self.org_url, self.pat, self.transport, **limits)

    def project_names(self, settings: Settings) -> list[str]:
        """The names of the projects the PAT can see: one cheap call ("test connection"), 2 attempts, ≤ 10 s of waits."""
        from flowtui.ado.endpoints import list_projects

        with self.client(settings, max_attempts=2, max_total_wait_s=10) as client:
            return [str(p.get("name", "")) for p in list_projects(client)]


def connect(settings: Settings, *, demo: bool = False, transport: httpx.BaseTransport | None = None,
            org_url: str | None = None, typed_pat: str = "") -> Connection:
    """Resolve the connection for `settings` (or for `org_url`, e.g. a URL typed but not saved yet).

    demo: the simulated organization (its PAT, and its in-process transport unless `transport` is given).
    typed_pat: a PAT the user just typed; otherwise the keyring, then FLOWTUI_PAT (AuthError when none).
    Raises ConfigError for a missing or invalid organization URL. The PAT is registered for redaction.
    """
    url = org_url if org_url is not None else settings.org_url
    if demo:
        from flowtui.demo_mode import DEMO_PAT, demo_org_url, demo_transport

        register_secret(DEMO_PAT)  # the demo PAT too: no log line may show the PAT in use
        return Connection(validate_org_url(url or demo_org_url()), DEMO_PAT, transport or demo_transport(), demo=True)
    if not (url or "").strip():
        raise ConfigError(NO_ORG_URL)
    url = validate_org_url(url)
    if typed_pat:
        pat = typed_pat
    else:
        from flowtui.secrets import get_pat

        pat = get_pat(url)
    register_secret(pat)
    return Connection(url, pat, transport)


def make_client(settings: Settings, org_url: str, pat: str, transport: httpx.BaseTransport | None,
                **limits: Any) -> AdoClient:
    """An `AdoClient` with the `[ado]` settings (API version, timeout, TLS and trust store, concurrency) and `limits`."""
    options: dict[str, Any] = {
        "api_version": settings.ado.api_version,
        "timeout_s": settings.ado.timeout_s,
        "verify_tls": settings.ado.verify_tls,
        "ca_bundle": settings.ado.ca_bundle,
        "trust_store": settings.ado.trust_store,
        "max_concurrency": settings.ado.max_concurrency,
    }
    options.update(limits)
    return AdoClient(org_url, pat, transport=transport, **options)


__all__ = ["NO_ORG_URL", "Connection", "connect", "make_client"]
