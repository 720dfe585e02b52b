"""``ganforge verify FILE [FILE ...]``: the provenance of generated files (docs/provenance.md).

Exit status 0 when every file is *verified* (signed by a trusted key, unchanged), 1 when one is not
(unmarked, changed, untrusted, invalid, watermark only), 2 on an error (a missing file, a type ganforge
never marks, a corrupt manifest or record, an unreadable key or --trust file).
"""
from __future__ import annotations

import argparse
import json


def add_parser(sub) -> None:
    p = sub.add_parser("verify", help="check the provenance (C2PA manifest, sidecar record, watermark) of files",
                       description="Report whether each file carries ganforge provenance, what its record says, "
                                   "whether the signature is valid and trusted, whether the file changed after "
                                   "signing and whether the invisible watermark is present.")
    p.add_argument("files", nargs="*", metavar="FILE", help="files to check (images, text, .npz, ...)")
    p.add_argument("--trust", metavar="ROOT.pem", help="trust this root certificate instead of your own ganforge key's "
                                                       "(to check files made by someone else)")
    p.add_argument("--json", action="store_true", help="print the reports as JSON")
    p.add_argument("--identity", action="store_true", help="show the key and certificate that sign your files")
    p.set_defaults(func=run)


def show_identity() -> None:
    from cryptography.hazmat.primitives import hashes

    from ganforge.provenance import identity

    ident = identity()
    cert = ident.certificates[0]
    print(f"signing identity: {ident.source}\n  signer:       {cert.subject.rfc4514_string()} ({ident.alg})\n"
          f"  issuer:       {cert.issuer.rfc4514_string()}\n  valid until:  {cert.not_valid_after_utc:%Y-%m-%d}\n"
          f"  fingerprint:  sha256:{cert.fingerprint(hashes.SHA256()).hex()}\n"
          f"  watermark id: {ident.key_id:08x}")


def run(args: argparse.Namespace) -> int:
    from ganforge.errors import GanforgeError
    from ganforge.provenance import report_lines, verify_file

    if args.identity:
        show_identity()
        if not args.files:
            return 0
    if not args.files:
        raise GanforgeError("verify needs at least one FILE, e.g. `ganforge verify samples.png` (or --identity)")
    reports = [verify_file(f, args.trust) for f in args.files]
    if args.json:
        print(json.dumps(reports, indent=2, default=str))
    else:
        print("\n".join(line for r in reports for line in report_lines(r)))
    return 0 if all(r["verdict"] == "verified" for r in reports) else 1
