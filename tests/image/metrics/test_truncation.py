"""The truncation curve: a BigGAN run sampled with the pipeline's truncated normal at each psi, scored by the core."""
import torch

from ganforge.image.data import load_split
from ganforge.image.metrics.truncation import truncation_curve
from ganforge.image.models import create_model
from ganforge.image.pipeline import LoadedGenerator
from ganforge.metrics.evaluate import Evaluator


def test_truncation_curve_of_a_conditional_biggan_generator(tmp_path):
    torch.manual_seed(0)
    gan = create_model("biggan", width=4, latent_dim=16, num_classes=10)
    g = LoadedGenerator(gan.generator, gan.config, 0, tmp_path)     # what ganforge.load(RUN) gives
    # the pipeline's truncated z is the one the generator splits into its per-block chunks
    z, y = g.draw(6, labels=3, seed=1, truncation=0.3)
    first, conds = g.generator.split(z, y)
    assert first.abs().max() <= 0.3 and all(c[:, :-g.generator.label_dim].abs().max() <= 0.3 for c in conds)
    assert torch.equal(torch.cat([first, *[c[:, :-g.generator.label_dim] for c in conds]], dim=1), z)

    real = load_split("embedded").images[:200]
    evaluator = Evaluator(real, extractor="mnist-classifier", use_cache=False)
    rows = truncation_curve(g, evaluator, psis=(None, 1.0, 0.2), n=40, metrics="kid,pr", progress=False,
                            options={"kid_subset_size": 40})
    assert [r["psi"] for r in rows] == [None, 1.0, 0.2]
    for row in rows:
        assert {"kid", "precision", "recall", "class_accuracy"} <= set(row)
        assert 0 <= row["class_accuracy"] <= 1
    assert rows[0]["kid"] != rows[2]["kid"]          # truncation changed the samples
