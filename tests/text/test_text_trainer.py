"""Text training: MLE lowers the loss, every model trains through all phases, resume is exact."""
from __future__ import annotations

import json

import pytest
import torch

from ganforge.text.metrics import nll_gen
from ganforge.text.task import TextTrainer

from text_helpers import TINY_ORACLE, tiny_config


def states(trainer):
    task = trainer.task
    out = dict(task.G.state_dict())
    if task.D is not None:
        out.update({f"D.{k}": v for k, v in task.D.state_dict().items()})
    return out


@pytest.mark.parametrize("model,data", [("seqgan", "oracle"), ("relgan", "file"), ("textgan", "file")])
def test_resume_is_exact(tmp_path, text_files, model, data):
    spec = TINY_ORACLE if data == "oracle" else {"name": "file", "path": str(text_files[0]),
                                                  "test_path": str(text_files[1]), "max_len": 10}
    cfg = tiny_config(model, spec)
    full = TextTrainer(cfg, tmp_path / "full", quiet=True)
    full.fit()
    assert full.step == 4 + 2 + 3
    first = TextTrainer(cfg, tmp_path / "split", quiet=True)
    first.fit(stop_at=5)  # stops inside the discriminator pre-training
    assert first.step == 5
    resumed = TextTrainer(cfg, tmp_path / "split", quiet=True, vocab=first.task.corpus.vocab)
    resumed.fit(resume=True)
    assert resumed.step == full.step
    a, b = states(full), states(resumed)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_mle_lowers_nll_and_logs_every_phase(tmp_path):
    path = tmp_path / "few.txt"  # four sentences: learnable, unlike random word salad
    path.write_text("\n".join(["a man sits on the bench", "a dog eats the food", "the red car near a street",
                               "a cat on a table"] * 10) + "\n")
    spec = {"name": "file", "path": str(path), "test_path": str(path), "max_len": 10}
    cfg = tiny_config("seqgan", spec, pretrain_steps=40, lr_pretrain=0.02)
    trainer = TextTrainer(cfg, tmp_path / "run", quiet=True)
    before = nll_gen(trainer.task.G, trainer.task.corpus.test)
    trainer.fit(stop_at=40)
    after = nll_gen(trainer.task.G, trainer.task.corpus.test)
    assert after < before - 1.0, (before, after)
    trainer = TextTrainer(cfg, tmp_path / "run", quiet=True, vocab=trainer.task.corpus.vocab)
    trainer.fit(resume=True)
    stats = [json.loads(line) for line in (tmp_path / "run" / "stats.jsonl").read_text().splitlines()]
    keys = set().union(*stats)
    assert {"pretrain_g/nll", "pretrain_d/d_loss", "adversarial/g_loss", "adversarial/reward"} <= keys
    samples = tmp_path / "run" / "samples" / "step_0000003.txt"
    assert len(samples.read_text().splitlines()) == 8
    metrics = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [m["phase"] for m in metrics] == ["pretrain_g", "adversarial"]
    assert [m["step"] for m in metrics] == [40, 45] and all("nll_gen" in m["values"] for m in metrics)
    assert (tmp_path / "run" / "vocab.json").is_file() and list((tmp_path / "run" / "tb").iterdir())


def test_init_generator_starts_from_another_run(tmp_path):
    mle = TextTrainer(tiny_config("mle", TINY_ORACLE), tmp_path / "mle", quiet=True)
    mle.fit()
    gan = TextTrainer(tiny_config("relgan", TINY_ORACLE, pretrain_steps=0, init_generator=str(tmp_path / "mle")),
                      tmp_path / "gan", quiet=True)
    gan.start(resume=False)
    for k, v in mle.task.G.state_dict().items():
        assert torch.equal(v, gan.task.G.state_dict()[k]), k
