"""Sampling a video run to GIF, MP4, strips and .npz, content and motion walks, from the CLI and the API."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ganforge
from ganforge.cli.main import main
from ganforge.engine.loop import Trainer
from ganforge.video.task import VideoTask
from helpers import cli_error
from video_helpers import tiny


@pytest.fixture(scope="module")
def runs(tmp_path_factory, clip_folder):
    root = tmp_path_factory.mktemp("video-runs")
    for model in ("mocogan", "tgan"):
        Trainer(VideoTask(tiny(model, clip_folder, train={"steps": 2})), root / model, quiet=True).fit()
    return root


def test_samples_are_written_by_suffix_and_read_back(runs, tmp_path, capsys):
    import imageio.v3 as iio
    from PIL import Image

    run = runs / "mocogan"
    for suffix in (".gif", ".mp4", ".png", ".npz"):
        assert main(["sample", str(run), "--n", "3", "--seed", "4", "--out", str(tmp_path / f"c{suffix}")]) == 0
    clips = ganforge.load(run).sample(3, seed=4)
    assert clips.shape == (3, 4, 1, 16, 16) and clips.dtype == torch.uint8
    with np.load(tmp_path / "c.npz") as f:
        assert np.array_equal(f["clips"], clips.permute(0, 1, 3, 4, 2).numpy())
    gif, mp4 = iio.imread(tmp_path / "c.gif"), iio.imread(tmp_path / "c.mp4")
    assert len(gif) == 4 and len(mp4) == 4                      # one frame per time step, the 3 clips side by side
    assert mp4.shape[1] % 16 == 0 and mp4.shape[2] % 16 == 0 and mp4.shape[1] >= 2 * 16
    strip = np.asarray(Image.open(tmp_path / "c.png"))
    assert strip.shape[:2] == (2 * (3 * 18 + 2), 2 * (4 * 18 + 2))   # a row per clip, a column per frame (scale 2)
    err = cli_error(capsys, ["sample", str(run), "--out", str(tmp_path / "c.wav")])
    assert "cannot write clips" in err and ".mp4" in err


def test_content_and_motion_walks_hold_the_other_latent(runs, tmp_path, capsys):
    g = ganforge.load(runs / "mocogan")
    content = g.interpolate(steps=3, space="content", seed=2)
    motion = g.interpolate(steps=3, space="motion", seed=2)
    assert content.shape == (3, 4, 1, 16, 16)
    assert torch.equal(content[0], motion[0])                   # both start at the same content and motion
    assert not torch.equal(content[-1], motion[-1])
    z, _ = g.draw(2, seed=0)
    ends = g.generator.latents(2, torch.Generator().manual_seed(2))
    held = {"content": ends["content"][:1].expand(3, -1), "motion": ends["motion"][1:].expand(3, -1, -1)}
    # the motion walk's last clip is the first content with the second motion
    assert torch.equal(motion[-1], g.generate({k: v[-1:] for k, v in held.items()}, None)[0])
    for space in ("content", "motion"):
        out = tmp_path / f"{space}.gif"
        assert main(["interpolate", str(runs / "mocogan"), "--space", space, "--steps", "3", "--out", str(out)]) == 0
        assert out.stat().st_size > 0
    err = cli_error(capsys, ["interpolate", str(runs / "tgan"), "--space", "content", "--out", str(tmp_path / "w.gif")])
    assert "no 'content' latent space; use --space latent" in err
    assert main(["interpolate", str(runs / "tgan"), "--steps", "2", "--out", str(tmp_path / "t.mp4")]) == 0
