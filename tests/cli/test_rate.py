"""``ganforge rate``: create a study from a run, list it, read its results, export it; bad input in one line."""
import csv
import io

import pytest
from helpers import cli_error, untrained_run

from ganforge.cli.main import main
from ganforge.rating.db import open_database
from ganforge.rating.study import Ratings


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("rate")
    run = untrained_run(root / "runs" / "r")
    studies = root / "studies"
    assert main(["rate", "create", str(run), "--name", "cli", "--n", "4", "--truncation", "none",
                 "--truncation", "0.7", "--attention", "1", "--studies", str(studies)]) == 0
    return run, studies


def test_create_list_results_and_export(study, capsys, tmp_path):
    run, studies = study
    ratings = Ratings(open_database(None, studies), studies)
    state = ratings.start_session("cli", "scripted-test-rater")
    while state["next"]:
        state = ratings.rate(state["session"], state["next"], "real")
    capsys.readouterr()
    assert main(["rate", "list", "--studies", str(studies)]) == 0
    assert "8 generated + 8 real + 1 checks, 1 rater(s) (1 scripted), 17 ratings" in capsys.readouterr().out
    assert main(["rate", "results", "cli", "--studies", str(studies), "--include-inattentive",
                 "--resamples", "200"]) == 0
    out = capsys.readouterr().out
    assert "1 rater(s) (0 people, 1 scripted)" in out
    assert "HYPE  50.0 %" in out and "fooled 100.0 %" in out     # "real" to everything: every fake fooled
    assert "r (truncation 0.7)" in out and "r (truncation default)" in out
    assert main(["rate", "results", "cli", "--studies", str(studies)]) == 0
    assert "left out (failed an attention check): scripted-test-rater" in capsys.readouterr().out
    target = tmp_path / "ratings.csv"
    assert main(["rate", "export", "cli", "--studies", str(studies), "--out", str(target)]) == 0
    assert "wrote 17 ratings" in capsys.readouterr().out
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 17 and {r["rater"] for r in rows} == {"scripted-test-rater"}
    assert main(["rate", "export", "cli", "--studies", str(studies)]) == 0
    assert list(csv.DictReader(io.StringIO(capsys.readouterr().out))) == rows


def test_bad_input_is_one_line(study, capsys, tmp_path):
    run, studies = study
    s = ["--studies", str(studies)]
    assert "exists already" in cli_error(capsys, ["rate", "create", str(run), "--name", "cli", *s])
    assert "use --truncation instead of --temperature" in \
        cli_error(capsys, ["rate", "create", str(run), "--name", "t", "--temperature", "1", *s])
    assert "must be a finite number > 0" in \
        cli_error(capsys, ["rate", "create", str(run), "--name", "t", "--truncation", "-1", *s])
    assert "no study named 'nope'" in cli_error(capsys, ["rate", "results", "nope", *s])
    assert "is not a ganforge run" in cli_error(capsys, ["rate", "create", str(tmp_path), "--name", "t", *s])
    assert "unknown database URL mysql://" in cli_error(capsys, ["rate", "list", "--db", "mysql://h/db"])
    assert "cannot reach rating database" in \
        cli_error(capsys, ["rate", "list", "--db", f"postgresql://nobody@/x?host={tmp_path}"])
    from studio_helpers import write_text_run

    text_run = write_text_run(tmp_path, "words")
    assert "text runs cannot be rated by people yet (families with rating items: image)" in \
        cli_error(capsys, ["rate", "create", str(text_run), "--name", "t", *s])
    assert not (studies / "t").exists()
