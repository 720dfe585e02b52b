"""Every adversarial loss against values computed by hand from its formula on fixed logits."""
import math

import pytest
import torch

from ganforge.losses.config import LossConfig
from ganforge.errors import GanforgeError
from ganforge.losses import LOSSES, create_loss

REAL = [0.5, -1.0, 2.0]
FAKE = [-0.5, 1.0, 0.0]


def sig(x):
    return 1 / (1 + math.exp(-x))


def mean(xs):
    return sum(xs) / len(xs)


EXPECTED = {
    # D maximises log D(x) + log(1 - D(G(z))): its loss is the negative
    "minimax": (-mean([math.log(sig(r)) for r in REAL]) - mean([math.log(1 - sig(f)) for f in FAKE]),
                mean([math.log(1 - sig(f)) for f in FAKE])),
    "nonsaturating": (-mean([math.log(sig(r)) for r in REAL]) - mean([math.log(1 - sig(f)) for f in FAKE]),
                      -mean([math.log(sig(f)) for f in FAKE])),
    "lsgan": (0.5 * mean([(r - 1) ** 2 for r in REAL]) + 0.5 * mean([f ** 2 for f in FAKE]),
              0.5 * mean([(f - 1) ** 2 for f in FAKE])),
    "wgan": (mean(FAKE) - mean(REAL), -mean(FAKE)),
    "wgan-gp": (mean(FAKE) - mean(REAL), -mean(FAKE)),
    "hinge": (mean([max(0, 1 - r) for r in REAL]) + mean([max(0, 1 + f) for f in FAKE]), -mean(FAKE)),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loss_matches_hand_computed_values(name):
    loss = create_loss(LossConfig(name=name))
    d_expected, g_expected = EXPECTED[name]
    real, fake = torch.tensor(REAL, dtype=torch.float64), torch.tensor(FAKE, dtype=torch.float64)
    assert loss.discriminator(real, fake).item() == pytest.approx(d_expected, rel=1e-12)
    assert loss.generator(fake).item() == pytest.approx(g_expected, rel=1e-12)


def test_every_registered_loss_is_tested():
    assert set(LOSSES.names()) == set(EXPECTED)


def test_minimax_generator_saturates_where_nonsaturating_does_not():
    # when D confidently rejects fakes (logit -10), the minimax G gradient vanishes
    fake = torch.tensor([-10.0], requires_grad=True)
    create_loss(LossConfig(name="minimax")).generator(fake).backward()
    minimax_grad = fake.grad.abs().item()
    fake.grad = None
    create_loss(LossConfig(name="nonsaturating")).generator(fake).backward()
    assert minimax_grad < 1e-4 < fake.grad.abs().item()


def test_wgan_clips_critic_weights():
    critic = torch.nn.Linear(4, 1)
    torch.nn.init.constant_(critic.weight, 3.0)
    create_loss(LossConfig(name="wgan", clip_value=0.05)).after_discriminator_step(critic)
    assert critic.weight.abs().max().item() == pytest.approx(0.05)


def test_unknown_loss_suggests_closest():
    with pytest.raises(GanforgeError, match="did you mean 'hinge'"):
        create_loss(LossConfig(name="hinje"))
