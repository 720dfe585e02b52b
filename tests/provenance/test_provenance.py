"""Marking and verifying: C2PA manifests on images, the watermark, sidecars, and every one-line error."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganforge.cli.main import main
from ganforge.provenance import Origin, identity, mark_file, verify_file
from ganforge.provenance.identity import ProvenanceError
from ganforge.provenance.sidecar import sidecar_path

from prov_helpers import change_one_pixel

ORIGIN = Origin(run="dcgan-1", model="dcgan", family="image", checkpoint="step_0000006.safetensors",
                checkpoint_sha256="0" * 64, step=6, seed=3)


def digits(size: int, channels: int = 1, seed: int = 0) -> np.ndarray:
    """A smooth, image-like array (blurred blobs), not noise: what a generator makes."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:size, :size] / size
    img = sum(np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 0.02) for cx, cy in rng.random((6, 2)))
    img = (img / img.max() * 255).astype(np.uint8)
    return img if channels == 1 else np.stack([img, img[::-1], img[:, ::-1]], -1)


def test_a_marked_png_verifies_one_changed_pixel_is_changed_and_a_foreign_png_is_unmarked(tmp_path):
    path = tmp_path / "grid.png"
    Image.fromarray(digits(300, 3)).save(path)
    assert mark_file(path, ORIGIN) == "C2PA manifest + watermark"
    report = verify_file(path)
    assert report["verdict"] == "verified" and report["kind"] == "C2PA manifest"
    assert report["record"]["run"] == "dcgan-1" and report["record"]["seed"] == 3
    assert report["record"]["checkpoint_sha256"] == "0" * 64 and report["record"]["ganforge_version"]
    assert report["watermark"]["found"] and report["watermark"]["bits_matching"] >= 28
    assert report["watermark"]["expected"] == f"{identity().key_id:08x}"
    change_one_pixel(path)
    assert verify_file(path)["verdict"] == "changed"
    other = tmp_path / "photo.png"
    Image.fromarray(digits(300, 3, seed=5)).save(other)
    report = verify_file(other)
    assert report["verdict"] == "unmarked" and not report["watermark"]["found"]


def test_grayscale_stays_grayscale_and_small_images_say_why_they_have_no_watermark(tmp_path):
    big, small = tmp_path / "big.png", tmp_path / "small.png"
    Image.fromarray(digits(260)).save(big)
    Image.fromarray(digits(28)).save(small)
    mark_file(big, ORIGIN)
    assert Image.open(big).mode == "L" and verify_file(big)["watermark"]["found"]
    assert mark_file(small, ORIGIN) == "C2PA manifest (no watermark: image 28x28 is smaller than 256x256 pixels)"
    report = verify_file(small)
    assert report["verdict"] == "verified" and report["record"]["watermark"]["embedded"] is False
    # stripped of its manifest by re-encoding, the watermark still tells where it came from
    Image.open(big).save(tmp_path / "stripped.png")
    assert verify_file(tmp_path / "stripped.png")["verdict"] == "watermark only"


def test_text_gets_a_signed_sidecar_that_catches_edits_to_the_file_and_to_the_record(tmp_path):
    path = tmp_path / "samples.txt"
    path.write_text("a man riding a horse\n")
    assert mark_file(path, ORIGIN).startswith("signed sidecar record")
    assert verify_file(path)["verdict"] == "verified"
    path.write_text("a man riding a horse.\n")
    assert verify_file(path)["verdict"] == "changed"
    path.write_text("a man riding a horse\n")
    doc = json.loads(sidecar_path(path).read_text())
    doc["record"]["seed"] = 99
    sidecar_path(path).write_text(json.dumps(doc))
    assert verify_file(path)["verdict"] == "invalid"


def test_another_users_key_is_untrusted_and_their_root_makes_it_verify(tmp_path, monkeypatch):
    path = tmp_path / "s.npz"
    np.savez(path, images=np.zeros((2, 4, 4), np.uint8))
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path / "someone-else"))
    mark_file(path, ORIGIN)
    png = tmp_path / "x.png"
    Image.fromarray(digits(32)).save(png)
    mark_file(png, ORIGIN)
    theirs = tmp_path / "someone-else" / "provenance" / "ca.pem"
    monkeypatch.undo()
    assert verify_file(path)["verdict"] == "untrusted" and verify_file(png)["verdict"] == "untrusted"
    assert verify_file(path, trust=theirs)["verdict"] == "verified"
    assert verify_file(png, trust=theirs)["verdict"] == "verified"


def one_line_error(capsys, argv) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error: ") and len(err.splitlines()) == 1, (code, err)
    return err


def test_bad_input_is_one_line_errors(tmp_path, capsys, monkeypatch):
    png = tmp_path / "x.png"
    Image.fromarray(digits(32)).save(png)
    mark_file(png, ORIGIN)
    data = bytearray(png.read_bytes())
    at = data.find(b"caBX")
    data[at + 40:at + 80] = bytes(40)
    (tmp_path / "corrupt.png").write_bytes(bytes(data))
    assert "corrupt" in one_line_error(capsys, ["verify", str(tmp_path / "corrupt.png")])
    (tmp_path / "model.pt").write_bytes(b"\x80\x04pickle")
    assert "cannot mark" in one_line_error(capsys, ["verify", str(tmp_path / "model.pt")])
    assert "does not exist" in one_line_error(capsys, ["verify", str(tmp_path / "missing.png")])
    assert "--trust" in one_line_error(capsys, ["verify", str(png), "--trust", str(tmp_path / "nope.pem")])
    side = tmp_path / "t.txt"
    side.write_text("x\n")
    sidecar_path(side).write_text("{not json")
    assert "not a valid ganforge provenance record" in one_line_error(capsys, ["verify", str(side)])
    # the user's own certificate: a key that does not match it, or a missing key file
    own = tmp_path / "own"
    own.mkdir()
    from ganforge.provenance.identity import new_identity_files

    _, _, chain, _ = new_identity_files()
    _, _, _, other_key = new_identity_files()
    (own / "cert.pem").write_bytes(chain)
    (own / "key.pem").write_bytes(other_key)
    monkeypatch.setenv("GANFORGE_SIGN_CERT", str(own / "cert.pem"))
    monkeypatch.setenv("GANFORGE_SIGN_KEY", str(own / "key.pem"))
    with pytest.raises(ProvenanceError, match="does not match its certificate"):
        mark_file(png, ORIGIN)
    monkeypatch.setenv("GANFORGE_SIGN_KEY", str(own / "missing.pem"))
    with pytest.raises(ProvenanceError, match="cannot read the signing key"):
        mark_file(png, ORIGIN)


def test_verify_command_reports_and_exits_by_verdict(tmp_path, capsys):
    png = tmp_path / "x.png"
    Image.fromarray(digits(32)).save(png)
    assert main(["verify", str(png)]) == 1
    assert "unmarked" in capsys.readouterr().out
    mark_file(png, ORIGIN)
    assert main(["verify", str(png), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["record"]["model"] == "dcgan"
    assert main(["verify", "--identity"]) == 0
    assert f"watermark id: {identity().key_id:08x}" in capsys.readouterr().out
