"""Provenance on every output path: each writer of `sample`, `interpolate`, `translate`, `stylize`, text samples and
the studio's Create and Translate, on by default, off with --no-provenance (which says so)."""
from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.cli.main import main
from ganforge.provenance import Origin, verify_file
from ganforge.provenance.sidecar import sidecar_path

from helpers import untrained_run
from translation_helpers import tiny, write_side_by_side


def untrained(trainer) -> None:
    trainer.start(resume=False)
    trainer.save()
    trainer.release()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """An image run (conditional DCGAN), a pix2pix run and a 2D toy run, untrained: one checkpoint each."""
    from ganforge.engine.loop import Trainer
    from ganforge.toy2d.config import Toy2dConfig
    from ganforge.toy2d.task import Toy2dTask
    from ganforge.config import from_dict
    from ganforge.translation.task import make_task

    root = tmp_path_factory.mktemp("provenance-runs")
    untrained_run(root / "dcgan-1", model={"num_classes": 10})
    write_side_by_side(root / "paired", n=4)
    untrained(Trainer(make_task(tiny("pix2pix", root / "paired", train={"steps": 1})), root / "p2p", quiet=True))
    toy = from_dict(Toy2dConfig, {"model": {"hidden": 8, "layers": 2, "latent_dim": 4},
                                  "train": {"steps": 1, "batch_size": 8}})
    untrained(Trainer(Toy2dTask(toy), root / "toy", quiet=True))
    return root


def verified(path: Path, run: str = "") -> dict:
    report = verify_file(path)
    assert report["verdict"] == "verified", report
    if run:
        assert report["record"]["run"] == run and len(report["record"]["checkpoint_sha256"]) == 64
    return report


@pytest.mark.parametrize("out", ["grid.png", "s.npz", "walk.gif", "folder"])
def test_sample_writers_mark_what_they_write(runs, tmp_path, capsys, out):
    assert main(["sample", str(runs / "dcgan-1"), "--n", "3", "--seed", "7", "--out", str(tmp_path / out)]) == 0
    said = capsys.readouterr().out
    files = sorted((tmp_path / out).iterdir()) if out == "folder" else [tmp_path / out]
    assert len(files) == 3 if out == "folder" else True
    for f in files:
        report = verified(f, "dcgan-1")
        assert report["record"]["seed"] == 7 and report["record"]["model"] == "dcgan"
        assert report["kind"] == ("C2PA manifest" if f.suffix != ".npz" else "sidecar s.npz.provenance.json")
    assert "provenance: " in said and "ganforge verify" in said


def test_no_provenance_writes_bare_files_and_says_so(runs, tmp_path, capsys):
    assert main(["sample", str(runs / "dcgan-1"), "--n", "2", "--out", str(tmp_path / "s.npz"),
                 "--no-provenance"]) == 0
    assert "provenance off (--no-provenance)" in capsys.readouterr().out
    assert not sidecar_path(tmp_path / "s.npz").exists() and verify_file(tmp_path / "s.npz")["verdict"] == "unmarked"
    assert main(["interpolate", str(runs / "dcgan-1"), "--steps", "3", "--out", str(tmp_path / "w.png"),
                 "--no-provenance"]) == 0
    assert "provenance off" in capsys.readouterr().out and verify_file(tmp_path / "w.png")["verdict"] == "unmarked"


def test_interpolate_strip_and_toy2d_samples_are_marked(runs, tmp_path):
    assert main(["interpolate", str(runs / "dcgan-1"), "--steps", "3", "--out", str(tmp_path / "strip.png")]) == 0
    assert verified(tmp_path / "strip.png", "dcgan-1")["record"]["action"] == "interpolate"
    for out in ("points.png", "points.npz"):
        assert main(["sample", str(runs / "toy"), "--n", "20", "--out", str(tmp_path / out)]) == 0
        assert verified(tmp_path / out, "toy")["record"]["family"] == "toy2d"


def test_text_writer_writes_a_sidecar(tmp_path):
    from ganforge.media.writers import save_samples

    out = save_samples(["a cat", "a dog"], tmp_path / "s.txt", kind="text", origin=Origin(run="seqgan-1", seed=2))
    assert out.read_text() == "a cat\na dog\n" and verified(out)["record"]["run"] == "seqgan-1"


def test_translate_marks_each_output(runs, tmp_path, capsys):
    assert main(["translate", str(runs / "p2p"), str(runs / "paired" / "train"), "--out", str(tmp_path / "o")]) == 0
    assert "provenance: " in capsys.readouterr().out
    for f in sorted((tmp_path / "o").iterdir()):
        assert verified(f, "p2p")["record"]["direction"] == "AtoB"


def test_stylize_marks_its_png(tmp_path, capsys):
    """(--no-provenance is the flag `sample` and `interpolate` test above: one shared add_provenance_flag.)"""
    out = tmp_path / "s.png"
    assert main(["stylize", "skimage:camera", "skimage:grass", "--out", str(out), "--steps", "1", "--size",
                 "16"]) == 0
    record = verified(out)["record"]
    assert record["model"] == "style transfer (optimize)" and record["style"] == "skimage:grass"


def test_studio_create_and_translate_outputs_are_marked(runs, tmp_path):
    from ganforge.web.create import GeneratorCache, run_request
    from ganforge.web.runs import RunsFolder
    from ganforge.web.translate import TranslatorCache, translate_image

    folder = RunsFolder(runs)
    cache = GeneratorCache(folder)
    for action, suffix in (("sample", ".png"), ("gif", ".gif")):
        _, data, name = run_request(cache, {"run": "dcgan-1", "action": action, "n": 2, "steps": 2},
                                    lambda *a: None)
        (tmp_path / name).write_bytes(data)
        assert name.endswith(suffix) and verified(tmp_path / name, "dcgan-1")["record"]["source"] == "studio"
    _, bare, name = run_request(GeneratorCache(folder, provenance=False), {"run": "dcgan-1", "n": 2}, lambda *a: None)
    (tmp_path / "bare.png").write_bytes(bare)
    assert verify_file(tmp_path / "bare.png")["verdict"] == "unmarked"
    buf = io.BytesIO()
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    reply = translate_image(TranslatorCache(folder), {"run": "p2p", "image": url})
    (tmp_path / "t.png").write_bytes(base64.b64decode(reply["output"].partition(",")[2]))
    assert verified(tmp_path / "t.png", "p2p")["record"]["action"] == "translate"
    (tmp_path / "in.png").write_bytes(base64.b64decode(reply["input"].partition(",")[2]))
    assert verify_file(tmp_path / "in.png")["verdict"] == "unmarked"   # the user's own input is not claimed


@pytest.mark.parametrize("kind, name", [("clips", "c.gif"), ("clips", "c.mp4"), ("clips", "strip.png"),
                                        ("music", "song.mid"), ("music", "song.wav"), ("music", "songs"),
                                        ("audio", "a.wav"), ("audio", "clips")])
def test_video_music_and_audio_writers_mark_every_file(tmp_path, kind, name):
    """Each writer of the video, music and audio families: every file written verifies (C2PA or sidecar)."""
    import pretty_midi

    from ganforge.media.writers import save_samples

    if kind == "clips":
        samples = torch.randint(0, 256, (2, 4, 1, 16, 16), dtype=torch.uint8)
    elif kind == "music":
        song = pretty_midi.PrettyMIDI()
        piano = pretty_midi.Instrument(0)
        piano.notes = [pretty_midi.Note(90, 60 + i, 0.25 * i, 0.25 * i + 0.2) for i in range(4)]
        song.instruments.append(piano)
        samples = [song, song]
    else:
        samples = torch.linspace(-0.5, 0.5, 2 * 1600).reshape(2, 1600).numpy()
    options = {"engine": "additive"} if kind == "music" else {}
    out = save_samples(samples, tmp_path / name, kind=kind, origin=Origin(run="r-1", seed=3), **options)
    files = sorted(p for p in (out.iterdir() if out.is_dir() else [out]) if not p.name.endswith(".provenance.json"))
    assert files
    for f in files:
        assert verified(f)["record"]["run"] == "r-1", f
