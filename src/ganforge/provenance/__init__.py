"""Provenance of generated files: a signed C2PA manifest and an invisible watermark, or a signed sidecar record.

    from ganforge.provenance import origin_of, mark_files, verify_file
    origin = origin_of(g, seed=0)              # run, model, checkpoint sha256, seed, ganforge version
    mark_files([Path("grid.png")], origin)     # watermark + C2PA manifest (a sidecar for text, .npz, ...)
    verify_file("grid.png")["verdict"]         # "verified", "changed", "unmarked", ...

Every file that ``ganforge sample``, ``interpolate``, ``translate``, ``stylize`` and the studio write
goes through :func:`mark_files` (:mod:`ganforge.media.writers` calls it); ``--no-provenance`` turns it
off. The signing key is made per user on first use (:mod:`ganforge.provenance.identity`). See
docs/provenance.md.
"""
from ganforge.provenance.identity import Identity, ProvenanceError, identity
from ganforge.provenance.mark import OFF_NOTE, describe, mark_bytes, mark_file, mark_files, take_notes
from ganforge.provenance.record import Origin, origin_of, origin_of_checkpoint
from ganforge.provenance.verify import report_lines, verify_file

__all__ = ["Identity", "ProvenanceError", "identity", "OFF_NOTE", "describe", "mark_bytes", "mark_file", "mark_files",
           "take_notes", "Origin", "origin_of", "origin_of_checkpoint", "report_lines", "verify_file"]
