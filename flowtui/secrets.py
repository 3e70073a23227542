"""The PAT: kept in the OS keyring (service "flowtui", user = the org URL), FLOWTUI_PAT as fallback.

There is deliberately no file fallback: with no keyring backend, flowtui says so and points to
FLOWTUI_PAT. A keyring backend that itself keeps secrets in files (keyrings.alt's PlaintextKeyring
and EncryptedKeyring, keyrings.cryptfile, anything in a chain of backends) is refused for storing the
PAT unless the user opts in (`auth.allow_plaintext_keyring = true` or FLOWTUI_ALLOW_PLAINTEXT_KEYRING=1).
FLOWTUI_PAT is stripped of surrounding whitespace; an all-whitespace value counts as no PAT. Every keyring call catches KeyringError (a headless box gets the `fail` backend, whose
every call raises). keyring is imported lazily: resolving its backend costs a few hundred ms.
Nothing here ever puts the PAT into a message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from flowtui.errors import AuthError, SecretStoreError
from flowtui.redact import register_secret

SERVICE = "flowtui"
ENV_VAR = "FLOWTUI_PAT"
ALLOW_FILE_ENV_VAR = "FLOWTUI_ALLOW_PLAINTEXT_KEYRING"
#: Backends from these packages (or whose class name says so) keep secrets in files on disk.
_FILE_BACKEND_PACKAGES = ("keyrings.alt", "keyrings.cryptfile", "keyring.backends.file")
_FILE_BACKEND_WORDS = ("plaintext", "file", "encryptedkeyring")


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


def _backend_label(backend: object) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _stores_in_files(backend: object) -> bool:
    module = type(backend).__module__.lower()
    name = type(backend).__name__.lower()
    return module.startswith(_FILE_BACKEND_PACKAGES) or any(word in name for word in _FILE_BACKEND_WORDS)


def file_backends(backend: object) -> list[str]:
    """The backends (the one given, or each one of a chain) that keep secrets in plain files."""
    chain = getattr(backend, "backends", None)
    members = list(chain) if isinstance(chain, (list, tuple)) else [backend]
    return [_backend_label(b) for b in members if _stores_in_files(b)]


def plaintext_allowed(setting: bool = False, env: Mapping[str, str] | None = None) -> bool:
    """The explicit opt-in for file-backed keyrings: the config key or FLOWTUI_ALLOW_PLAINTEXT_KEYRING=1."""
    env = os.environ if env is None else env
    return setting or env.get(ALLOW_FILE_ENV_VAR, "").strip().lower() in ("1", "true", "yes", "on")


def env_pat(env: Mapping[str, str] | None = None) -> str | None:
    """FLOWTUI_PAT without surrounding whitespace or newlines; None when unset or blank."""
    env = os.environ if env is None else env
    value = (env.get(ENV_VAR) or "").strip()
    return value or None


def backend_name() -> str:
    try:
        backend = _keyring().get_keyring()
    except Exception as exc:  # noqa: BLE001 - reporting only
        return f"unavailable ({type(exc).__name__})"
    files = file_backends(backend)
    label = _backend_label(backend)
    return f"{label} (keeps secrets in plain files: {', '.join(files)})" if files else label


def keyring_file_backends() -> list[str]:
    """The backends of the active keyring that keep secrets in plain files ([] when none or no keyring)."""
    try:
        return file_backends(_keyring().get_keyring())
    except Exception:  # noqa: BLE001 - reporting only
        return []


def set_pat(org_url: str, pat: str, *, allow_plaintext: bool = False, env: Mapping[str, str] | None = None) -> None:
    """Store the PAT in the keyring; SecretStoreError (pointing to FLOWTUI_PAT) when that is impossible.

    A backend that keeps secrets in files is refused unless `allow_plaintext` (the config key
    `auth.allow_plaintext_keyring`) or FLOWTUI_ALLOW_PLAINTEXT_KEYRING=1 says otherwise.
    """
    if not org_url:
        raise SecretStoreError("No organization URL is configured; run `flowtui config set ado.org_url URL` first.")
    pat = pat.strip()
    if not pat:
        raise SecretStoreError("The PAT was empty; nothing was stored.")
    kr = _keyring()
    try:
        backend = kr.get_keyring()
    except kr.errors.KeyringError as exc:
        raise SecretStoreError(_no_backend_message(org_url, exc)) from None
    files = file_backends(backend)
    if files and not plaintext_allowed(allow_plaintext, env):
        raise SecretStoreError(
            f"The keyring backend {files[0]} keeps secrets in a plain file, so the PAT for {org_url} was not stored; "
            f"set the {ENV_VAR} environment variable instead (or opt in with auth.allow_plaintext_keyring = true)."
        )
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


def get_pat(org_url: str, env: Mapping[str, str] | None = None) -> str:
    """The PAT for `org_url`: the keyring first, then FLOWTUI_PAT; AuthError when there is none."""
    env = os.environ if env is None else env
    pat, error = _from_keyring(org_url) if org_url else (None, None)
    pat = (pat or "").strip() or env_pat(env)
    if pat:
        register_secret(pat)
        return pat
    hint = " (no usable OS keyring on this machine)" if error else ""
    raise AuthError(
        f"No PAT is stored for {org_url or 'the organization'}{hint}; run `flowtui auth set` "
        f"or set {ENV_VAR}."
    )


def pat_status(org_url: str, env: Mapping[str, str] | None = None) -> PatStatus:
    env = os.environ if env is None else env
    pat, error = _from_keyring(org_url) if org_url else (None, None)
    if pat:
        source = "keyring"
    elif env_pat(env):
        source = f"env {ENV_VAR}"
    else:
        source = None
    return PatStatus(org_url, source, backend_name(), error)
