"""The Lab's pieces without a server: 2D data sets, the divergence estimate, mode coverage, session upkeep."""
from __future__ import annotations

import math
import time

import numpy as np
import pytest
import torch

from ganforge.errors import ConfigError
from ganforge.toy2d.data import TOY_DATA, make_toy_data
from ganforge.toy2d.metrics import js_divergence, mode_coverage
from ganforge.web.lab import DATASETS, parse_config
from ganforge.web.lab_sessions import LabSessions


def test_toy_data_sets_are_seeded_and_inside_the_view():
    for name in ("ring", "grid", "spiral", "moons"):
        data = make_toy_data(name)
        a = data.sample(2000, torch.Generator().manual_seed(0))
        b = data.sample(2000, torch.Generator().manual_seed(0))
        assert torch.equal(a, b) and a.shape == (2000, 2) and a.abs().max() < 3.0
    ring = make_toy_data("ring").sample(4000, torch.Generator().manual_seed(1))
    assert torch.allclose(ring.norm(dim=1).mean(), torch.tensor(2.0), atol=0.02)
    centers = torch.tensor([[2 * math.cos(k * math.pi / 4), 2 * math.sin(k * math.pi / 4)] for k in range(8)])
    nearest = torch.cdist(ring, centers).min(1)
    assert nearest.values.max() < 0.3  # every point is within 6 std of one of the 8 modes
    assert torch.bincount(nearest.indices, minlength=8).min() > 400  # and every mode gets its share


def test_js_divergence_against_independent_values():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(5000, 2, generator=g) * 2 - 1
    assert js_divergence(x, x) == pytest.approx(0.0, abs=1e-12)
    assert js_divergence(x - 2.0, x + 2.0) == pytest.approx(1.0)  # disjoint supports: 1 bit
    # half the fake mass on the real support: p = (1, 0), q = (1/2, 1/2) on two regions
    half = torch.cat([x[:2500], x[:2500] + 2.0])
    p, q = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    m = (p + q) / 2
    expected = 0.5 * sum(pi * math.log2(pi / mi) for pi, mi in zip(p, m) if pi) + \
        0.5 * sum(qi * math.log2(qi / mi) for qi, mi in zip(q, m) if qi)
    assert js_divergence(x[:2500], half) == pytest.approx(expected, abs=0.02)


def test_mode_coverage_counts_modes_with_their_share():
    ring = make_toy_data("ring")
    centers = ring.centers
    all_modes = centers.repeat_interleave(50, 0)
    assert mode_coverage(all_modes, ring) == 8
    three = centers[:3].repeat_interleave(100, 0)
    assert mode_coverage(three, ring) == 3
    assert mode_coverage(torch.zeros(10, 2), make_toy_data("moons")) is None


def test_config_checks():
    assert parse_config({"g_hidden": [8, 8, 8]}).g_hidden == (8, 8, 8)
    with pytest.raises(ConfigError, match="layer sizes"):
        parse_config({"d_hidden": []})
    with pytest.raises(ConfigError, match="lr_d"):
        parse_config({"lr_d": 5.0})
    assert set(DATASETS) == {"ring", "grid", "spiral", "moons", "drawn"} <= set(TOY_DATA.names())
    with pytest.raises(ConfigError, match="ring, grid"):
        parse_config({"dataset": "grid25"})  # a toy2d preset outside the Lab's view


def test_unpolled_sessions_pause_then_go():
    labs = LabSessions(pause_after_s=30, drop_after_s=900)
    session = labs.create({"g_hidden": [4], "d_hidden": [4]})
    labs.set_playing(session, True)
    labs._expire()
    assert session.playing  # polled just now
    session.last_seen = time.monotonic() - 31  # nobody polled it for 31 s: the tab is gone or hidden
    labs._expire()
    assert not session.playing and len(labs) == 1
    session.last_seen = time.monotonic() - 901
    labs._expire()
    assert len(labs) == 0
