"""BigGAN-lite: class-conditional BN, the hierarchical latent, spectral norm, orthogonal regularisation, the CLI."""
import pytest
import torch
from torch import nn

from ganforge.cli.main import main
from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint
from ganforge.image.models import create_model
from ganforge.image.models.biggan_layers import orthogonal_penalty, raw_weight
from ganforge.image.task import ImageTask, ImageTrainer
from helpers import cli_error, tiny_config

BIGGAN = {"name": "biggan", "width": 4, "latent_dim": 16, "num_classes": 10}


def tiny_gan(**overrides):
    torch.manual_seed(0)
    return create_model(**{**BIGGAN, **overrides})


def test_conditional_bn_makes_the_image_depend_on_the_class():
    G = tiny_gan().generator.eval()
    z = torch.randn(1, 16).expand(2, -1)
    images = G(z, torch.tensor([3, 7]))
    assert images.shape == (2, 1, 28, 28)
    assert not torch.allclose(images[0], images[1], atol=1e-4)
    assert torch.allclose(G(z[:1], torch.tensor([3])), images[:1], atol=1e-6)   # one image, not the batch


@pytest.mark.parametrize("size, chunks", [(28, 3), (32, 4)])
def test_each_latent_chunk_reaches_the_generator(size, chunks):
    G = tiny_gan(image_size=size).generator.eval()
    assert len(G.chunks) == chunks and sum(G.chunks) == 16
    z, y = torch.randn(1, 16), torch.tensor([5])
    base = G(z, y)
    start = 0
    for width in G.chunks:        # changing only this chunk changes the image
        moved = z.clone()
        moved[:, start:start + width] += 1.0
        assert not torch.allclose(G(moved, y), base, atol=1e-4), (start, width)
        start += width


def test_spectral_norm_in_both_networks_keeps_each_layer_at_sigma_one():
    gan = tiny_gan(image_size=32, attention=16)
    G, D = gan.generator, gan.discriminator
    with torch.no_grad():     # weights far from sigma 1 (the orthogonal initialisation starts at 1)
        for m in [*G.modules(), *D.modules()]:
            if hasattr(m, "parametrizations"):
                raw_weight(m).mul_(3).add_(0.01 * torch.randn_like(raw_weight(m)))
    for _ in range(3):        # a few training forwards: one power iteration each
        D(G(torch.randn(8, 16), torch.arange(8)), torch.arange(8))
    for net in (G, D):
        layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding))]
        normalized = [m for m in layers if hasattr(m, "parametrizations")]
        assert len(normalized) >= 8
        assert set(layers) - set(normalized) == ({G.embed} if net is G else set())   # all but G's shared embedding
        for m in normalized:
            sigma = torch.linalg.matrix_norm(m.weight.detach().flatten(1), ord=2)
            assert abs(float(sigma) - 1) < 0.05, m
            assert float(torch.linalg.matrix_norm(raw_weight(m).detach().flatten(1), ord=2)) > 2


def test_orthogonal_penalty_zero_for_orthogonal_filters_and_by_hand_on_2x2():
    q, _ = torch.linalg.qr(torch.randn(6, 6))
    assert float(orthogonal_penalty([q])) == pytest.approx(0, abs=1e-9)
    assert float(orthogonal_penalty([3 * q[:4]])) == pytest.approx(0, abs=1e-8)     # norms are free, only angles count
    # rows (filters) (1, 2) and (3, 4): W W^T off the diagonal is 11 twice -> 2 * 11^2
    assert float(orthogonal_penalty([torch.tensor([[1.0, 2.0], [3.0, 4.0]])])) == pytest.approx(242.0)
    assert float(orthogonal_penalty([torch.randn(4, 2, 3, 3)])) > 0                # conv filters flattened


def test_orthogonal_regulariser_is_added_to_the_generator_loss():
    cfg = tiny_config(model=BIGGAN, loss={"name": "hinge"}, train={"d_steps": 2, "ortho_weight": 1e-3})
    task = ImageTask(cfg)
    d_update, g_update = task.updates(0, "train", 0)
    d_update.loss(1)                                  # the last D step makes the fakes that G's step reuses
    total = g_update.loss(0)
    adversarial = task._shared["g_loss"]
    expected = float(1e-3 * orthogonal_penalty(task.G.regularized_weights()).detach())
    assert expected > 1e-3
    assert float((total - adversarial).detach()) == pytest.approx(expected, abs=1e-6)   # float32 sums
    total.backward()
    assert all(p.grad is not None for p in task.G.parameters() if p.requires_grad)


def test_biggan_resume_is_exact(tmp_path):
    sections = dict(model=BIGGAN, loss={"name": "hinge"}, data={"limit": 64},
                    train={"steps": 2, "d_steps": 2, "ortho_weight": 1e-4, "beta1": 0.0, "precision": "fp32",
                           "batch_size": 8, "checkpoint_every": 1})
    ImageTrainer(tiny_config(**sections), tmp_path / "whole", quiet=True).fit()
    ImageTrainer(tiny_config(**{**sections, "train": {**sections["train"], "steps": 1}}), tmp_path / "split",
                 quiet=True).fit()
    ImageTrainer(tiny_config(**sections), tmp_path / "split", quiet=True).fit(resume=True)
    a, meta_a = load_checkpoint(checkpoint_files(tmp_path / "whole" / "checkpoints")[-1])
    b, meta_b = load_checkpoint(checkpoint_files(tmp_path / "split" / "checkpoints")[-1])
    assert meta_a["step"] == meta_b["step"] == 2 and a.keys() == b.keys()
    assert any(".parametrizations.weight.original" in k for k in a) and any(k.startswith("ema.") for k in a)
    for key in a:
        if not key.startswith("rng."):
            assert torch.equal(a[key], b[key]), key


def test_cli_lists_biggan_trains_with_its_defaults_and_refuses_a_size(tmp_path, capsys):
    assert main(["models"]) == 0
    assert "biggan" in capsys.readouterr().out
    code = main(["train", "biggan", "--conditional", "--out", str(tmp_path), "--name", "b", "--steps", "1",
                 "--batch-size", "8", "--set", "model.width=4", "--set", "data.limit=32", "--set", "train.lr_g=1e-4"])
    err = capsys.readouterr().err
    assert code == 0, err
    note = next(line for line in err.splitlines() if line.startswith("note: biggan"))
    assert "loss.name=hinge" in note and "train.lr_d=0.0002" in note and "train.d_steps=2" in note
    assert "lr_g" not in note                         # the user's value is not the model's
    import yaml

    saved = yaml.safe_load((tmp_path / "b" / "config.yaml").read_text())
    assert saved["train"]["lr_g"] == 1e-4 and saved["train"]["beta1"] == 0.0 and saved["model"]["num_classes"] == 10
    small = ["--out", str(tmp_path), "--steps", "1", "--batch-size", "8", "--set", "data.limit=8"]
    err = cli_error(capsys, ["train", "biggan", "--image-size", "48", *small])
    assert "28, 32 or 64" in err and "--image-size" in err
    err = cli_error(capsys, ["train", "biggan", "--set", "model.attention=28", *small])
    assert "model.attention" in err
