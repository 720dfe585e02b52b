"""Typed configs: YAML + overrides, strict keys, types and ranges; saved beside every run and reloadable."""
import pytest

from ganforge.config import load_config, parse_overrides, save_yaml
from ganforge.image.config import RunConfig
from ganforge.errors import ConfigError, GanforgeError
from ganforge.registry import Registry


def test_yaml_then_overrides_in_order(tmp_path):
    (tmp_path / "c.yaml").write_text("model:\n  name: mlp\ntrain:\n  lr_g: 0.001\n  steps: 10\n")
    cfg = load_config(RunConfig, tmp_path / "c.yaml", ["train.steps=20", "loss.name=hinge"])
    assert (cfg.model.name, cfg.train.lr_g, cfg.train.steps, cfg.loss.name) == ("mlp", 0.001, 20, "hinge")
    assert cfg.train.batch_size == RunConfig().train.batch_size


def test_saved_config_reloads_identically(tmp_path):
    cfg = load_config(RunConfig, overrides=["model.num_classes=10", "data.dir=/x", "train.max_minutes=2"])
    save_yaml(cfg, tmp_path / "config.yaml")
    assert load_config(RunConfig, tmp_path / "config.yaml") == cfg


def test_int_accepted_for_float_but_not_bool_for_int():
    assert load_config(RunConfig, overrides=["train.lr_g=1"]).train.lr_g == 1.0
    with pytest.raises(ConfigError, match="must be int"):
        load_config(RunConfig, overrides=["train.steps=true"])


def test_section_must_be_mapping_and_override_syntax():
    with pytest.raises(ConfigError, match="mapping"):
        load_config(RunConfig, base={"train": 3})
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_overrides(["train.steps"])


def test_registry_suggests_and_rejects_duplicates():
    reg = Registry("widget")
    reg.register("alpha")(lambda: 1)
    assert reg.create("alpha") == 1 and reg.names() == ["alpha"]
    with pytest.raises(GanforgeError, match="did you mean 'alpha'"):
        reg.get("alpah")
    with pytest.raises(ValueError):
        reg.register("alpha")(lambda: 2)


def test_same_config_accepts_checkpoints_written_before_a_key_was_added():
    import dataclasses

    from ganforge.config import same_config
    from ganforge.image.config import ModelConfig

    current = ModelConfig(name="dcgan", width=32)
    saved = dataclasses.asdict(current)
    del saved["pack"]                       # a checkpoint from before model.pack existed
    assert same_config(saved, current)
    assert not same_config({**saved, "width": 64}, current)
    assert not same_config({**saved, "no_such_key": 1}, current)
    assert not same_config(None, current)


def test_exponent_floats_without_a_dot_are_numbers_and_non_finite_numbers_are_refused(tmp_path):
    import pytest

    from ganforge.errors import ConfigError

    cfg = load_config(RunConfig, overrides=["train.lr_g=1e-5", "train.lr_d=2E-4"])
    assert cfg.train.lr_g == 1e-5 and cfg.train.lr_d == 2e-4
    (tmp_path / "run.yaml").write_text("train:\n  lr_g: 3e-4\n")
    assert load_config(RunConfig, tmp_path / "run.yaml").train.lr_g == 3e-4
    for bad in ("train.lr_g=.nan", "train.lr_g=.inf", "train.lr_g=nan", "train.max_minutes=-.inf"):
        with pytest.raises(ConfigError, match="train.(lr_g|max_minutes).*finite"):
            load_config(RunConfig, overrides=[bad])
    with pytest.raises(ConfigError, match="must be float"):
        load_config(RunConfig, overrides=["train.lr_g=fast"])
