"""The run folder under faults: one trainer per run, a corrupt newest checkpoint skipped, schema rows read back."""
from __future__ import annotations

import json

import pytest

from ganforge.engine.run_folder import RunFolder, normalize_metrics_row
from ganforge.errors import CheckpointError
from ganforge.image.task import ImageTrainer
from helpers import tiny_config


def test_a_second_process_cannot_train_a_run_that_is_being_trained(tmp_path):
    run = RunFolder(tmp_path / "r")
    run.path.mkdir()
    held = run.lock()
    try:
        with pytest.raises(CheckpointError, match=r"being trained by process \d+; wait for it"):
            ImageTrainer(tiny_config(train={"steps": 2}), run.path).fit()
    finally:
        held.release()
    ImageTrainer(tiny_config(train={"steps": 2}), run.path).fit()     # free again: trains
    assert run.latest_checkpoint().name == "step_0000002.safetensors"


def test_resume_skips_a_newest_checkpoint_whose_body_is_corrupt(tmp_path, capsys):
    ImageTrainer(tiny_config(train={"steps": 6, "checkpoint_every": 3}), tmp_path / "r").fit()
    newest = tmp_path / "r" / "checkpoints" / "step_0000006.safetensors"
    data = bytearray(newest.read_bytes())
    newest.write_bytes(bytes(data[: len(data) - 100]))       # header intact, tensors cut short
    resumed = ImageTrainer(tiny_config(train={"steps": 6, "checkpoint_every": 3}), tmp_path / "r")
    assert resumed.resume() and resumed.step == 3
    assert "skipping step_0000006.safetensors" in capsys.readouterr().err


def test_rows_are_written_and_read_in_the_one_schema_and_old_text_rows_are_normalised(tmp_path):
    run = RunFolder(tmp_path)
    run.append_stats(5, {"loss/d": 1.5}, phase="train")
    run.append_metrics(5, {"fid": 12.0}, card={"reference": "mnist:test"})
    with open(tmp_path / "metrics.jsonl", "a") as f:          # a row as ganforge 0.1.0 text runs wrote it
        f.write(json.dumps({"step": 9, "phase": "adversarial", "time": 1.0, "nll_gen": 2.5}) + "\n")
        f.write('{"step": 10, "val')                           # a row being written: left for the next read
    stats, _, _ = run.stats_rows()
    assert stats[0]["step"] == 5 and stats[0]["phase"] == "train" and stats[0]["loss/d"] == 1.5
    metrics, start, count = run.metrics_rows()
    assert [m["values"] for m in metrics] == [{"fid": 12.0}, {"nll_gen": 2.5}]
    assert metrics[0]["card"] == {"reference": "mnist:test"} and metrics[1]["phase"] == "adversarial"
    assert (start, count) == (0, 2)
    assert run.metrics_rows(since=1)[0] == [metrics[1]]
    assert normalize_metrics_row({"step": 1, "values": {"kid": 0.1}}) == {"step": 1, "values": {"kid": 0.1}}


def test_resuming_a_run_whose_config_yaml_was_cut_short_is_refused(tmp_path):
    from helpers import run_cli

    ImageTrainer(tiny_config(train={"steps": 2}), tmp_path / "r").fit()
    config = tmp_path / "r" / "config.yaml"
    text = config.read_text()
    config.write_text(text[: text.index("loss:")])             # only the model section survived
    out = run_cli(["train", "--resume", str(tmp_path / "r"), "--steps", "4"], cwd=tmp_path)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith("error: ") and "has no 'loss' section" in out.stderr
    assert len(list((tmp_path / "r" / "checkpoints").glob("step_*.safetensors"))) == 1   # nothing lost
