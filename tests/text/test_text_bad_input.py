"""Bad text input: each a one-line error (exit 2) or a visible, documented handling."""
from __future__ import annotations

import json

import pytest

from ganforge.cli.main import main
from ganforge.errors import CheckpointError, DataError, GanforgeError
from ganforge.text.data import load_corpus
from ganforge.text.task import TextTrainer

from text_helpers import tiny_config


def one_line_error(capsys, argv, *words):
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    err = lines[-1]  # notes (e.g. out-of-vocabulary counts) may come first; the error is one line, no traceback
    assert err.startswith("error: ") and not any("Traceback" in line for line in lines), lines
    assert sum(line.startswith("error: ") for line in lines) == 1, lines
    for w in words:
        assert w in err, err
    return err


def test_empty_binary_and_non_utf8_files(tmp_path, capsys):
    empty, blank, binary, latin = (tmp_path / n for n in ("empty.txt", "blank.txt", "bin.txt", "latin.txt"))
    empty.write_text("")
    blank.write_text("\n  \n\n")
    binary.write_bytes(b"\x89PNG\r\n\x00\x00\x00IHDR" * 10)
    latin.write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    out = str(tmp_path / "runs")
    one_line_error(capsys, ["train", "mle", "--data", str(empty), "--out", out], "no sentences")
    one_line_error(capsys, ["train", "mle", "--data", str(blank), "--out", out], "no sentences")
    one_line_error(capsys, ["train", "seqgan", "--data", str(binary), "--out", out], "binary")
    one_line_error(capsys, ["train", "mle", "--data", str(latin), "--out", out], "not UTF-8")
    one_line_error(capsys, ["train", "mle", "--data", str(tmp_path / "missing.txt"), "--out", out], "does not exist")
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_long_lines_are_dropped_truncated_or_refused(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("a b c\n" + " ".join(["w"] * 12) + "\nd e\n")
    cfg = tiny_config("mle", {"name": "file", "path": str(path), "max_len": 5}).data
    corpus = load_corpus(cfg)
    assert len(corpus.train) == 2 and "dropped 1 of 3 lines longer than 5" in corpus.notes[0]
    cfg.long_lines = "truncate"
    corpus = load_corpus(cfg)
    assert len(corpus.train) == 3 and "truncated 1" in corpus.notes[0]
    assert corpus.train.shape[1] == 6
    cfg.long_lines = "error"
    with pytest.raises(DataError, match="longer than max_len=5.*data.max_len=12"):
        load_corpus(cfg)


def test_vocabulary_mismatch_between_checkpoint_and_data(tmp_path, text_files, capsys):
    spec = {"name": "file", "path": str(text_files[0]), "max_len": 10}
    run = tmp_path / "run"
    TextTrainer(tiny_config("mle", spec), run, quiet=True).fit()
    other = tmp_path / "other.txt"
    other.write_text("completely different words here\nnothing shared at all\n" * 8)
    # a generator initialised from a run with another vocabulary
    cfg = tiny_config("mle", {**spec, "path": str(other)}, init_generator=str(run))
    with pytest.raises(CheckpointError, match="another vocabulary"):
        TextTrainer(cfg, tmp_path / "new", quiet=True).fit()
    # a run's vocab.json replaced by another one
    vocab = json.loads((run / "vocab.json").read_text())
    vocab["tokens"] = vocab["tokens"][:-1]
    (run / "vocab.json").write_text(json.dumps(vocab))
    one_line_error(capsys, ["sample", str(run), "--n", "2"], "vocabulary")
    one_line_error(capsys, ["train", "--resume", str(run), "--steps", "8"], "another vocabulary")


def test_data_that_does_not_fit_a_run_vocabulary(tmp_path, text_files):
    from ganforge.text.vocab import Vocab

    spec = {"name": "file", "path": str(text_files[0]), "test_path": str(text_files[1]), "max_len": 10}
    vocab = load_corpus(tiny_config("mle", spec).data).vocab
    other = tmp_path / "other.txt"
    other.write_text("completely different words here\n")
    with pytest.raises(DataError, match="not in the run's vocabulary"):
        load_corpus(tiny_config("mle", {**spec, "path": str(other)}).data, vocab=vocab)
    small = Vocab(vocab.tokens[:10])
    corpus = load_corpus(tiny_config("mle", spec).data, vocab=Vocab(vocab.tokens[:20]))
    assert any("outside the vocabulary and count as <unk>" in n for n in corpus.notes)
    assert len(small) == 10


def test_prompt_with_unknown_words_and_bad_sampling_options(tmp_path, text_files, capsys):
    spec = {"name": "file", "path": str(text_files[0]), "max_len": 10}
    run = tmp_path / "run"
    TextTrainer(tiny_config("mle", spec), run, quiet=True).fit()
    one_line_error(capsys, ["sample", str(run), "--prompt", "a mna"], "'mna'", "not in this model's vocabulary")
    one_line_error(capsys, ["sample", str(run), "--temperature", "0"], "temperature")
    one_line_error(capsys, ["sample", str(run), "--prompt", " ".join(["a"] * 11)], "shorter prompt")
    one_line_error(capsys, ["train", "seqgan", "--data", str(text_files[0]), "--image-size", "32"], "option of image models")
    one_line_error(capsys, ["eval", str(run), "--metrics", "bleu,fid"], "unknown text metric")
    with pytest.raises(GanforgeError):
        from ganforge.text.sampling import LoadedTextGenerator

        LoadedTextGenerator.load(run).sample(2, top_k=-1)
