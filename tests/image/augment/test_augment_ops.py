"""The augmentations: differentiable, the identity at p = 0, shape-keeping, and each does what it says."""
import pytest
import torch

from ganforge.errors import ConfigError
from ganforge.image.augment import AUGMENTATIONS, AugmentPipe, policy_names
from ganforge.image.augment.diffaugment import TRANSLATION_RATIO

RGB_ONLY = {"lumaflip", "hue", "saturation"}


def images(n=16, channels=1, size=28, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, channels, size, size, generator=g) * 2 - 1


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("name", AUGMENTATIONS.names())
def test_each_op_is_differentiable_changes_images_at_p1_and_is_the_identity_at_p0(name, channels):
    torch.manual_seed(1)
    pipe = AugmentPipe([name], channels)
    x = images(n=8, channels=channels, size=16).requires_grad_(True)
    assert torch.equal(pipe(x, 0.0), x)
    assert torch.equal(pipe(x, torch.tensor(0.0)), x)
    y = pipe(x, 1.0)
    assert y.shape == x.shape and y.dtype == x.dtype
    if channels == 1 and name in RGB_ONLY:       # channel-mixing ops are skipped for grey images
        assert pipe.names == [] and torch.equal(y, x)
        return
    assert pipe.names == [name]
    assert not torch.equal(y.detach(), x.detach())
    (y * torch.linspace(-1, 1, y.numel()).view_as(y)).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


@pytest.mark.parametrize("kind", ["ada", "diffaugment"])
@pytest.mark.parametrize("channels,size", [(1, 28), (3, 32), (1, 64)])
def test_default_policies_keep_shape_and_dtype_for_every_size(kind, channels, size):
    torch.manual_seed(0)
    pipe = AugmentPipe(policy_names("auto", kind), channels)
    x = images(n=4, channels=channels, size=size).to(torch.bfloat16)
    y = pipe(x, 0.7)
    assert y.shape == x.shape and y.dtype == torch.bfloat16 and torch.isfinite(y.float()).all()


def test_p_is_a_per_image_probability():
    torch.manual_seed(0)
    x = images(n=2000, size=8)
    kept = (AugmentPipe(["cutout"], 1)(x, 0.3) != x).flatten(1).any(1).float().mean().item()
    assert abs(kept - 0.3) < 0.04


def test_rotate90_and_xflip_are_exact_rotations_and_mirrors():
    torch.manual_seed(2)
    x = images(n=32)
    y = AugmentPipe(["rotate90"], 1)(x, 1.0)
    seen = set()
    for i in range(len(x)):
        errors = [(y[i] - torch.rot90(x[i], k, dims=(1, 2))).abs().max().item() for k in range(4)]
        assert min(errors) < 1e-4
        seen.add(errors.index(min(errors)))
    assert seen == {0, 1, 2, 3}
    y = AugmentPipe(["xflip"], 1)(x, 1.0)
    flipped = [(y[i] - x[i].flip(-1)).abs().max().item() < 1e-4 for i in range(len(x))]
    same = [(y[i] - x[i]).abs().max().item() < 1e-4 for i in range(len(x))]
    assert all(a or b for a, b in zip(flipped, same)) and any(flipped) and any(same)


def test_diffaugment_translation_is_one_whole_pixel_shift_per_image_for_all_channels_with_zero_fill():
    torch.manual_seed(3)
    x = images(n=12, channels=3, size=16) * 0.5 + 0.6     # no zeros inside the images
    y = AugmentPipe(["translation"], 3)(x, 1.0)
    s = int(16 * TRANSLATION_RATIO + 0.5)
    shifts = set()
    for i in range(len(x)):
        padded = torch.nn.functional.pad(x[i], (s, s, s, s))
        match = [(dy, dx) for dy in range(-s, s + 1) for dx in range(-s, s + 1)
                 if torch.equal(y[i], padded[:, s + dy:s + dy + 16, s + dx:s + dx + 16])]
        assert len(match) == 1          # the same shift of every channel, exact values, 0 where the image left
        shifts.add(match[0])
    assert len(shifts) > 1              # each image draws its own shift


def test_cutout_zeroes_one_clipped_half_size_square_and_leaves_the_rest():
    torch.manual_seed(4)
    x = images(n=20, channels=3, size=16) * 0.5 + 0.6
    y = AugmentPipe(["cutout"], 3)(x, 1.0)
    for i in range(len(x)):
        zero = (y[i] == 0).all(0)
        assert torch.equal(y[i][:, ~zero], x[i][:, ~zero])
        rows, cols = zero.any(1).nonzero().flatten(), zero.any(0).nonzero().flatten()
        assert zero.sum() == len(rows) * len(cols)                     # one rectangle
        assert 4 <= len(rows) <= 8 and 4 <= len(cols) <= 8             # 8 x 8, clipped at a border at most by half
        assert (len(rows) == 8 or rows.min() == 0 or rows.max() == 15)
        assert (len(cols) == 8 or cols.min() == 0 or cols.max() == 15)


def test_colour_ops_keep_grey_images_grey_and_brightness_shifts_every_channel_alike():
    torch.manual_seed(5)
    grey = images(n=8, channels=1).expand(-1, 3, -1, -1)
    for name in ("brightness", "contrast", "saturation", "hue"):
        y = AugmentPipe([name], 3)(grey, 1.0)
        assert torch.allclose(y[:, 0], y[:, 1], atol=1e-5) and torch.allclose(y[:, 1], y[:, 2], atol=1e-5), name
    x = images(n=8, channels=3)
    y = AugmentPipe(["brightness"], 3)(x, 1.0)
    d = (y - x).flatten(2)
    assert torch.allclose(d, d[:, :1, :1].expand_as(d), atol=1e-5)


def test_unknown_policy_names_are_one_line_config_errors_naming_the_valid_ones():
    with pytest.raises(ConfigError, match=r"unknown augmentation 'flip'.*choose from aniso, .*xflip.*auto, bgc"):
        policy_names("flip,cutout", "ada")
    with pytest.raises(ConfigError, match="no augmentation"):
        policy_names(" , ", "ada")
    assert policy_names("translation,cutout", "diffaugment") == ["translation", "cutout"]
    assert policy_names("auto", "diffaugment") == ["color", "translation", "cutout"]
    assert len(policy_names("bgc,xflip", "ada")) == 12
