"""TLS trust: `ado.ca_bundle` adds a corporate CA to the default roots; `ado.trust_store = "os"` uses truststore.

The CA and the server certificate are generated here with `cryptography`; the handshake runs against
a loopback TLS server in a thread (no network).
"""

from __future__ import annotations

import datetime
import socket
import ssl
import sys
import threading
from pathlib import Path

import certifi
import pytest

from flowtui.ado import AdoClient
from flowtui.ado.tls import TRUSTSTORE_MISSING, describe_roots, mask_url, proxy_for, ssl_context
from flowtui.config import load_settings
from flowtui.errors import ConfigError

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

CA_NAME = "flowtui test corporate CA"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA (ca.pem) and a 'localhost' server certificate it signed (server.pem + server.key)."""
    out = tmp_path_factory.mktemp("pki")
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name(CA_NAME)).issuer_name(_name(CA_NAME))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (out / "ca.pem").write_bytes(_pem(ca))
    (out / "server.pem").write_bytes(_pem(leaf))
    (out / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return {"ca": out / "ca.pem", "cert": out / "server.pem", "key": out / "server.key"}


def _subjects(ctx: ssl.SSLContext) -> set[str]:
    names = set()
    for cert in ctx.get_ca_certs():
        for rdn in cert["subject"]:
            for key, value in rdn:
                if key == "commonName":
                    names.add(value)
    return names


def _certifi_subjects() -> set[str]:
    return _subjects(ssl.create_default_context(cafile=certifi.where()))


def _handshake(ctx: ssl.SSLContext, pki: dict[str, Path]) -> str:
    """TLS to a loopback server presenting the CA-signed 'localhost' certificate; returns the peer CN."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(pki["cert"], pki["key"])
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    port = listener.getsockname()[1]

    def serve() -> None:
        try:
            conn, _ = listener.accept()
            conn.settimeout(10)
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (OSError, ssl.SSLError):
            pass  # the client refused the certificate: the client side reports it

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                peer = tls.getpeercert()
                tls.sendall(b"x")
                return dict(rdn[0] for rdn in peer["subject"])["commonName"]
    finally:
        thread.join(10)
        listener.close()


def test_ca_bundle_is_added_to_the_certifi_roots(pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    ctx = ssl_context(ca_bundle=str(pki["ca"]))
    assert isinstance(ctx, ssl.SSLContext)
    subjects = _subjects(ctx)
    public = _certifi_subjects()
    assert len(public) > 50 and "ISRG Root X1" in public  # certifi's bundle, as shipped
    assert public <= subjects  # every public root is still trusted ...
    assert CA_NAME in subjects  # ... and the corporate CA is added
    assert len(ctx.get_ca_certs()) == len(ssl.create_default_context(cafile=certifi.where()).get_ca_certs()) + 1
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert _handshake(ctx, pki) == "localhost"


def test_without_the_bundle_the_server_is_refused(pki: dict[str, Path]) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(ssl.create_default_context(cafile=certifi.where()), pki)


def test_defaults_and_verification_off_leave_httpx_alone(pki: dict[str, Path]) -> None:
    assert ssl_context() is True  # httpx's own default roots (certifi, SSL_CERT_FILE)
    assert ssl_context(verify_tls=False, ca_bundle=str(pki["ca"])) is False
    assert describe_roots(verify_tls=False).startswith("verification OFF")
    assert describe_roots(ca_bundle="/corp/ca.pem", env={}).endswith("plus ado.ca_bundle /corp/ca.pem")


def test_a_bundle_that_is_not_pem_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ado.ca_bundle = .* cannot be loaded as a PEM bundle"):
        ssl_context(ca_bundle=str(bad))


def test_the_client_uses_the_combined_context(pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    import flowtui.ado.client as client_module

    real = client_module.ssl_context
    monkeypatch.setattr(client_module, "ssl_context", lambda **kw: seen.append(real(**kw)) or seen[-1])
    AdoClient("https://ado.example.test/tfs/Coll", "x" * 8, ca_bundle=str(pki["ca"])).close()
    assert isinstance(seen[0], ssl.SSLContext) and CA_NAME in _subjects(seen[0])


def test_trust_store_os_uses_truststore_plus_the_bundle(pki: dict[str, Path]) -> None:
    truststore = pytest.importorskip("truststore")
    ctx = ssl_context(trust_store="os", ca_bundle=str(pki["ca"]))
    assert isinstance(ctx, truststore.SSLContext)
    assert _handshake(ctx, pki) == "localhost"  # the added CA verifies (the OS store does not know it)


def test_trust_store_os_without_truststore_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "truststore", None)  # import truststore -> ImportError
    with pytest.raises(ConfigError) as caught:
        ssl_context(trust_store="os")
    assert caught.value.message == TRUSTSTORE_MISSING and "pip install" in TRUSTSTORE_MISSING
    with pytest.raises(ConfigError, match="allowed: certifi, os"):
        ssl_context(trust_store="windows")


def test_trust_store_setting_is_validated(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[ado]\ntrust_store = "system"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ado.trust_store = 'system' is not valid; allowed: certifi or os"):
        load_settings(config=config, env={})
    config.write_text('[ado]\ntrust_store = "os"\n', encoding="utf-8")
    assert load_settings(config=config, env={})["ado.trust_store"] == "os"
    assert load_settings(config=tmp_path / "none.toml", env={})["ado.trust_store"] == "certifi"


def test_proxy_for_masks_credentials_and_honours_no_proxy() -> None:
    env = {"HTTPS_PROXY": "http://user:s3cret@proxy.corp:8080", "NO_PROXY": "ado.corp.example,.internal"}
    info = proxy_for("https://dev.azure.com/Org", env)
    assert info.proxy == "http://***@proxy.corp:8080" and not info.bypassed
    assert "s3cret" not in repr(info)
    server = proxy_for("https://ado.corp.example/tfs/Coll", env)
    assert server.proxy is None and server.bypassed
    assert proxy_for("https://dev.azure.com/Org", {}).proxy is None
    assert mask_url("http://proxy:3128") == "http://proxy:3128"
