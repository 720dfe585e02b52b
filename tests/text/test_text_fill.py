"""MaskGAN from the command line and the API: train, sample, --fill, fill metrics, and one-line errors."""
from __future__ import annotations

import json

import pytest

import ganforge
from ganforge.cli.main import main
from ganforge.errors import GanforgeError

from test_text_bad_input import one_line_error

TINY = ["--batch-size", "8", "--set", "data.max_len=10", "--set", "train.pretrain_steps=4", "--set",
        "train.d_pretrain_steps=1", "--set", "model.hidden_dim=8", "--set", "model.emb_dim=8", "--set",
        "model.d_emb_dim=8", "--set", "model.d_num_filters=4", "--set", "train.threads=1", "--set",
        "model.rollouts=1", "--quiet"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A maskgan run and an mle run (the language model of fill_perplexity) on the same tiny file."""
    from text_helpers import sentences

    root = tmp_path_factory.mktemp("fill")
    train, test = root / "train.txt", root / "test.txt"
    train.write_text("\n".join(sentences(80, 0)) + "\n")
    test.write_text("\n".join(sentences(30, 1)) + "\n")
    out = root / "runs"
    for model, steps in (("maskgan", "3"), ("mle", "4")):
        assert main(["train", model, "--data", str(train), "--out", str(out), "--name", model, "--steps", steps,
                     "--set", f"data.test_path={test}", *TINY]) == 0
    return out


def test_fill_from_the_cli_and_the_api(runs, capsys):
    run = runs / "maskgan"
    assert json.loads((run / "run.json").read_text())["model"] == "maskgan"
    text = "a man ___ on the ___"
    capsys.readouterr()
    assert main(["sample", str(run), "--fill", text, "--n", "4", "--seed", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    g = ganforge.load(run)
    assert lines == g.fill(text, n=4, seed=3)
    vocab = set(g.vocab.tokens[4:])
    for line in lines:
        words = line.split()
        assert len(words) == 6 and words[:2] == ["a", "man"] and words[3:5] == ["on", "the"]
        assert words[2] in vocab and words[5] in vocab          # a blank takes one word, never <unk> or <eos>
    marked = g.fill_words(text, n=1, seed=3)[0]
    assert [f for _, f in marked] == [False, False, True, False, False, True]
    assert g.fill(text, n=2, seed=3, temperature=0.5) == g.fill(text, n=2, seed=3, temperature=0.5)
    # a MaskGAN run also samples and continues prompts like every text model
    assert len(g.sample(3, prompt="a man", seed=0)) == 3
    assert all(s.startswith("a man") for s in g.sample(3, prompt="a man", seed=0))


def test_eval_scores_fills_and_unique_ngrams(runs):
    run = runs / "maskgan"
    assert main(["eval", str(run), "--metrics", "bleu,ngrams,fill", "--lm", str(runs / "mle"), "--n", "20"]) == 0
    m = json.loads((run / "eval" / "metrics.json").read_text())
    assert 0 <= m["fill_bleu2"] <= 1 and 0 <= m["fill_bleu3"] <= 1
    assert m["fill_perplexity"] > 1
    assert 0 < m["unique_ngrams2"] <= 1 and 0 < m["data_unique_ngrams2"] <= 1 and 0 <= m["novel_ngrams4"] <= 1


def test_fill_errors_are_one_line(runs, capsys):
    run = str(runs / "maskgan")
    one_line_error(capsys, ["sample", run, "--fill", "a man on the bench"], "no blank", "___")
    one_line_error(capsys, ["sample", run, "--fill", " ".join(["a"] * 10 + ["___"])], "11 words", "at most 10")
    one_line_error(capsys, ["sample", run, "--fill", "a mna on the ___"], "'mna'", "vocabulary", "replace them with ___")
    one_line_error(capsys, ["sample", str(runs / "mle"), "--fill", "a ___"], "mle run", "maskgan")
    one_line_error(capsys, ["sample", run, "--fill", "a ___", "--prompt", "a"], "--fill and --prompt")
    one_line_error(capsys, ["sample", run, "--fill", "a ___", "--temperature", "0"], "temperature")
    one_line_error(capsys, ["eval", str(runs / "mle"), "--metrics", "fill"], "maskgan runs")
    one_line_error(capsys, ["eval", run, "--metrics", "fill", "--lm", str(runs / "nothing")], "nothing")
    assert main(["eval", run, "--metrics", "fill", "--n", "10"]) == 0
    assert "pass --lm MLE_RUN" in capsys.readouterr().err
    with pytest.raises(GanforgeError, match="no blank"):
        ganforge.load(run).fill("")
