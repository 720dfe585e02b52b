"""``ganforge verify FILE``: is the file marked, what does its record say, is the signature valid and trusted,
was the file changed after signing, and is the watermark there?

Verdicts: ``verified`` (a valid signature by a trusted certificate over the unchanged file),
``changed`` (signed, but the bytes differ from what was signed), ``untrusted`` (a valid signature by a
certificate that does not chain to the trusted root), ``invalid`` (the signature does not verify),
``watermark only`` (no manifest or record, but the watermark of the expected key is in the pixels:
probably re-encoded) and ``unmarked``. Only ``verified`` exits 0.

Nothing embedded is executed or trusted beyond reading it: the C2PA library parses and validates
the manifest without fetching anything; a sidecar is parsed as JSON of at most 1 MiB; the record is
shown as data; images are decoded with the shared reader (bombs refused).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from ganforge.provenance import manifest, sidecar, watermark
from ganforge.provenance.identity import ProvenanceError, chains_to, identity, trust_roots
from ganforge.provenance.mark import WATERMARK_FORMATS

SIDECAR_TYPES = {".txt", ".npz", ".npy", ".json", ".csv", ".mid", ".midi", ".wav", ".mp4", ".gif", ".bmp"}
WATERMARK_READ = set(WATERMARK_FORMATS) | {".bmp", ".tif", ".tiff", ".webp"}
SHOWN = ("run", "model", "family", "checkpoint", "checkpoint_sha256", "step", "seed", "ganforge_version", "created")


def markable(suffix: str) -> bool:
    return manifest.c2pa_mime(suffix) is not None or suffix.lower() in SIDECAR_TYPES


def check_markable(path: Path) -> None:
    """A one-line error for a file type ganforge writes no provenance for."""
    if not markable(path.suffix):
        kinds = sorted(set(manifest.MIME) | SIDECAR_TYPES)
        raise ProvenanceError(f"ganforge cannot mark {path.name}: {path.suffix or 'files without a suffix'} is not a "
                              f"type it writes provenance for ({', '.join(kinds)})")


def _watermark(path: Path, data: bytes, expected: int) -> Optional[Dict[str, Any]]:
    if path.suffix.lower() not in WATERMARK_READ:
        return None
    import io

    from ganforge.errors import DataError
    from ganforge.media.reading import read_image

    try:
        img = read_image(io.BytesIO(data), name=path.name)
    except DataError as exc:
        raise ProvenanceError(f"{path}: the image cannot be decoded ({exc})") from None
    if img.mode not in ("L", "RGB", "RGBA"):
        img = img.convert("RGB")
    return watermark.decode(np.asarray(img)[..., :3] if img.mode == "RGBA" else np.asarray(img), expected)


def _c2pa_report(found: Dict[str, Any], roots_pem: bytes) -> Dict[str, Any]:
    fails, info = found["failures"], found["manifest"].get("signature_info") or {}
    hash_codes = ("dataHash.mismatch", "bmffHash.mismatch", "boxesHash.mismatch", "collectionHash.mismatch")
    changed = any(any(c.endswith(h) for h in hash_codes) for c in fails)
    sig_bad = any(c.startswith(("claimSignature.mismatch", "claimSignature.missing", "signingCredential.invalid"))
                  or c.startswith("assertion.hashedURI.mismatch") for c in fails)
    signer = ", ".join(str(info[k]) for k in ("common_name", "issuer") if info.get(k))
    return {"kind": "C2PA manifest", "record": found["record"], "signature_valid": not sig_bad,
            "trusted": "signingCredential.trusted" in found["successes"], "changed": changed,
            "signer": f"{signer} ({info.get('alg', '?')})", "problems": fails,
            "claim_generator": ", ".join(f"{g.get('name')} {g.get('version', '')}".strip()
                                         for g in found["manifest"].get("claim_generator_info", []))}


def _sidecar_report(path: Path, data: bytes, roots: List) -> Dict[str, Any]:
    doc = sidecar.read(path)
    checked = sidecar.check(doc, data, path.name)
    chain = checked["chain"]
    subject = chain[0].subject.rfc4514_string()
    return {"kind": f"sidecar {sidecar.sidecar_path(path).name}", "record": doc["record"],
            "signature_valid": checked["signature_valid"], "trusted": chains_to(chain, roots),
            "changed": checked["changed"], "signer": f"{subject} ({doc['signature'].get('alg', '?')})",
            "problems": [], "claim_generator": str(doc.get("claim_generator", ""))}


def verify_file(path: str | Path, trust: Optional[str | Path] = None) -> Dict[str, Any]:
    """The verification report of a file (``trust``: a PEM root to trust instead of your ganforge key's)."""
    path = Path(path)
    if path.name.endswith(sidecar.SUFFIX):
        raise ProvenanceError(f"{path.name} is a provenance record; verify the file it describes "
                              f"({path.name[:-len(sidecar.SUFFIX)]})")
    if not path.is_file():
        raise ProvenanceError(f"{path} does not exist or is not a file; pass a file written by ganforge")
    check_markable(path)
    data = path.read_bytes()
    roots = trust_roots(Path(trust) if trust else None)
    from cryptography.hazmat.primitives import serialization

    roots_pem = b"".join(r.public_bytes(serialization.Encoding.PEM) for r in roots)
    report: Dict[str, Any] = {"file": str(path), "marked": False}
    mime = manifest.c2pa_mime(path.suffix)
    found = manifest.read(data, mime, roots_pem, path.name) if mime else None
    if found is not None:
        report.update(marked=True, **_c2pa_report(found, roots_pem))
    elif sidecar.sidecar_path(path).is_file():
        report.update(marked=True, **_sidecar_report(path, data, roots))
    record = report.get("record") or {}
    wm_entry = record.get("watermark") if isinstance(record.get("watermark"), dict) else {}
    try:
        expected = int(str(wm_entry.get("id")), 16) if wm_entry.get("id") else identity().key_id
    except ValueError:
        expected = identity().key_id
    report["watermark"] = _watermark(path, data, expected)
    report["verdict"] = verdict(report)
    return report


def verdict(report: Dict[str, Any]) -> str:
    if not report["marked"]:
        wm = report.get("watermark") or {}
        return "watermark only" if wm.get("found") else "unmarked"
    if not report["signature_valid"]:
        return "invalid"
    if report["changed"]:
        return "changed"
    return "verified" if report["trusted"] else "untrusted"


EXPLAIN = {"verified": "signed by a trusted key; unchanged since signing",
           "changed": "the file was CHANGED after it was signed (its hash does not match the signed one)",
           "untrusted": "the signature is valid but the signer is not one you trust (another key; pass its root "
                        "with --trust ROOT.pem)",
           "invalid": "the signature does NOT verify: the record or its signature was altered",
           "watermark only": "no manifest or record, but the watermark of the expected key is in the pixels "
                             "(probably re-encoded or stripped of its manifest)",
           "unmarked": "no ganforge provenance: no C2PA manifest, no sidecar record, no watermark found"}


def report_lines(report: Dict[str, Any]) -> List[str]:
    """The human-readable report of :func:`verify_file`."""
    lines = [f"{report['file']}: {report['verdict']} — {EXPLAIN[report['verdict']]}"]
    if report["marked"]:
        lines.append(f"  mark:       {report['kind']} by {report['claim_generator'] or '?'}")
        lines.append(f"  signature:  {'valid' if report['signature_valid'] else 'INVALID'}, signer {report['signer']}"
                     f", {'trusted' if report['trusted'] else 'not trusted'}")
        lines.append(f"  content:    {'CHANGED after signing' if report['changed'] else 'unchanged since signing'}")
        record = report.get("record") or {}
        shown = ", ".join(f"{k}={record[k]}" for k in SHOWN if k in record)
        lines.append(f"  record:     {shown or '(empty)'}")
        if report["problems"]:
            lines.append(f"  C2PA:       {', '.join(report['problems'])}")
    wm = report.get("watermark")
    if wm is None:
        lines.append("  watermark:  none for this file type")
    elif not wm["checked"]:
        lines.append(f"  watermark:  not checked ({wm['reason']})")
    else:
        lines.append(f"  watermark:  {'found' if wm['found'] else 'not found'} ({wm['bits_matching']}/32 bits match "
                     f"id {wm['expected']}; decoded {wm['decoded']})")
    return lines
