"""Every user mistake gives one line 'error: ...' naming the problem and the fix, a non-zero exit, no traceback."""
import shutil

import numpy as np
import pytest
from PIL import Image

from ganforge.cli.main import main

TINY = ["--steps", "2", "--set", "model.width=4", "--set", "data.limit=64", "--set", "train.batch_size=8",
        "--quiet"]


def fails(capsys, argv, *phrases):
    code = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    assert main(["train", "dcgan", "--out", str(out), "--name", "r", *TINY]) == 0
    return out / "r"


def test_unknown_model_suggests_the_closest(capsys, tmp_path):
    fails(capsys, ["train", "dcgna", "--out", str(tmp_path)], "unknown model 'dcgna'", "did you mean 'dcgan'")


def test_unknown_loss_suggests_the_closest(capsys, tmp_path):
    fails(capsys, ["train", "--loss", "wgan_gp", "--out", str(tmp_path), *TINY], "did you mean 'wgan-gp'")


def test_unknown_config_key_lists_valid_ones(capsys, tmp_path):
    fails(capsys, ["train", "--set", "train.lr=1e-4", "--out", str(tmp_path)], "unknown config key 'train.lr'",
          "train.lr_g")


def test_wrong_type_and_range(capsys, tmp_path):
    fails(capsys, ["train", "--set", "train.batch_size=big", "--out", str(tmp_path)], "'train.batch_size' must be int")
    fails(capsys, ["train", "--set", "train.lr_g=-1", "--out", str(tmp_path)], "'train.lr_g'", ">= 0")
    fails(capsys, ["train", "--set", "model.channels=2", "--out", str(tmp_path)], "choose one of 1, 3")


def test_bad_yaml_config_file(capsys, tmp_path):
    (tmp_path / "c.yaml").write_text("train: [unclosed\n")
    fails(capsys, ["train", "--config", str(tmp_path / "c.yaml"), "--out", str(tmp_path)], "not valid YAML")
    (tmp_path / "d.yaml").write_text("train:\n  stepz: 3\n")
    fails(capsys, ["train", "--config", str(tmp_path / "d.yaml"), "--out", str(tmp_path)], "train.stepz")


def test_empty_and_missing_data_folder(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    fails(capsys, ["train", "--data", "folder", "--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path)],
          "no images")
    fails(capsys, ["train", "--data-dir", str(tmp_path / "missing"), "--out", str(tmp_path)], "does not exist")


def test_corrupt_image_in_data_folder(capsys, tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(folder / "a.png")
    (folder / "b.png").write_bytes((folder / "a.png").read_bytes()[:30])
    fails(capsys, ["train", "--data-dir", str(folder), "--out", str(tmp_path)], "b.png", "corrupt or truncated")


def test_mixed_gray_rgba_16bit_folder_trains(capsys, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        Image.fromarray(rng.integers(0, 255, (30, 30), dtype=np.uint8)).save(folder / f"g{i}.png")
        Image.fromarray(rng.integers(0, 255, (40, 40, 4), dtype=np.uint8)).save(folder / f"a{i}.png")
        Image.fromarray(rng.integers(0, 65535, (28, 28)).astype(np.uint16)).save(folder / f"d{i}.png")
    assert main(["train", "--data-dir", str(folder), "--out", str(tmp_path), "--steps", "2",
                 "--set", "model.width=4", "--set", "train.batch_size=4", "--quiet"]) == 0


def test_batch_larger_than_data(capsys, tmp_path):
    fails(capsys, ["train", "--out", str(tmp_path), "--set", "data.limit=10", "--batch-size", "64"],
          "batch size 64 is larger than the data set (10 images)", "train.batch_size=10")


def test_resume_of_a_folder_that_is_no_run(capsys, tmp_path):
    fails(capsys, ["train", "--resume", str(tmp_path)], "is not a ganforge run")
    fails(capsys, ["train", "--resume", str(tmp_path / "nope")], "does not exist")


def test_checkpoint_of_another_model(capsys, tmp_path, tiny_run):
    other = tmp_path / "other"
    assert main(["train", "mlp", "--out", str(tmp_path), "--name", "other", *TINY]) == 0
    before = sorted(p.name for p in (other / "checkpoints").iterdir())
    shutil.copy(next((tiny_run / "checkpoints").iterdir()), other / "checkpoints" / "step_0000009.safetensors")
    fails(capsys, ["train", "--resume", str(other), "--steps", "20"], "another config", "config.yaml")
    assert set(before) <= {p.name for p in (other / "checkpoints").iterdir()}  # nothing saved was lost


def test_truncated_checkpoint(capsys, tmp_path, tiny_run):
    ckpt = tmp_path / "cut.safetensors"
    ckpt.write_bytes(next((tiny_run / "checkpoints").iterdir()).read_bytes()[:500])
    fails(capsys, ["sample", str(ckpt), "--out", str(tmp_path / "g.png")], "truncated")


def test_sample_bad_requests(capsys, tmp_path, tiny_run):
    fails(capsys, ["sample", str(tiny_run), "--label", "3"], "not class-conditional")
    fails(capsys, ["sample", str(tiny_run), "--out", str(tmp_path / "x.jpg")], ".png", ".npz")
    fails(capsys, ["sample", str(tiny_run), "--truncation", "0"], "truncation must be > 0")
    fails(capsys, ["interpolate", str(tiny_run), "--out", str(tmp_path / "w.mp4")], ".gif")
    fails(capsys, ["sample", str(tmp_path / "nothing")], "does not exist")


def test_views_before_the_run_names_the_right_order(capsys, tiny_run):
    fails(capsys, ["eval", "--views", str(tiny_run)], "--views took", f"ganforge eval {tiny_run} --views")


def test_fp16_on_cpu(capsys, tmp_path):
    fails(capsys, ["train", "--precision", "fp16", "--device", "cpu", "--out", str(tmp_path), *TINY], "--precision auto")


def test_resume_refuses_flags_it_would_ignore_and_names_a_model_change(capsys, tiny_run):
    before = sorted(p.name for p in (tiny_run / "checkpoints").iterdir())
    fails(capsys, ["train", "--resume", str(tiny_run), "--image-size", "64"], "drop --image-size")
    fails(capsys, ["train", "stylegan2", "--resume", str(tiny_run)], "own model 'dcgan'", "drop 'stylegan2'")
    fails(capsys, ["train", "--resume", str(tiny_run), "--device", "cpu"], "--set train.device=")
    fails(capsys, ["train", "--fork", str(tiny_run), "--batch-size", "4"], "--set train.batch_size=")
    fails(capsys, ["train", "--resume", str(tiny_run), "--set", "model.width=16", "--steps", "9"],
          "drop --set model.width")
    assert sorted(p.name for p in (tiny_run / "checkpoints").iterdir()) == before   # nothing saved was lost


def test_augment_keys_that_the_kind_ignores(capsys, tmp_path):
    fails(capsys, ["train", "--out", str(tmp_path), "--set", "augment.policy=color", *TINY],
          "augment.policy does nothing with augment.kind=none", "--augment ada or diffaugment")
    fails(capsys, ["train", "--out", str(tmp_path), "--augment", "diffaugment", "--set", "augment.p=0.5", *TINY],
          "augment.p does nothing", "--augment ada")
    assert not any(tmp_path.iterdir())


def test_eval_and_features_flags_that_do_not_apply(capsys, tmp_path):
    (tmp_path / "a.txt").write_text("a man on a horse\n")
    fails(capsys, ["eval", str(tmp_path / "a.txt"), "--ref", str(tmp_path / "a.txt"), "--views"], "drop --views")
    fails(capsys, ["eval", str(tmp_path), "--temperature", "0.5"], "drop --temperature")
    fails(capsys, ["eval"], "eval needs a source")
    (tmp_path / "bad.json").write_text('{"fid": ')
    fails(capsys, ["eval", "embedded", "--compare", str(tmp_path / "nothere.json")], "no such file", "--out FILE")
    fails(capsys, ["features", "train", "--extractor", "mnist-resnet", "--epochs", "0"], "--epochs must be")
    fails(capsys, ["features", "train", "--limit", "-5"], "--limit must be >= 0")
    fails(capsys, ["features", "train", "--extractor", "mnist-resnet", "--data", str(tmp_path)], "MNIST extractor")
    fails(capsys, ["features", "train-matcher", "--data", str(tmp_path), "--steps", "2"], "shipped matcher", "--out")
