"""Sidecar records: ``FILE.provenance.json`` beside files C2PA cannot carry a manifest in (text, .npz, MIDI ...).

    {"format": "ganforge-provenance/1", "claim_generator": "ganforge 0.1.0",
     "actions": [{"action": "c2pa.created", "digitalSourceType": ".../trainedAlgorithmicMedia"}],
     "file": "samples.txt", "size": 1234, "sha256": "...", "record": {...},
     "signature": {"alg": "ed25519", "certificate_chain": "-----BEGIN CERTIFICATE-----...", "value": "base64"}}

The signature covers the canonical JSON (sorted keys, no spaces) of everything but
``signature.value``, so the file's SHA-256 and the record are bound together; verifying checks the
signature with the chain's first certificate, the chain against the trusted root, and the file's hash.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import Any, Dict

from ganforge.provenance.identity import Identity, ProvenanceError, load_chain, signature_valid
from ganforge.provenance.record import CLAIM_GENERATOR, SOURCE_TYPE

FORMAT = "ganforge-provenance/1"
SUFFIX = ".provenance.json"
MAX_BYTES = 1 << 20


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def canonical(doc: Dict[str, Any]) -> bytes:
    body = {**doc, "signature": {k: v for k, v in doc.get("signature", {}).items() if k != "value"}}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def make(data: bytes, name: str, record: Dict[str, Any], ident: Identity) -> Dict[str, Any]:
    """The signed sidecar document of the bytes ``data`` of the file ``name``."""
    doc = {"format": FORMAT, "claim_generator": CLAIM_GENERATOR,
           "actions": [{"action": "c2pa.created", "digitalSourceType": SOURCE_TYPE}],
           "file": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "record": record,
           "signature": {"alg": ident.alg, "certificate_chain": ident.chain_pem.decode("ascii")}}
    doc["signature"]["value"] = base64.b64encode(ident.sign(canonical(doc))).decode("ascii")
    return doc


def read(path: Path) -> Dict[str, Any]:
    """The sidecar document of ``path`` (which must exist), checked for shape; a malformed one is a one-line error."""
    side = sidecar_path(path)
    bad = f"{side} is not a valid ganforge provenance record"
    try:
        if side.stat().st_size > MAX_BYTES:
            raise ProvenanceError(f"{bad} (over 1 MiB); delete it or restore the original")
        doc = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProvenanceError(f"{bad} ({type(exc).__name__}); delete it or restore the original") from None
    sig = doc.get("signature") if isinstance(doc, dict) else None
    if not (isinstance(doc, dict) and doc.get("format") == FORMAT and isinstance(doc.get("record"), dict)
            and isinstance(doc.get("sha256"), str) and isinstance(sig, dict)
            and isinstance(sig.get("certificate_chain"), str) and isinstance(sig.get("value"), str)):
        raise ProvenanceError(f"{bad} (missing or malformed fields); delete it or restore the original")
    return doc


def check(doc: Dict[str, Any], data: bytes, name: str) -> Dict[str, Any]:
    """Signature, signer and whether ``data`` is the file that was signed: ``{"signature_valid", "changed",
    "chain"}``."""
    chain = load_chain(doc["signature"]["certificate_chain"].encode("ascii", "replace"), f"the sidecar of {name}")
    try:
        value = base64.b64decode(doc["signature"]["value"], validate=True)
    except (binascii.Error, ValueError):
        value = b""
    valid = signature_valid(chain[0].public_key(), value, canonical(doc))
    return {"signature_valid": valid, "changed": hashlib.sha256(data).hexdigest() != doc["sha256"], "chain": chain}
