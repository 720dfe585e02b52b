"""`ganforge train / sample / eval` for text runs, end to end on a tiny file."""
from __future__ import annotations

import json

from ganforge.cli.main import main


def test_train_sample_eval_and_resume(tmp_path, text_files, capsys):
    train, test = text_files
    runs = tmp_path / "runs"
    argv = ["train", "seqgan", "--data", str(train), "--out", str(runs), "--name", "r", "--steps", "2", "--quiet",
            "--set", f"data.test_path={test}", "--set", "data.max_len=10", "--set", "train.pretrain_steps=3",
            "--set", "train.d_pretrain_steps=1", "--set", "model.rollouts=2", "--set", "train.batch_size=8",
            "--set", "model.hidden_dim=8", "--set", "model.d_num_filters=4", "--set", "train.threads=1"]
    assert main(argv) == 0
    run = runs / "r"
    info = json.loads((run / "run.json").read_text())
    assert info["family"] == "text" and info["model"] == "seqgan"
    capsys.readouterr()
    assert main(["sample", str(run), "--n", "5", "--prompt", "a man", "--temperature", "0.8", "--top-k", "5"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and all(line.startswith("a man") for line in lines)
    out = tmp_path / "s.txt"
    assert main(["sample", str(run), "--n", "3", "--out", str(out)]) == 0 and len(out.read_text().splitlines()) == 3
    assert main(["eval", str(run), "--metrics", "bleu,self_bleu,nll,curve", "--n", "40"]) == 0
    metrics = json.loads((run / "eval" / "metrics.json").read_text())
    assert {"bleu2", "bleu5", "self_bleu2", "self_bleu5", "nll_gen"} <= set(metrics)
    assert 0 <= metrics["bleu2"] <= 1 and len(metrics["curve"]) >= 5
    assert (run / "eval" / "quality_diversity.png").stat().st_size > 1000
    assert main(["train", "--resume", str(run), "--steps", "3", "--quiet"]) == 0
    assert (run / "checkpoints" / "step_0000007.safetensors").is_file()
