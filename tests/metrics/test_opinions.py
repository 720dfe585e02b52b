"""Several extractors' opinions: the table, and a disagreement line exactly when two extractors rank two sets apart."""
from ganforge.metrics.opinions import agreement_line, disagreements, table

A = {"mnist-classifier": {"fid": 12.0, "kid": 0.010, "precision": 0.70, "recall": 0.60},
     "mnist-resnet": {"fid": 3.0, "kid": 0.002, "precision": 0.72, "recall": 0.55},
     "mnist-autoencoder": {"fid": 0.5, "kid": 0.001, "precision": 0.80, "recall": 0.50}}


def test_no_line_when_every_extractor_ranks_the_sets_alike():
    b = {n: {k: v * 1.5 for k, v in s.items()} for n, s in A.items()}    # B worse on FID/KID, "better" on P/R
    assert disagreements(A, b) == []
    assert agreement_line([], 3, "A", "B").startswith("all 3 extractors rank A and B the same way")


def test_a_line_names_the_metric_and_what_each_extractor_says_when_they_disagree():
    b = {n: dict(s) for n, s in A.items()}
    b["mnist-classifier"]["fid"] = 15.0      # classifier: A < B (A better)
    b["mnist-autoencoder"]["fid"] = 0.2      # autoencoder: A > B (B better)
    b["mnist-resnet"]["fid"] = 3.0           # a tie ranks nothing
    lines = disagreements(A, b)
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("disagreement on FID (lower is better)")
    assert "mnist-classifier says A < B (12 vs 15)" in line and "mnist-autoencoder says A > B (0.5 vs 0.2)" in line
    assert "mnist-resnet" not in line
    b["mnist-resnet"]["recall"] = 0.40       # resnet: A > B on recall, the others tie: still no disagreement
    assert len(disagreements(A, b)) == 1
    b["mnist-autoencoder"]["recall"] = 0.9   # autoencoder: A < B on recall -> a second line
    assert [ln.split(" (")[0] for ln in disagreements(A, b, "run1", "run2")] == ["disagreement on FID",
                                                                                  "disagreement on recall"]


def test_only_extractors_scored_on_both_sides_count():
    b = {"mnist-classifier": {"fid": 15.0}, "inception": {"fid": 1.0}}
    assert disagreements(A, b) == []


def test_table_has_one_row_per_extractor_and_a_dash_for_missing_metrics():
    rows = table({"mnist-classifier": A["mnist-classifier"], "mnist-autoencoder": {"fid": 0.5}}).splitlines()
    assert rows[0].split() == ["extractor", "FID", "KID", "precision", "recall"]
    assert rows[1].split() == ["mnist-classifier", "12", "0.01", "0.7", "0.6"]
    assert rows[2].split() == ["mnist-autoencoder", "0.5", "-", "-", "-"]


def test_the_agreement_line_names_only_the_metrics_scored():
    assert agreement_line([], 3, "A", "B", ["fid", "kid"]).endswith("the same way on FID and KID")
    assert "no metric" in agreement_line([], 3, "A", "B", [])
