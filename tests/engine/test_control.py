"""The control channel: a change takes effect exactly at the step recorded, a changed run stopped (or killed) and
resumed equals the run that was never stopped, bit for bit (CPU), and pause / step / resume / stop work."""
import threading
import time

import pytest
import torch

from ganforge.config import load_config
from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint
from ganforge.engine.control import NotTraining, send
from ganforge.engine.run_folder import RunFolder
from ganforge.errors import ConfigError
from ganforge.image.config import RunConfig
from ganforge.image.task import ImageTrainer

from helpers import tiny_config

CHANGE = {"train.lr_g": 1e-3, "train.d_steps": 2, "loss.r1_weight": 0.1, "train.ema_decay": 0.5}
SECTIONS = dict(model={"name": "mlp", "width": 8}, train={"steps": 6, "checkpoint_every": 3})


def trainer(run_dir, cfg=None):
    return ImageTrainer(cfg or tiny_config(**SECTIONS), run_dir, quiet=True)


def at(trainer_, step, command, values=None):
    """A hook sending ``command`` through the channel once step ``step`` is done (read before the next step)."""
    def hook(s, ended):
        if s == step:
            send(trainer_.run, command, values, config=trainer_.cfg)
    trainer_.hooks.append(hook)


def final_tensors(run_dir):
    tensors, meta = load_checkpoint(checkpoint_files(run_dir / "checkpoints")[-1])
    return {k: v for k, v in tensors.items() if not k.startswith("rng.")}, meta


def assert_same(a_dir, b_dir):
    a, meta_a = final_tensors(a_dir)
    b, meta_b = final_tensors(b_dir)
    assert meta_a["step"] == meta_b["step"] == 6
    assert meta_a["settings"] == meta_b["settings"] and meta_a["settings"]["train.lr_g"] == 1e-3
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def resumed_from_its_config(run_dir):
    """What `ganforge train --resume RUN` builds: the run's config.yaml (the current settings), then resume."""
    t = trainer(run_dir, load_config(RunConfig, run_dir / "config.yaml"))
    t.fit(resume=True)
    return t


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """6 steps, the change sent after step 4; the learning rate of every step recorded."""
    run_dir = tmp_path_factory.mktemp("whole") / "run"
    t = trainer(run_dir)
    seen = []
    t.hooks.append(lambda s, ended: seen.append(t.state.optimizers["optim_g"].param_groups[0]["lr"]))
    at(t, 4, "set", CHANGE)
    t.fit()
    return run_dir, seen, t


def test_a_change_takes_effect_at_the_step_recorded(whole):
    run_dir, seen, t = whole
    assert seen == [2e-4] * 4 + [1e-3] * 2            # steps 0-3 at the old rate, 4 and 5 at the new
    run = RunFolder(run_dir)
    sets = [e for e in run.events_rows()[0] if e["event"] == "set"]
    assert len(sets) == 1 and sets[0]["step"] == 4 and sets[0]["values"] == CHANGE
    assert sets[0]["previous"] == {"train.lr_g": 2e-4, "train.d_steps": 1, "loss.r1_weight": 0.0,
                                   "train.ema_decay": 0.9}
    assert [r["step"] for r in run.history_rows()] == [4]
    saved = load_config(RunConfig, run_dir / "config.yaml")        # config.yaml holds the current settings
    assert (saved.train.lr_g, saved.train.d_steps, saved.loss.r1_weight) == (1e-3, 2, 0.1)
    assert t.state.ema.decay == 0.5
    assert run.status()["state"] == "finished" and not run.status()["training"]
    assert [e["event"] for e in run.events_rows()[0]] == ["started", "set", "finished"]


def test_changed_then_stopped_and_resumed_equals_the_run_never_stopped(whole, tmp_path):
    t = trainer(tmp_path / "split")
    at(t, 4, "set", CHANGE)
    at(t, 5, "stop")
    t.fit()
    assert t.step == 5 and t.stop_reason == "stopped from the control channel"
    assert RunFolder(tmp_path / "split").latest_checkpoint().name == "step_0000005.safetensors"
    assert resumed_from_its_config(tmp_path / "split").step == 6
    assert_same(whole[0], tmp_path / "split")


def test_a_killed_run_replays_the_changes_after_its_checkpoint(whole, tmp_path):
    t = trainer(tmp_path / "killed")
    at(t, 4, "set", CHANGE)
    t.fit(stop_at=5)
    RunFolder(tmp_path / "killed").checkpoint_path(5).unlink()    # as if killed after step 5: the newest is 3
    resumed = resumed_from_its_config(tmp_path / "killed")
    assert resumed.step == 6
    assert_same(whole[0], tmp_path / "killed")
    replays = [e for e in RunFolder(tmp_path / "killed").events_rows()[0] if e.get("source") == "replay"]
    assert [e["step"] for e in replays] == [4]


def test_pause_step_resume_and_a_bad_change_from_another_thread(tmp_path):
    t = trainer(tmp_path / "run", tiny_config(**{**SECTIONS, "train": {"steps": 5}}))
    run = RunFolder(tmp_path / "run")
    at(t, 1, "pause")
    log = []

    def events(name, count):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = [e for e in run.events_rows()[0] if e["event"] == name]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {name} event")

    def steer():
        log.append(events("paused", 1)[0]["step"])
        assert run.status()["state"] == "paused"
        send(run, "step")
        log.append(events("paused", 2)[1]["step"])
        run.append_control({"id": "bad", "command": "set", "values": {"train.lr_g": -1}})   # past send()'s check
        events("rejected", 1)
        send(run, "resume")

    thread = threading.Thread(target=steer)
    thread.start()
    t.fit()
    thread.join(timeout=60)
    assert log == [1, 2] and t.step == 5
    rejected = events("rejected", 1)[0]
    assert rejected["id"] == "bad" and "train.lr_g" in rejected["error"] and ">= 0.0" in rejected["error"]
    assert [e["event"] for e in run.events_rows()[0]] == ["started", "paused", "step", "paused", "rejected",
                                                         "resumed", "finished"]
    with pytest.raises(NotTraining, match="is not training"):
        send(run, "pause")


def test_send_checks_keys_and_values_against_the_runs_config(whole):
    run_dir, _, t = whole
    run = RunFolder(run_dir)
    run.write_status({**run.status(), "state": "running", "pid": __import__("os").getpid()})   # as if training
    try:
        for values, message in [({"train.batch_size": 8}, "cannot change while the run trains"),
                                ({"train.lr_g": float("nan")}, "finite"),
                                ({"train.d_steps": 0}, ">= 1"), ({"train.lr_x": 1.0}, "it can change: ")]:
            with pytest.raises(ConfigError, match=message):
                send(run, "set", values, config=t.cfg)
        with pytest.raises(ConfigError, match="unknown control command"):
            send(run, "jump")
    finally:
        run.write_status({**run.status(), "state": "finished"})
