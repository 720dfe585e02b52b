"""The signing identity: a per-user key and certificate, made on first use, or the user's own.

ganforge signs what it generates with the identity in ``$GANFORGE_HOME/provenance/`` (default
``$XDG_CONFIG_HOME/ganforge`` or ``~/.config/ganforge``), created the first time it is needed:

- ``ca.pem``: a self-signed root certificate of this user ("ganforge local root"); C2PA refuses a
  self-signed *signing* certificate, so the root issues the signer below and is the trust anchor that
  ``ganforge verify`` trusts;
- ``signer.pem`` (the signer's certificate, then the root) and ``signer.key`` (its Ed25519 private
  key, mode 0600): what signs C2PA manifests and sidecar records.

Your own certificate instead: set ``GANFORGE_SIGN_CERT`` (PEM chain, signer first) and
``GANFORGE_SIGN_KEY`` (PEM private key, Ed25519, P-256 or RSA); ``GANFORGE_TRUST`` (PEM) names the
root ``verify`` trusts (default: the last certificate of the chain). The 32-bit *watermark id* is the
first four bytes of the SHA-256 of the signer's public key.
"""
from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Tuple

from ganforge.errors import GanforgeError


class ProvenanceError(GanforgeError):
    """A provenance key, certificate or record is missing, unreadable or does not match."""


def home() -> Path:
    """``$GANFORGE_HOME``, else ``$XDG_CONFIG_HOME/ganforge``, else ``~/.config/ganforge``."""
    if os.environ.get("GANFORGE_HOME"):
        return Path(os.environ["GANFORGE_HOME"])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ganforge"


def key_folder() -> Path:
    return home() / "provenance"


@dataclass(frozen=True)
class Identity:
    """A signer: its private key, its certificate chain (signer first) and the root it chains to."""

    key_pem: bytes
    chain_pem: bytes
    trust_pem: bytes
    source: str               # where it came from (a folder or the environment variables)

    @property
    def key(self):
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        return load_pem_private_key(self.key_pem, password=None)

    @property
    def certificates(self) -> list:
        return load_chain(self.chain_pem, self.source)

    @property
    def alg(self) -> str:
        return algorithm_of(self.key)

    @property
    def key_id(self) -> int:
        return key_id(self.certificates[0].public_key())

    def sign(self, data: bytes) -> bytes:
        return sign_with(self.key, data)


def load_chain(pem: bytes, source: str) -> list:
    from cryptography import x509

    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        certs = []
    if not certs:
        raise ProvenanceError(f"{source} holds no PEM certificate; give a PEM certificate chain (signer first)")
    return certs


def public_bytes(public_key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(public_key) -> int:
    """The 32-bit watermark id of a public key: its SHA-256, first four bytes."""
    return int.from_bytes(hashlib.sha256(public_bytes(public_key)).digest()[:4], "big")


def algorithm_of(key) -> str:
    """The signature algorithm (C2PA's name) of a private or public key."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "ed25519"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)) and key.curve.name == "secp256r1":
        return "es256"
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "ps256"
    raise ProvenanceError(f"a {type(key).__name__} key cannot sign provenance; use an Ed25519, P-256 or RSA key")


def sign_with(key, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    alg = algorithm_of(key)
    if alg == "ed25519":
        return key.sign(data)
    if alg == "es256":
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    return key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())


def signature_valid(public_key, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    alg = algorithm_of(public_key)
    try:
        if alg == "ed25519":
            public_key.verify(signature, data)
        elif alg == "es256":
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(signature, data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def chains_to(chain: list, roots: list) -> bool:
    """Whether each certificate of ``chain`` is issued by the next and the last by (or is) one of ``roots``."""
    links = list(chain)
    for cert, issuer in zip(links, links[1:]):
        if not issued_by(cert, issuer):
            return False
    last = links[-1]
    return any(last == root or issued_by(last, root) for root in roots)


def issued_by(cert, issuer) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # noqa: BLE001 - any failure (wrong issuer, bad signature, unsupported key) means "not issued"
        return False
    return True


# ---------------------------------------------------------------------- making and finding the identity
def _name(common_name: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ganforge user")])


def new_identity_files() -> Tuple[bytes, bytes, bytes, bytes]:
    """(root certificate, root key, signer chain, signer key) as PEM: Ed25519 keys, ten years."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=3650)
    root_key, key = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()

    def usage(sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=not sign, crl_sign=not sign,
                             encipher_only=False, decipher_only=False)

    root = (x509.CertificateBuilder().subject_name(_name("ganforge local root")).issuer_name(_name(
        "ganforge local root")).public_key(root_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, None))
    signer = (x509.CertificateBuilder().subject_name(_name("ganforge signer")).issuer_name(root.subject)
              .public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(start).not_valid_after(end)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(usage(True), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                             critical=False)
              .sign(root_key, None))

    def pem_key(k) -> bytes:
        return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())

    pem = serialization.Encoding.PEM
    return root.public_bytes(pem), pem_key(root_key), signer.public_bytes(pem) + root.public_bytes(pem), pem_key(key)


def create_default(folder: Path) -> None:
    """Write a new identity into ``folder`` unless one is there; safe when two processes race (one rename wins)."""
    if (folder / "signer.key").is_file():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".provenance-", dir=folder.parent))
    try:
        for name, data in zip(("ca.pem", "ca.key", "signer.pem", "signer.key"), new_identity_files()):
            path = tmp / name
            path.write_bytes(data)
            if name.endswith(".key"):
                path.chmod(0o600)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / "signer.key").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read(path: Path, what: str, fix: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ProvenanceError(f"cannot read the {what} {path} ({exc.strerror or exc}); {fix}") from None


@lru_cache(maxsize=8)
def _identity(cert: str, key: str, trust: str, home_folder: str) -> Identity:
    if bool(cert) != bool(key):
        raise ProvenanceError("set both GANFORGE_SIGN_CERT and GANFORGE_SIGN_KEY (your certificate chain and its "
                              "private key), or neither to use ganforge's own key")
    if cert:
        fix = "fix GANFORGE_SIGN_CERT / GANFORGE_SIGN_KEY or unset both"
        ident = Identity(_read(Path(key), "signing key", fix), _read(Path(cert), "signing certificate", fix), b"",
                         f"GANFORGE_SIGN_CERT={cert}")
    else:
        folder = Path(home_folder) / "provenance"
        create_default(folder)
        fix = f"delete the folder {folder} to make a new key (files signed with the old one then no longer verify)"
        ident = Identity(_read(folder / "signer.key", "signing key", fix),
                         _read(folder / "signer.pem", "signing certificate", fix),
                         _read(folder / "ca.pem", "root certificate", fix), str(folder))
    try:
        private = ident.key
    except (ValueError, TypeError):
        raise ProvenanceError(f"the signing key of {ident.source} is not an unencrypted PEM private key; {fix}") \
            from None
    chain = ident.certificates
    if public_bytes(private.public_key()) != public_bytes(chain[0].public_key()):
        raise ProvenanceError(f"the signing key of {ident.source} does not match its certificate (the first of the "
                              f"chain); {fix}")
    algorithm_of(private)
    trust_pem = _read(Path(trust), "trust anchor", "fix GANFORGE_TRUST") if trust else ident.trust_pem
    if not trust_pem:
        from cryptography.hazmat.primitives import serialization

        trust_pem = chain[-1].public_bytes(serialization.Encoding.PEM)
    return Identity(ident.key_pem, ident.chain_pem, trust_pem, ident.source)


def identity() -> Identity:
    """The identity that signs: the user's own (``GANFORGE_SIGN_CERT``/``_KEY``) or ganforge's, made on first use."""
    env = os.environ
    return _identity(env.get("GANFORGE_SIGN_CERT", ""), env.get("GANFORGE_SIGN_KEY", ""),
                     env.get("GANFORGE_TRUST", ""), str(home()))


def trust_roots(extra: Optional[Path] = None) -> List:
    """The certificates ``verify`` trusts: ``extra`` (``--trust``) if given, else the signing identity's root."""
    if extra is not None:
        return load_chain(_read(Path(extra), "trust certificate", "pass an existing PEM file to --trust"),
                          str(extra))
    ident = identity()
    return load_chain(ident.trust_pem, ident.source)
