"""`ganforge train` starts from the named model's recommended settings: the default model's when none is named,
the YAML's model's when only --config names it, and the user's YAML, flags and --set win over them."""
from ganforge.cli.main import build_parser
from ganforge.cli.train import build_config
from ganforge.family import family_named
from ganforge.image.models import model_defaults


def config_of(argv):
    args = build_parser().parse_args(["train", *argv])
    return build_config(family_named("image"), args)


def test_no_model_named_trains_with_dcgans_recommended_settings():
    recommended = model_defaults("dcgan")["train"]
    assert recommended["batch_size"] == 32 and recommended["ema_half_life_images"] > 0
    for argv in ([], ["dcgan"]):
        t = config_of(argv).train
        assert (t.batch_size, t.ema_half_life_images, t.ema_rampup) == \
            (recommended["batch_size"], recommended["ema_half_life_images"], recommended["ema_rampup"])


def test_yaml_model_gets_its_own_defaults_and_user_settings_win(tmp_path):
    yaml = tmp_path / "run.yaml"
    yaml.write_text("model:\n  name: stylegan2\ntrain:\n  lr_g: 0.001\n")
    cfg = config_of(["--config", str(yaml)])
    style = model_defaults("stylegan2")
    assert cfg.model.name == "stylegan2" and cfg.model.width == style["model"]["width"]
    assert cfg.train.batch_size == 64               # not dcgan's 32: the YAML's model decides
    assert cfg.train.lr_g == 0.001                  # the YAML wins over the model's recommendation
    assert config_of(["--batch-size", "48", "--set", "train.ema_rampup=0"]).train.batch_size == 48
    assert config_of(["--set", "train.ema_rampup=0"]).train.ema_rampup == 0
