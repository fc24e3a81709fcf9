"""Which TLS certificates are trusted: the system's store, what the environment and the settings
add, and the hosts whose certificates are not verified at all.

The system store is the one the operating system keeps — where a company installs the CA its
TLS-inspecting proxy signs with. On macOS and Windows it is asked through ``truststore`` (the
platform verifies each chain). Elsewhere ``truststore`` would read OpenSSL's default store again
for every connection (measured: 20 ms a handshake), so the same store is read once per run here:
OpenSSL's compiled-in file and folder, else the well-known bundle files of the common
distributions. When none is found, certifi's bundle stands in.

Added to it: ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` from the environment mapping the checker was
given (read here, not left to OpenSSL, which reads only the process's own environment), and
``check.ca_bundle``. A host with ``insecure = true`` in ``[check.hosts."name"]`` is asked
without verification (that host only); the reports name it.
"""

from __future__ import annotations

import os
import re
import ssl
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import certifi

from linkkeeper.config import CheckSettings
from linkkeeper.errors import ConfigError

__all__ = ["Trust", "check_trust_sources", "insecure_hosts", "load_ca_file", "tls_hint", "trusted_context"]

_CA_FILES = (
    "/etc/ssl/cert.pem",  # Alpine, Arch, Fedora, RHEL 9-10, the BSDs, macOS's OpenSSL
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # Fedora, RHEL
    "/etc/pki/tls/cert.pem",  # older Fedora, RHEL, CentOS
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu
    "/etc/ssl/ca-bundle.pem",  # SUSE
)
_HASHED = re.compile(r"^[0-9a-fA-F]{8}\.[0-9]$")


def load_ca_file(context: ssl.SSLContext, path: str) -> None:
    """Trust the CA certificates of a PEM file; ValueError says why it cannot be used."""
    file = Path(path).expanduser()
    if not os.path.isfile(file):  # os.path: a name too long for the file system is no file either
        raise ValueError(f"{path}: no such file (expected a PEM file of CA certificates)")
    try:
        context.load_verify_locations(cafile=file)
    except (ssl.SSLError, OSError) as exc:
        raise ValueError(f"{path}: not a PEM file of CA certificates ({exc})") from None


def _has_certificates(folder: str) -> bool:
    try:
        return any(_HASHED.match(name) for name in os.listdir(folder))
    except OSError:
        return False


def _system_store(context: ssl.SSLContext) -> bool:
    """Load OpenSSL's own store (not the process's SSL_CERT_* variables), else a distribution's
    bundle file; whether one was found."""
    paths = ssl.get_default_verify_paths()
    cafile = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
    capath = paths.openssl_capath if _has_certificates(paths.openssl_capath) else None
    if cafile is None and capath is None:
        cafile = next((candidate for candidate in _CA_FILES if os.path.isfile(candidate)), None)
    if cafile is None and capath is None:
        return False
    context.load_verify_locations(cafile=cafile, capath=capath)
    return True


def trusted_context(environ: Mapping[str, str], ca_bundle: str = "") -> ssl.SSLContext:
    """A verifying client context: the system store (certifi when there is none), plus
    ``SSL_CERT_FILE``/``SSL_CERT_DIR`` from ``environ`` and ``ca_bundle``. ConfigError names a
    variable or setting whose file cannot be used."""
    context: ssl.SSLContext
    if sys.platform in ("darwin", "win32"):
        import truststore

        context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # the CAs loaded below are added to the system's
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if not _system_store(context):
            context.load_verify_locations(cafile=certifi.where())
    _add_trusted(context, environ, ca_bundle)
    return context


def check_trust_sources(environ: Mapping[str, str], ca_bundle: str = "") -> None:
    """ConfigError when ``SSL_CERT_FILE``, ``SSL_CERT_DIR`` or ``ca_bundle`` cannot be used:
    checked before a run starts, so a bad one stops it before anything is recorded."""
    _add_trusted(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), environ, ca_bundle)


def _add_trusted(context: ssl.SSLContext, environ: Mapping[str, str], ca_bundle: str) -> None:
    if cert_file := environ.get("SSL_CERT_FILE", "").strip():
        try:
            load_ca_file(context, cert_file)
        except ValueError as exc:
            raise ConfigError("environment", "SSL_CERT_FILE", str(exc)) from None
    if cert_dir := environ.get("SSL_CERT_DIR", "").strip():
        for folder in cert_dir.split(os.pathsep):
            if not os.path.isdir(folder):
                raise ConfigError("environment", "SSL_CERT_DIR", f"{folder}: no such folder")
            context.load_verify_locations(capath=folder)
    if ca_bundle:
        try:
            load_ca_file(context, ca_bundle)
        except ValueError as exc:
            raise ConfigError("settings", "check.ca_bundle", str(exc)) from None


def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def insecure_hosts(settings: CheckSettings) -> frozenset[str]:
    """The hosts ``[check.hosts."name"] insecure = true`` names, in lower case."""
    return frozenset(name.lower().rstrip(".") for name, host in settings.hosts.items() if host.insecure)


@dataclass(frozen=True, slots=True)
class Trust:
    """The run's TLS contexts: one verifying context for every host, one that does not verify for
    the hosts marked insecure, and one for an https:// proxy (its own: ALPN differs)."""

    verified: ssl.SSLContext
    unverified: ssl.SSLContext
    insecure: frozenset[str]
    proxy: ssl.SSLContext | None = None

    @classmethod
    def load(cls, settings: CheckSettings, environ: Mapping[str, str], *, https_proxy: bool = False) -> Trust:
        verified = trusted_context(environ, settings.ca_bundle)
        proxy = trusted_context(environ, settings.ca_bundle) if https_proxy else None
        return cls(verified, _unverified_context(), insecure_hosts(settings), proxy)

    def for_host(self, host: str) -> ssl.SSLContext:
        return self.unverified if host.lower().rstrip(".") in self.insecure else self.verified


def tls_hint(host: str | None) -> str:
    """What to do about a certificate that does not verify, for the message that says so."""
    name = host or "HOST"
    return (
        " — if a company CA or proxy inspects TLS, set SSL_CERT_FILE or check.ca_bundle to its CA; "
        f'check.hosts."{name}".insecure = true skips verification for this host only'
    )
