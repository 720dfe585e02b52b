"""`ganforge eval HYPS.txt --ref REFS.txt --metrics bleu,self_bleu`: text files scored through the metric registry,
printed with a card and written as JSON; every bad input is a one-line error."""
import hashlib
import json

import pytest

from ganforge.cli.main import main
from helpers import cli_error

from .test_registry import HYPS, REFS, SMOOTH, nltk_bleu, weights


@pytest.fixture
def files(tmp_path):
    hyps, refs = tmp_path / "hyps.txt", tmp_path / "refs.txt"
    hyps.write_text("\n".join(" ".join(s) for s in HYPS) + "\n", encoding="utf-8")
    refs.write_text("\n".join(" ".join(s) for s in REFS) + "\n\n", encoding="utf-8")   # a blank line is skipped
    return hyps, refs


def test_text_files_score_equal_nltk_with_card_and_json(files, tmp_path, capsys):
    hyps, refs = files
    out = tmp_path / "score.json"
    assert main(["eval", str(hyps), "--ref", str(refs), "--metrics", "bleu,self_bleu,corpus_bleu",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    saved = json.loads(out.read_text())
    values, card = saved["values"], saved["card"]
    for n in (2, 3, 4, 5):
        assert values[f"bleu{n}"] == sum(nltk_bleu.sentence_bleu(REFS, h, weights(n), smoothing_function=SMOOTH)
                                         for h in HYPS) / len(HYPS)
        assert values[f"corpus_bleu{n}"] == nltk_bleu.corpus_bleu([REFS] * len(HYPS), HYPS, weights(n),
                                                                  smoothing_function=SMOOTH)
        assert f"bleu{n} {values[f'bleu{n}']:.4g}" in printed and f"self_bleu{n}" in values
    assert card["reference_sha256"] == hashlib.sha256(refs.read_bytes()).hexdigest()
    assert card["tokenisation"] == "whitespace" and card["orders"] == [2, 3, 4, 5] and "method1" in card["smoothing"]
    assert card["num_hypotheses"] == len(HYPS) and card["num_references"] == len(REFS) and card["ganforge_version"]
    for needle in ("hypotheses: 7", "(6 sentences, sha256", "tokenised:  whitespace", "orders 2, 3, 4, 5",
                   "ganforge:"):
        assert needle in printed


def test_default_metrics_and_n(files, capsys):
    hyps, refs = files
    assert main(["eval", str(hyps), "--ref", str(refs), "--n", "3"]) == 0
    printed = capsys.readouterr().out
    assert "bleu2" in printed and "self_bleu2" in printed and "corpus_bleu" not in printed
    assert "hypotheses: 3" in printed



def test_bad_text_inputs_are_one_line_errors(files, tmp_path, capsys):
    hyps, refs = files
    empty, binary = tmp_path / "empty.txt", tmp_path / "binary.txt"
    empty.write_text("\n  \n")
    binary.write_bytes(b"\x00\x01\x02 binary")
    assert "does not exist" in cli_error(capsys, ["eval", str(tmp_path / "no.txt"), "--ref", str(refs)])
    assert "does not exist" in cli_error(capsys, ["eval", str(hyps), "--ref", str(tmp_path / "no.txt")])
    assert "no sentences" in cli_error(capsys, ["eval", str(empty), "--ref", str(refs)])
    assert "binary" in cli_error(capsys, ["eval", str(binary), "--ref", str(refs)])
    assert "binary" in cli_error(capsys, ["eval", str(hyps), "--ref", str(binary)])
    assert "unknown metric 'blue'" in cli_error(capsys, ["eval", str(hyps), "--ref", str(refs),
                                                              "--metrics", "blue"])
    err = cli_error(capsys, ["eval", str(hyps), "--ref", str(refs), "--metrics", "bleu,fid"])
    assert "'fid' is a metric of extracted features" in err and "choose from bleu, corpus_bleu, fill_bleu, fill_perplexity, self_bleu, unique_ngrams" in err
    assert "needs reference sentences" in cli_error(capsys, ["eval", str(hyps), "--metrics", "bleu"])
    assert "--floor scores images" in cli_error(capsys, ["eval", str(hyps), "--ref", str(refs),
                                                                 "--floor", "x"])


def test_text_metric_asked_of_images_is_a_cli_error(tmp_path, capsys):
    import numpy as np

    fake = tmp_path / "fake.npz"
    np.savez(fake, images=np.zeros((20, 28, 28), np.uint8))
    err = cli_error(capsys, ["eval", str(fake), "--ref", "embedded", "--metrics", "fid,bleu"])
    assert "'bleu' is a text metric, which an evaluation of images cannot score" in err
