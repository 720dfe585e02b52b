"""Training pix2pix and CycleGAN: losses that decrease, exact resume (history pools included), the ablation's nets."""
from __future__ import annotations

import copy
import json

import pytest
import torch

from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint
from ganforge.engine.loop import Trainer
from ganforge.translation.models.nets import PatchDiscriminator, patch_layers, receptive_field
from ganforge.translation.pool import HistoryPool
from ganforge.translation.task import make_task

from translation_helpers import tiny, write_side_by_side, write_unpaired


def final_tensors(run_dir):
    tensors, meta = load_checkpoint(checkpoint_files(run_dir / "checkpoints")[-1])
    return {k: v for k, v in tensors.items() if not k.startswith("rng.")}, meta


def stats(run_dir):
    return [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    return write_side_by_side(tmp_path_factory.mktemp("paired"), n=24)


@pytest.fixture(scope="module")
def unpaired(tmp_path_factory):
    return write_unpaired(tmp_path_factory.mktemp("unpaired"), n_a=12, n_b=10)


@pytest.mark.parametrize("model,precision", [("pix2pix", "fp32"), ("pix2pix", "bf16"), ("cyclegan", "fp32")])
def test_a_stopped_and_resumed_run_equals_an_uninterrupted_one(tmp_path, paired, unpaired, model, precision):
    data = paired if model == "pix2pix" else unpaired
    cfg = tiny(model, data, train={"steps": 6, "precision": precision, "threads": 1, "lr_decay_steps": 3})
    Trainer(make_task(cfg), tmp_path / "whole", quiet=True).fit()
    first = Trainer(make_task(cfg), tmp_path / "split", quiet=True)
    first.fit(stop_at=4)
    assert first.step == 4
    second = Trainer(make_task(cfg), tmp_path / "split", quiet=True)
    second.fit(resume=True)
    assert second.step == 6 and second.resumed_from.name == "step_0000004.safetensors"

    a, meta_a = final_tensors(tmp_path / "whole")
    b, meta_b = final_tensors(tmp_path / "split")
    assert meta_a["step"] == meta_b["step"] == 6 and a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    if model == "cyclegan":   # the history pools are in the checkpoint, filled: 6 steps x batch 4 > 5 slots
        assert int(a["pool_a.count"]) == int(a["pool_b.count"]) == 5
        assert a["pool_b.images"].abs().sum() > 0 and {"generator.AtoB.net.1.weight", "discriminator.B.net.0.weight",
                                                       "ema.BtoA.net.1.weight"} <= a.keys()
    # same rows logged, and the run folder's schema
    assert [r["step"] for r in stats(tmp_path / "whole")] == [r["step"] for r in stats(tmp_path / "split")]
    info = json.loads((tmp_path / "split" / "run.json").read_text())
    assert info["family"] == "translation" and info["model"] == model and info["data"] == data.name


def test_pix2pix_l1_decreases(tmp_path, paired):
    cfg = tiny("pix2pix", paired, model={"objective": "l1", "width": 8},
               train={"steps": 40, "log_every": 10, "threads": 1, "sample_every": 40, "checkpoint_every": 40,
                      "lr_g": 1e-3})
    Trainer(make_task(cfg), tmp_path / "r", quiet=True).fit()
    l1 = [r["loss/l1"] for r in stats(tmp_path / "r")]
    assert l1[-1] < 0.6 * l1[0], l1
    tensors, _ = final_tensors(tmp_path / "r")
    assert not any(k.startswith(("discriminator.", "optim_d.")) for k in tensors)   # l1 alone: no D


def test_cyclegan_cycle_loss_decreases(tmp_path, unpaired):
    cfg = tiny("cyclegan", unpaired, model={"width": 8},
               train={"steps": 30, "log_every": 10, "threads": 1, "sample_every": 30, "checkpoint_every": 30,
                      "lr_g": 1e-3})
    Trainer(make_task(cfg), tmp_path / "r", quiet=True).fit()
    rows = stats(tmp_path / "r")
    assert rows[-1]["loss/cycle"] < 0.7 * rows[0]["loss/cycle"], rows
    assert {"loss/d", "loss/g_adv", "loss/identity"} <= rows[0].keys()


def test_the_ablation_objectives_build_their_discriminators(tmp_path, paired):
    for objective, d_inputs in (("l1+cgan", 2), ("cgan", 2), ("l1+gan", 1), ("l1", None)):
        task = make_task(tiny("pix2pix", paired, model={"objective": objective}, train={"threads": 1}))
        assert (task.D is None) == (d_inputs is None)
        if task.D is not None:
            assert task.D.net[0].in_channels == d_inputs


def test_patch_receptive_field_scales_with_the_image():
    assert receptive_field(3) == 70 and patch_layers(256) == 3      # the paper's 70x70 PatchGAN
    assert receptive_field(patch_layers(128)) == 34 and receptive_field(patch_layers(32)) == 16
    d = PatchDiscriminator(1, 0, 4, patch_layers(16))
    assert d(torch.zeros(2, 1, 16, 16)).shape[-1] >= 2


def test_history_pool_fills_then_swaps_half_and_round_trips():
    pool = HistoryPool(4, 1, 2)
    g = torch.Generator().manual_seed(0)
    first = torch.arange(4.0).view(4, 1, 1, 1).expand(4, 1, 2, 2)
    assert torch.equal(pool.query(first, g), first) and int(pool.count) == 4
    new = (100 + torch.arange(64.0)).view(64, 1, 1, 1).expand(64, 1, 2, 2)
    out = pool.query(new, g)
    swapped = out[:, 0, 0, 0] != new[:, 0, 0, 0]
    assert 0.3 < swapped.float().mean() < 0.7 and (pool.images >= 100).all()   # an older fake for about half
    assert set(out[swapped, 0, 0, 0].tolist()) <= set(range(4)) | set(range(100, 164))
    copy = HistoryPool(4, 1, 2)
    copy.load_state_dict(pool.state_dict())
    assert torch.equal(copy.images, pool.images) and int(copy.count) == 4


@pytest.mark.parametrize("model,change", [("pix2pix", {"train.lambda_l1": 10.0, "train.lr_g": 1e-3}),
                                          ("cyclegan", {"train.lambda_cycle": 2.0, "train.lambda_identity": 0.0})])
def test_loss_weights_steered_mid_run_replay_exactly_after_a_resume(tmp_path, paired, unpaired, model, change):
    """The loss weights change through the engine's control channel at step 2; a run stopped at 4 and resumed
    equals the one never stopped, and both differ from a run that was never changed."""
    from ganforge.config import load_config
    from ganforge.engine.control import send
    from ganforge.translation.config import RunConfig

    data = paired if model == "pix2pix" else unpaired
    cfg = tiny(model, data, train={"steps": 6, "threads": 1, "checkpoint_every": 2})

    def trained(name, stop_at=None, steer=True):   # a copy of the config each: the trainer steers the one it holds
        t = Trainer(make_task(copy.deepcopy(cfg)), tmp_path / name, quiet=True)
        if steer:
            t.hooks.append(lambda s, ended: s == 2 and send(t.run, "set", change, config=t.cfg))
        t.fit(stop_at=stop_at)
        return t

    whole = trained("whole")
    assert whole.steerable().keys() >= change.keys()
    trained("split", stop_at=4)
    # what `ganforge train --resume RUN` builds: the run's config.yaml, which holds the current settings
    resumed = Trainer(make_task(load_config(RunConfig, tmp_path / "split" / "config.yaml")), tmp_path / "split",
                      quiet=True)
    resumed.fit(resume=True)
    trained("plain", steer=False)
    a, meta = final_tensors(tmp_path / "whole")
    b, _ = final_tensors(tmp_path / "split")
    c, _ = final_tensors(tmp_path / "plain")
    assert all(meta["settings"][k] == v for k, v in change.items())
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], c[k]) for k in a if k.startswith("generator"))
