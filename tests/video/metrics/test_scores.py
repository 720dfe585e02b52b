"""The video metrics on clips whose answers are known: moving squares, frozen and shuffled Moving MNIST clips."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ganforge.cli.main import main
from ganforge.errors import GanforgeError
from ganforge.video.data.clips import load_clips
from ganforge.video.metrics import evaluate_clips
from ganforge.video.metrics.views import ClipJudge, motion
from video_helpers import TINY_FLAGS


def test_motion_statistics_measure_speed_and_bounces_of_the_centre_of_mass():
    clips = torch.zeros((2, 10, 1, 16, 16), dtype=torch.uint8)
    for t in range(10):
        clips[0, t, 0, 2:5, t:t + 3] = 255                # right at 1 px a frame, no bounce
        x = [0, 2, 4, 6, 8, 10, 8, 6, 4, 2][t]            # 2 px a frame, one bounce at t=5
        clips[1, t, 0, 8:11, x:x + 3] = 255
    speeds, bounces = motion(clips)
    assert np.allclose(speeds.reshape(2, 9), [[1.0] * 9, [2.0] * 9])
    assert bounces.tolist() == [0.0, 1.0]


def test_real_clips_score_near_their_floor_and_broken_ones_do_not(moving_mnist):
    test = load_clips(moving_mnist, "test", 16, 32)
    train = load_clips(moving_mnist, "train", 16, 32)
    judge = ClipJudge()          # one classifier: the reference is judged once
    real = evaluate_clips(train.clips, test.clips, "frame_fid,digit_consistency,acd,motion", labels=train.labels,
                          reference_name="test", judge=judge).values
    frozen = train.clips[:, :1].expand(-1, 16, -1, -1, -1).contiguous()            # no motion at all
    shuffled = train.clips[torch.randperm(24)[:, None], torch.arange(16)[None].roll(0)]
    mixed = torch.stack([train.clips[(i + torch.arange(16)) % 24, torch.arange(16)] for i in range(24)])  # digit swaps
    still = evaluate_clips(frozen, test.clips, "acd,motion", judge=judge).values
    swaps = evaluate_clips(mixed, test.clips, "acd,digit_consistency", judge=judge).values
    assert real["digit_accuracy"] > 0.7 and real["digit_consistency"] > 0.8
    assert real["motion_speed"] > 0.5 and still["motion_speed"] == 0 and still["motion_speed_w1"] > 0.5
    assert still["acd"] == 0 and swaps["acd"] > 2 * real["acd"]
    assert swaps["digit_consistency"] < real["digit_consistency"] - 0.2
    # clips in another order: the same frames, so the same frame FID
    assert evaluate_clips(shuffled, test.clips, "frame_fid", judge=judge).values["frame_fid"] == pytest.approx(
        real["frame_fid"])
    with pytest.raises(GanforgeError, match="frames of"):
        evaluate_clips(train.clips[:, :, :, :16, :16].contiguous(), test.clips, "acd", judge=judge)


def test_eval_of_a_run_prints_its_figures_beside_the_real_datas(tmp_path, moving_mnist, capsys):
    import json

    runs = tmp_path / "runs"
    assert main(["train", "mocogan", "--data", str(moving_mnist), "--out", str(runs), "--name", "m", *TINY_FLAGS]) == 0
    capsys.readouterr()
    assert main(["eval", str(runs / "m"), "--n", "6", "--metrics", "frame_fid,acd,motion", "--out", str(tmp_path / "s.json")]) == 0
    out = capsys.readouterr().out
    assert "| frame FID |" in out and "| ACD |" in out and "| bounces per clip |" in out and "real data" in out and "digit view" in out
    saved = json.loads((tmp_path / "s.json").read_text())
    assert saved["real data"]["values"]["frame_fid"] < saved["mocogan (step 2)"]["values"]["frame_fid"]
    assert saved["real data"]["card"]["frames"] == 4 and saved["real data"]["card"]["size"] == 16
