"""Training WaveGAN and SpecGAN: exact resume, the run folder, SpecGAN's statistics in every checkpoint, sampling."""
from __future__ import annotations

import json
import wave

import numpy as np
import torch

from ganforge.audio.task import AudioTask
from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint
from ganforge.engine.loop import Trainer

from audio_helpers import tiny_audio_config
from ganforge.cli.main import main
from helpers import cli_error


def final(run_dir):
    tensors, meta = load_checkpoint(checkpoint_files(run_dir / "checkpoints")[-1])
    return {k: v for k, v in tensors.items() if not k.startswith("rng.")}, meta


def test_a_stopped_and_resumed_wavegan_equals_an_uninterrupted_one(tmp_path, sines):
    cfg = tiny_audio_config(sines, model={"conditional": True})
    Trainer(AudioTask(cfg), tmp_path / "whole", quiet=True).fit()
    Trainer(AudioTask(cfg), tmp_path / "split", quiet=True).fit(stop_at=2)
    second = Trainer(AudioTask(cfg), tmp_path / "split", quiet=True)
    second.fit(resume=True)
    assert second.step == 4 and second.resumed_from.name == "step_0000002.safetensors"
    a, meta_a = final(tmp_path / "whole")
    b, meta_b = final(tmp_path / "split")
    assert meta_a["step"] == meta_b["step"] == 4 and a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert meta_a["classes"] == ["high", "low"] and meta_a["model_config"]["num_classes"] == 2
    info = json.loads((tmp_path / "split" / "run.json").read_text())
    assert info["family"] == "audio" and info["model"] == "wavegan" and info["sample_rate"] == 16000
    names = sorted(p.name for p in (tmp_path / "split" / "samples").iterdir())
    assert names == ["step_0000002.png", "step_0000002.wav", "step_0000004.png", "step_0000004.wav"]
    with wave.open(str(tmp_path / "split" / "samples" / "step_0000004.wav")) as w:   # 2 clips and a 0.25 s gap
        assert (w.getframerate(), w.getsampwidth(), w.getnframes()) == (16000, 2, 2 * 1024 + 4000)
    rows = [json.loads(line) for line in (tmp_path / "split" / "stats.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4] and np.isfinite(rows[-1]["loss/d"])


def test_specgan_trains_keeps_its_statistics_and_samples_wavs_from_the_cli(tmp_path, sines, capsys):
    cfg = tiny_audio_config(sines, model={"name": "specgan", "conditional": True}, train={"steps": 2})
    trainer = Trainer(AudioTask(cfg), tmp_path / "spec", quiet=True)
    trainer.fit()
    tensors, meta = final(tmp_path / "spec")
    mean = tensors["generator.spec_mean"]
    assert mean.shape == (32,) and float(mean.std()) > 0 and torch.equal(mean, trainer.task.G.spec_mean)
    out = tmp_path / "one.wav"
    assert main(["sample", str(tmp_path / "spec"), "--n", "3", "--label", "1", "--out", str(out)]) == 0
    assert "wrote 3 clips" in capsys.readouterr().out
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth(), w.getnframes()) == (1, 16000, 2, 3 * 1024 + 8000)
    from ganforge.family import load

    g = load(tmp_path / "spec")
    clips = g.sample(2, labels=0, seed=3)
    assert clips.shape == (2, 1024) and torch.equal(clips, g.sample(2, labels=0, seed=3))
    assert g.save(clips, tmp_path / "folder").joinpath("sample_001.wav").is_file()
    assert g.save(clips, tmp_path / "spec.png").stat().st_size > 100
    err = cli_error(capsys, ["sample", str(tmp_path / "spec"), "--label", "5", "--out", str(tmp_path / "x.wav")])
    assert "out of range" in err and "high, low" in err
