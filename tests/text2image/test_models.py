"""StackGAN's pieces: conditioning augmentation's KL term, stage II's resolution and its dependence on stage I."""
from __future__ import annotations

import torch

from ganforge.text2image.captions import tokens
from ganforge.text2image.config import ModelConfig
from ganforge.text2image.models import create_model
from ganforge.text2image.models.nets import ConditioningAugmentation, Stage2Generator, kl_divergence
from ganforge.text2image.task import mismatched


def test_the_kl_term_is_zero_exactly_at_the_standard_normal():
    zero = torch.zeros(5, 4)
    assert kl_divergence(zero, zero).item() == 0.0                       # mu = 0, sigma = 1
    assert kl_divergence(zero + 0.5, zero).item() > 0 and kl_divergence(zero, zero + 1.0).item() > 0
    ca = ConditioningAugmentation(8, 4, enabled=True)
    eps = torch.randn(3, 4)
    code, kl = ca(torch.randn(3, 8), eps)
    assert kl.item() > 0 and code.shape == (3, 4)
    off = ConditioningAugmentation(8, 4, enabled=False)
    off.load_state_dict(ca.state_dict())
    e = torch.randn(3, 8)
    a, kl_off = off(e, eps)
    b, _ = off(e, torch.randn(3, 4))
    assert kl_off.item() == 0.0 and torch.equal(a, b)                    # no CA: the code is mu, the noise unused


def test_stage_two_raises_the_resolution_and_refines_its_input():
    torch.manual_seed(0)
    g2 = Stage2Generator(c_dim=4, width=4, in_size=32).eval()
    low, c = torch.rand(2, 1, 32, 32) * 2 - 1, torch.randn(2, 4)
    out = g2(low, c)
    assert out.shape == (2, 1, 64, 64)
    assert (g2(low.flip(-1), c) - out).abs().mean() > 1e-3               # it depends on the stage I image
    model = create_model(ModelConfig(width=4, z_dim=4, stage1_size=16)).eval()
    ids, _ = tokens(["a thin seven left of a bold two"] * 2)
    low, high, _ = model.generator(model.generator.latents(2, torch.Generator().manual_seed(0)), ids)
    assert low.shape == (2, 1, 16, 16) and high.shape == (2, 1, 64, 64)
    assert model.discriminator["stage2"](high, ids).shape == (2,)


def test_mismatched_captions_differ_from_every_row_s_own():
    ids, _ = tokens(["a bold two", "a bold two", "a thin one", "a bold two"])
    wrong = mismatched(ids)
    assert not (wrong == ids).all(1).any()
