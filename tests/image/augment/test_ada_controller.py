"""ADA's r_t heuristic: p rises when D is overconfident on reals, falls otherwise, by batch*interval/(kimg*1000)."""
import pytest
import torch

from ganforge.engine.stats import Stats
from ganforge.image.augment import AdaController, Augmenter
from ganforge.image.config import AugmentConfig


def logits(positive: int, negative: int) -> torch.Tensor:
    return torch.cat([torch.full((positive,), 2.5), torch.full((negative,), -0.1)])


def test_p_rises_by_the_exact_step_when_r_t_is_above_target_and_falls_below_it():
    c = AdaController(p=0.5, target=0.6, interval=4, kimg=10)
    step = 16 * 4 / (10 * 1000)                    # batch 16, interval 4, 10 kimg
    assert c.step_size(16) == pytest.approx(step)
    for s in range(3):                             # 90 % positive: r_t = 0.8 > 0.6
        c.observe(logits(9, 1))
        assert not c.update(s, 16) and c.p.item() == 0.5
    c.observe(logits(9, 1))
    assert c.update(3, 16)
    assert c.rt.item() == pytest.approx(0.8)
    assert c.p.item() == pytest.approx(0.5 + step)
    assert c.signs.item() == 0 and c.count.item() == 0            # a new interval starts
    for s in range(4, 8):                          # 60 % positive: r_t = 0.2 < 0.6
        c.observe(logits(6, 4))
        c.update(s, 16)
    assert c.rt.item() == pytest.approx(0.2)
    assert c.p.item() == pytest.approx(0.5)


def test_p_stays_in_0_1_and_r_t_equal_to_target_leaves_it():
    c = AdaController(p=0.0, target=0.6, interval=1, kimg=0.001)   # a step of 16 per adjustment: clamped
    c.observe(logits(1, 9))
    c.update(0, 16)
    assert c.p.item() == 0.0
    c.observe(logits(10, 0))
    c.update(1, 16)
    assert c.p.item() == 1.0
    c.observe(logits(8, 2))                        # r_t = 0.6 exactly: sign 0
    c.update(2, 16)
    assert c.p.item() == 1.0


def test_a_fixed_p_is_measured_but_not_moved_and_not_saved():
    c = AdaController(p=0.3, adaptive=False, interval=2)
    for s in range(2):
        c.observe(logits(10, 0))
        c.update(s, 16)
    assert c.rt.item() == 1.0 and c.p.item() == pytest.approx(0.3)
    assert "p" not in c.state_dict() and {"rt", "signs", "count"} <= set(c.state_dict())
    assert "p" in AdaController().state_dict()


def test_augmenter_reports_p_and_rt_and_none_is_no_augmenter_at_all():
    from ganforge.engine.state import TrainState

    aug = Augmenter(AugmentConfig(kind="ada", ada_interval=1, ada_kimg=1), channels=1)
    stats, state = Stats(), TrainState()
    aug.register(state)
    assert state.modules["augment"] is aug
    aug.after_step(0, logits(10, 0), stats, batch_size=10)
    values = stats.flush()
    assert values["augment/p"] == pytest.approx(0.01) and values["augment/rt"] == 1.0

    none = Augmenter(AugmentConfig(), channels=1)
    D = torch.nn.Linear(4, 1)
    assert none.wrap(D) is D
    state = TrainState()
    none.register(state)
    none.after_step(0, logits(10, 0), stats, batch_size=10)
    assert state.modules == {} and stats.flush() == {}


def test_the_generator_gradient_flows_through_the_augmentation():
    torch.manual_seed(0)
    G = torch.nn.Sequential(torch.nn.Linear(4, 3 * 8 * 8), torch.nn.Tanh(), torch.nn.Unflatten(1, (3, 8, 8)))
    D = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 1))
    for kind in ("ada", "diffaugment"):
        aug = Augmenter(AugmentConfig(kind=kind, p=1.0, adaptive=False), channels=3)
        G.zero_grad()
        aug.wrap(lambda x, labels=None: D(x))(G(torch.randn(5, 4))).sum().backward()
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters()), kind
