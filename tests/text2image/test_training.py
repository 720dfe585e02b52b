"""Training StackGAN: exact resume across the stage I -> stage II boundary, stage I frozen, the CLI end to end."""
from __future__ import annotations

import json

import torch

import ganforge
from ganforge.cli.main import main
from t2i_helpers import tensors_at, tiny, whole_and_resumed
from helpers import cli_error


def test_a_run_stopped_in_stage_one_and_resumed_equals_an_uninterrupted_one(tmp_path, captioned):
    cfg = tiny(captioned)
    second = whole_and_resumed(cfg, tmp_path, stop_at=1)
    assert second.step == 4 and second.resumed_from.name == "step_0000001.safetensors"
    a, meta = tensors_at(tmp_path / "whole", 4)
    b, _ = tensors_at(tmp_path / "split", 4)
    assert a.keys() == b.keys() and meta["step"] == 4 and meta["family"] == "text2image"
    for key in a:
        assert torch.equal(a[key], b[key]), key
    # stage I is frozen during stage II: its weights at step 4 are those at the boundary (step 2)
    mid, _ = tensors_at(tmp_path / "whole", 2)
    stage1 = [k for k in a if k.startswith(("generator.stage1.", "generator.text.", "discriminator.stage1."))]
    assert stage1 and all(torch.equal(a[k], mid[k]) for k in stage1)
    assert any(not torch.equal(a[k], mid[k]) for k in a if k.startswith("generator.stage2."))
    info = json.loads((tmp_path / "split" / "run.json").read_text())
    assert info["family"] == "text2image" and info["model"] == "stackgan"
    assert (tmp_path / "split" / "samples" / "captions.txt").read_text().count("\n") == 2


def test_train_sample_and_evaluate_from_the_command_line(tmp_path, captioned, capsys):
    runs = tmp_path / "runs"
    flags = ["--steps", "1", "--batch-size", "4", "--quiet", "--set", "train.stage1_steps=1", "--set", "model.width=4",
             "--set", "model.stage1_size=16", "--set", "data.limit=16", "--set", "train.threads=1",
             "--set", "train.text_steps=1", "--set", "train.text_batch_size=4"]
    assert main(["train", "stackgan", "--data", str(captioned), "--out", str(runs), "--name", "one",
                 "--set", "model.stages=1", "--set", "model.ca=false", *flags]) == 0
    g = ganforge.load(runs / "one")
    assert g.config.stages == 1 and not g.config.ca and g.sample("a bold two", n=3).shape == (3, 1, 16, 16)
    err = cli_error(capsys, ["sample", str(runs / "one"), "--prompt", "a bold two", "--stage", "2"])
    assert "stage I only" in err
    assert main(["train", "stackgan", "--data", str(captioned), "--out", str(runs), "--name", "two", *flags]) == 0
    out = tmp_path / "grid.png"
    assert main(["sample", str(runs / "two"), "--prompt", "a thin seven left of a bold two", "--n", "4", "--out",
                 str(out), "--no-provenance"]) == 0 and out.stat().st_size > 0
    err = cli_error(capsys, ["sample", str(runs / "two"), "--prompt", "a thin sevn left of a purple two"])
    assert "'sevn', 'purple'" in err and "zero..nine" in err
    err = cli_error(capsys, ["sample", str(runs / "two"), "--prompt", ""])
    assert "the prompt is empty" in err
    err = cli_error(capsys, ["sample", str(runs / "two"), "--prompt", "a bold two", "--temperature", "0.5"])
    assert "drop --temperature" in err
    assert "drop --views" in cli_error(capsys, ["eval", str(runs / "two"), "--views"])
    assert main(["eval", str(runs / "two"), "--n", "12", "--out", str(tmp_path / "s.json")]) == 0
    printed = capsys.readouterr().out
    assert "R-precision (1 of 100)" in printed and "real 64x64" in printed and "real at 16x16" in printed
    scores = json.loads((tmp_path / "s.json").read_text())
    assert set(scores) == {"stage II (step 3)", "stage I (step 3)", "real 64x64", "real at 16x16"}
    # the studio's prompt box: the same images as the command line, one-line errors as JSON
    from starlette.testclient import TestClient

    from ganforge.web.app import create_app

    client = TestClient(create_app(runs, provenance=False), base_url="http://127.0.0.1")
    body = {"run": "two", "prompt": "a thin seven left of a bold two", "n": 4, "stage": 1}
    reply = client.post("/api/create/prompt", json=body)
    assert reply.status_code == 200 and reply.json()["image"].startswith("data:image/png;base64,")
    bad = client.post("/api/create/prompt", json={**body, "prompt": "a purple two"})
    assert bad.status_code == 400 and "'purple'" in bad.json()["error"]
