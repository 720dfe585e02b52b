"""The text phase: a contrastively pre-trained text encoder that every network then reads frozen; exact resume
across the text -> stage I boundary; runs from before the phase still sample and resume."""
from __future__ import annotations

import json

import pytest
import torch
import yaml

import ganforge
from ganforge.cli.main import main
from ganforge.engine.checkpoint import load_checkpoint, save_checkpoint
from ganforge.engine.loop import Trainer
from ganforge.errors import ConfigError
from ganforge.text2image.task import TextToImageTask
from t2i_helpers import tensors_at, tiny, whole_and_resumed
from helpers import cli_error


def stats(run_dir):
    return [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]


def test_the_contrastive_loss_falls_and_the_encoder_is_frozen_afterwards(tmp_path, captioned):
    with pytest.raises(ConfigError, match="set train.text_steps above 0"):
        TextToImageTask(tiny(captioned, train={"match_weight": 0.5}), quiet=True)
    cfg = tiny(captioned, model={"stages": 1}, train={"text_steps": 24, "text_batch_size": 16, "stage1_steps": 2,
                                                      "checkpoint_every": 24, "match_weight": 0.5})
    task = TextToImageTask(cfg, quiet=True)
    Trainer(task, tmp_path / "run", quiet=True).fit()
    text = [r for r in stats(tmp_path / "run") if r["phase"] == "text"]
    assert len(text) == 24 and "text/r_precision" in text[-1] and "text/accuracy" in text[0]
    first, last = [sum(r["text/loss"] for r in rows) / 4 for rows in (text[:4], text[-4:])]
    assert last < 0.7 * first, (first, last)                   # starts near log(16) = 2.8
    # every network reads the matcher's text encoder from then on, frozen: equal at the boundary and at the end
    boundary, _ = tensors_at(tmp_path / "run", 24)
    end, _ = tensors_at(tmp_path / "run", 26)
    encoder = {k[len("text_matcher.text_encoder."):]: v for k, v in boundary.items()
               if k.startswith("text_matcher.text_encoder.")}
    for prefix in ("generator.text.", "ema.text.", "discriminator.stage1.text."):
        assert all(torch.equal(end[prefix + k], v) for k, v in encoder.items()), prefix
    assert any(not torch.equal(boundary[k], end[k]) for k in end if k.startswith("generator.stage1."))
    assert all(torch.equal(boundary[k], end[k]) for k in end if k.startswith("text_matcher."))   # the match term's too
    assert all("loss/match" in r for r in stats(tmp_path / "run") if r["phase"] == "stage1")
    assert not task.G.text.training and not any(p.requires_grad for p in task.G.text.parameters())
    assert all(p.grad is None for d in task.D.values() for p in d.text.parameters())


def test_a_run_stopped_at_the_end_of_the_text_phase_and_resumed_equals_an_uninterrupted_one(tmp_path, captioned):
    cfg = tiny(captioned, train={"text_steps": 2, "text_batch_size": 8, "match_weight": 0.5})
    second = whole_and_resumed(cfg, tmp_path, stop_at=2)
    assert second.step == 6 and second.resumed_from.name == "step_0000002.safetensors"
    a, meta = tensors_at(tmp_path / "whole", 6)
    b, _ = tensors_at(tmp_path / "split", 6)
    assert a.keys() == b.keys() and meta["text_steps"] == 2 and any(k.startswith("text_matcher.") for k in a)
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_a_run_from_before_the_text_phase_samples_and_resumes(tmp_path, captioned, capsys):
    runs = tmp_path / "runs"
    assert main(["train", "stackgan", "--data", str(captioned), "--out", str(runs), "--name", "old", "--steps", "1",
                 "--batch-size", "4", "--quiet", "--set", "train.stage1_steps=1", "--set", "model.width=4",
                 "--set", "model.stage1_size=16", "--set", "data.limit=16", "--set", "train.threads=1",
                 "--set", "train.text_steps=0"]) == 0
    run = runs / "old"
    config = yaml.safe_load((run / "config.yaml").read_text())        # as ganforge wrote them before the phase
    del config["train"]["text_steps"], config["train"]["text_batch_size"], config["train"]["lr_text"]
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    path = run / "checkpoints" / "step_0000002.safetensors"
    tensors, meta = load_checkpoint(path)
    del meta["text_steps"], meta["format"]
    save_checkpoint(path, tensors, meta)
    assert ganforge.load(run).sample("a bold two", n=2).shape == (2, 1, 64, 64)
    err = cli_error(capsys, ["train", "--resume", str(run), "--steps", "3", "--set", "train.text_steps=5"])
    assert "trained with train.text_steps=0" in err and "asks for 5" in err and "--set train.text_steps=0" in err
    assert main(["train", "--resume", str(run), "--steps", "2", "--quiet"]) == 0     # config.yaml without the key
    assert ganforge.load(run).step == 3
