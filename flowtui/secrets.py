"""The PAT: kept in the OS keyring (service "flowtui", user = the org URL), FLOWTUI_PAT as fallback.

There is deliberately no file fallback: with no keyring backend, flowtui says so and points to
FLOWTUI_PAT. Every keyring call catches KeyringError (a headless box gets the `fail` backend, whose
every call raises). keyring is imported lazily: resolving its backend costs a few hundred ms.
Nothing here ever puts the PAT into a message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from flowtui.errors import AuthError, SecretStoreError

SERVICE = "flowtui"
ENV_VAR = "FLOWTUI_PAT"


@dataclass(frozen=True)
class PatStatus:
    """Where a PAT for an org URL would come from; never the PAT itself."""

    org_url: str
    source: str | None  # "keyring", "env FLOWTUI_PAT" or None
    keyring_backend: str
    keyring_error: str | None = None


def _keyring():  # noqa: ANN202 - the keyring module
    import keyring

    return keyring


def _no_backend_message(org_url: str, exc: Exception) -> str:
    return (
        f"No usable OS keyring was found ({type(exc).__name__}), so the PAT for {org_url} cannot be stored; "
        f"set the {ENV_VAR} environment variable instead (flowtui never writes the PAT to a file)."
    )


def backend_name() -> str:
    try:
        backend = _keyring().get_keyring()
    except Exception as exc:  # noqa: BLE001 - reporting only
        return f"unavailable ({type(exc).__name__})"
    return f"{type(backend).__module__}.{type(backend).__name__}"


def set_pat(org_url: str, pat: str) -> None:
    """Store the PAT in the keyring; SecretStoreError (pointing to FLOWTUI_PAT) when that is impossible."""
    if not org_url:
        raise SecretStoreError("No organization URL is configured; run `flowtui config set ado.org_url URL` first.")
    pat = pat.strip()
    if not pat:
        raise SecretStoreError("The PAT was empty; nothing was stored.")
    kr = _keyring()
    try:
        kr.set_password(SERVICE, org_url, pat)
        # A backend may accept the write and keep nothing (keyring's `null` backend, the usual CI
        # setting): read it back, so "stored" is never claimed for a PAT that is not there.
        stored = kr.get_password(SERVICE, org_url)
    except kr.errors.KeyringError as exc:
        raise SecretStoreError(_no_backend_message(org_url, exc)) from None
    if stored != pat:
        raise SecretStoreError(
            f"The OS keyring ({backend_name()}) did not keep the PAT for {org_url}; "
            f"set the {ENV_VAR} environment variable instead (flowtui never writes the PAT to a file)."
        )


def clear_pat(org_url: str) -> bool:
    """Remove the stored PAT; returns False when there was none."""
    kr = _keyring()
    try:
        kr.delete_password(SERVICE, org_url)
    except kr.errors.PasswordDeleteError:
        return False
    except kr.errors.KeyringError as exc:
        raise SecretStoreError(_no_backend_message(org_url, exc)) from None
    return True


def _from_keyring(org_url: str) -> tuple[str | None, str | None]:
    kr = _keyring()
    try:
        return kr.get_password(SERVICE, org_url), None
    except kr.errors.KeyringError as exc:
        return None, type(exc).__name__


def get_pat(org_url: str, env: dict[str, str] | None = None) -> str:
    """The PAT for `org_url`: the keyring first, then FLOWTUI_PAT; AuthError when there is none."""
    env = os.environ if env is None else env
    pat, error = _from_keyring(org_url) if org_url else (None, None)
    if pat:
        return pat
    if env.get(ENV_VAR):
        return env[ENV_VAR]
    hint = " (no usable OS keyring on this machine)" if error else ""
    raise AuthError(
        f"No PAT is stored for {org_url or 'the organization'}{hint}; run `flowtui auth set` "
        f"or set {ENV_VAR}."
    )


def pat_status(org_url: str, env: dict[str, str] | None = None) -> PatStatus:
    env = os.environ if env is None else env
    pat, error = _from_keyring(org_url) if org_url else (None, None)
    if pat:
        source = "keyring"
    elif env.get(ENV_VAR):
        source = f"env {ENV_VAR}"
    else:
        source = None
    return PatStatus(org_url, source, backend_name(), error)
