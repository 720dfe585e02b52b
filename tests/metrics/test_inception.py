"""The FID Inception-v3: architecture that loads the pt_inception parameter layout, and offline errors."""
import pytest
import torch
from safetensors.torch import save_file

from ganforge.errors import GanforgeError
from ganforge.image.metrics.inception import FIDInceptionV3, InceptionExtractor, build_inception, load_inception_state


def test_architecture_has_the_pt_inception_layout():
    net = FIDInceptionV3()
    names = net.state_dict()
    # the torchvision Inception-v3 layout without aux logits, 1008 classes: 23,850,960 parameters
    assert sum(p.numel() for p in net.parameters()) == 23_850_960
    for key in ("Conv2d_1a_3x3.conv.weight", "Mixed_5b.branch_pool.bn.running_var", "Mixed_6e.branch7x7dbl_5.conv.weight",
                "Mixed_7c.branch3x3dbl_3b.bn.bias", "fc.weight", "fc.bias"):
        assert key in names
    assert names["fc.weight"].shape == (1008, 2048) and names["Mixed_7b.branch1x1.conv.weight"].shape == (320, 1280, 1, 1)
    with torch.no_grad():
        feats, logits = net.eval()(torch.zeros(1, 3, 299, 299))
    assert feats.shape == (1, 2048) and logits.shape == (1, 1008)


def test_state_dict_without_batch_counters_loads():
    state = {k: v for k, v in FIDInceptionV3().state_dict().items() if not k.endswith("num_batches_tracked")}
    net = build_inception(state)
    assert torch.equal(net.fc.weight, state["fc.weight"])
    with pytest.raises(GanforgeError, match="do not fit this network"):
        build_inception({k: v for k, v in state.items() if k != "fc.weight"})


def test_offline_without_weights_says_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path))
    monkeypatch.delenv("GANFORGE_INCEPTION", raising=False)
    with pytest.raises(GanforgeError, match="ganforge features download-inception") as info:
        InceptionExtractor()
    assert "\n" not in str(info.value)


def test_weights_with_the_wrong_hash_are_refused(tmp_path):
    path = tmp_path / "fake.safetensors"
    save_file({"x": torch.zeros(2)}, str(path))
    with pytest.raises(GanforgeError, match="not the pt_inception weights"):
        load_inception_state(path)
