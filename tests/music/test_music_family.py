"""The music family end to end: train (CLI), sample MIDI/WAV/PNG that open again, eval beside the data,
the MuseGAN variants' latent wiring, exact resume, bad input."""
from __future__ import annotations

import json
import wave

import mido
import pretty_midi
import pytest
import torch

import ganforge
from ganforge.cli.main import main
from ganforge.config import from_dict
from ganforge.engine.checkpoint import load_checkpoint
from ganforge.engine.loop import Trainer
from ganforge.music.config import MusicConfig, ModelConfig
from ganforge.music.models import Shape, build_model
from ganforge.music.models.base import gumbel_noise
from ganforge.music.task import MusicTask

from tests.helpers import cli_error

TINY = ["--set", "model.width=8", "--set", "model.latent_dim=4", "--set", "data.limit=2", "--set", "data.bars=1",
        "--set", "train.batch_size=4", "--set", "train.sample_every=2", "--set", "train.sample_count=2"]


def tiny(jsb_dir, **model) -> MusicConfig:
    loss = "nonsaturating" if model.get("name") == "melody-gan" else "wgan-gp"
    return from_dict(MusicConfig, {
        "model": {"width": 8, "latent_dim": 4, **model}, "data": {"dir": str(jsb_dir), "limit": 2, "bars": 1},
        "loss": {"name": loss},
        "train": {"steps": 3, "batch_size": 4, "log_every": 1, "sample_every": 3, "checkpoint_every": 1,
                  "keep_checkpoints": 5, "sample_count": 2, "ema_decay": 0.5}})


def test_train_sample_and_eval_a_musegan_run(tmp_path, jsb_dir, capsys):
    out = tmp_path / "runs"
    assert main(["train", "musegan", "--data", "jsb", "--data-dir", str(jsb_dir), "--steps", "2", "--out", str(out),
                 "--name", "m", "--quiet", "--set", "model.variant=composer", *TINY]) == 0
    run = out / "m"
    info = json.loads((run / "run.json").read_text())
    assert info["family"] == "music" and info["model"] == "musegan" and info["tracks"][0] == "soprano"
    assert (run / "samples" / "step_0000002.png").is_file() and (run / "samples" / "step_0000002.mid").is_file()
    for name in ("song.mid", "song.wav", "roll.png", "folder"):
        assert main(["sample", str(run), "--n", "3", "--out", str(tmp_path / name)]) == 0
    midi = pretty_midi.PrettyMIDI(str(tmp_path / "song.mid"))
    assert [i.name for i in midi.instruments] == ["soprano", "alto", "tenor", "bass"]
    assert sum(len(i.notes) for i in midi.instruments) > 0 and len(mido.MidiFile(str(tmp_path / "song.mid")).tracks) == 5
    with wave.open(str(tmp_path / "song.wav")) as w:
        assert w.getsampwidth() == 2 and w.getframerate() == 22050 and w.getnframes() > 22050
    assert len(list((tmp_path / "folder").glob("sample_*.wav"))) == 3
    capsys.readouterr()
    assert main(["eval", str(run), "--n", "20", "--data-dir", str(jsb_dir), "--out", str(tmp_path / "e.json")]) == 0
    printed = capsys.readouterr().out
    assert "| td/soprano-alto |" in printed and "jsb train" in printed and "jsb test" in printed
    saved = json.loads((tmp_path / "e.json").read_text())
    assert saved["card"]["num_samples"] == 20 and 0 <= saved["values"]["qn/bass"] <= 1
    voices = ganforge.load(run).sample(5, seed=3)
    assert voices.shape == (5, 4, 16) and torch.equal(voices, ganforge.load(run).sample(5, seed=3))


def generator_outputs(variant, z):
    torch.manual_seed(0)
    shape = Shape(tracks=3, bars=2, steps_per_bar=4, vocab=5)
    G = build_model(ModelConfig(name="musegan", variant=variant, width=8, latent_dim=4), shape)["generator"]
    return G.logits(z) if z is not None else G


@pytest.mark.parametrize("variant,shared,private", [("jamming", 0, 3), ("composer", 2, 0), ("hybrid", 2, 3)])
def test_musegan_variants_wire_shared_and_private_latents(variant, shared, private):
    G = generator_outputs(variant, None)
    assert G.latent_dim == 4 * (2 * bool(shared) + 2 * private)
    z = torch.randn(2, G.latent_dim)
    base = G.logits(z)
    if private:                              # a track's private latent moves only that track
        z2 = z.clone()
        start = 8 if shared else 0
        z2[:, start:start + 4] += 1.0
        moved = (G.logits(z2) - base).abs().amax(dim=(0, 2, 3))
        assert moved[0] > 0 and moved[1] == 0 and moved[2] == 0
    if shared:                               # the shared latent moves every track
        z3 = z.clone()
        z3[:, :4] += 1.0
        assert ((G.logits(z3) - base).abs().amax(dim=(0, 2, 3)) > 0).all()


@pytest.mark.parametrize("model", ["musegan", pytest.param("melody-gan", marks=pytest.mark.slow), "music-mle"])
def test_a_music_run_resumes_exactly(tmp_path, jsb_dir, model):
    cfg = tiny(jsb_dir, name=model)
    whole = Trainer(MusicTask(cfg), tmp_path / "whole", quiet=True)
    end = whole.fit()
    first = Trainer(MusicTask(cfg), tmp_path / "split", quiet=True)
    first.fit(stop_at=1)
    second = Trainer(MusicTask(cfg), tmp_path / "split", quiet=True)
    assert second.resume() and second.step == 1
    resumed_end = second.fit(resume=True)
    a, _ = load_checkpoint(end)
    b, _ = load_checkpoint(resumed_end)
    weights = [k for k in a if k.split(".")[0] in ("generator", "discriminator", "ema")]
    assert weights and all(torch.equal(a[k], b[k]) for k in weights)
    start, _ = load_checkpoint(whole.run.checkpoints()[0])
    assert any(not torch.equal(a[k], start[k]) for k in weights)          # it trained between the checkpoints


def test_bad_music_input_is_one_line(tmp_path, capsys, jsb_dir):
    (tmp_path / "empty").mkdir()
    err = cli_error(capsys, ["train", "musegan", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "r")])
    assert "no usable MIDI files" in err
    err = cli_error(capsys, ["train", "musegan", "--data-dir", str(jsb_dir), "--set", "model.variant=duet",
                             "--out", str(tmp_path / "r")])
    assert "variant" in err and "jamming" in err
