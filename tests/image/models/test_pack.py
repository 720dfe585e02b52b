"""PacGAN packing (``model.pack``): the discriminator judges consecutive samples jointly, stacked on channels."""
import pytest
import torch

from ganforge.cli.main import main
from ganforge.errors import ConfigError
from ganforge.image.models import create_model
from ganforge.image.task import ImageTrainer
from helpers import tiny_config


@pytest.mark.parametrize("name, size", [("dcgan", 28), ("mlp", 28), ("upconv-dcgan", 32)])
def test_packed_discriminator_sees_consecutive_samples_as_one(name, size):
    torch.manual_seed(0)
    gan = create_model(name, channels=3, width=16, image_size=size, pack=2)
    D = gan.discriminator.eval()
    x = torch.randn(6, 3, size, size)
    manual = torch.cat([x[0::2], x[1::2]], dim=1)               # pairs (0,1), (2,3), (4,5) on channels
    assert torch.equal(D.packed(x), manual)
    logits = D(x)
    assert logits.shape == (3,)
    swapped = x.clone()
    swapped[[0, 1]] = x[[1, 0]]                                 # order inside a pack matters, across packs not
    assert not torch.allclose(D(swapped)[0], logits[0])
    assert torch.allclose(D(swapped)[1:], logits[1:])
    with pytest.raises(ValueError, match="multiple of 2"):
        D(x[:5])


def test_pack_needs_an_unconditional_model():
    with pytest.raises(ConfigError, match="unconditional"):
        create_model("dcgan", num_classes=10, pack=2)


def test_packed_training_runs_and_checks_the_batch(tmp_path, capsys):
    trainer = ImageTrainer(tiny_config(model={"pack": 2}, train={"steps": 4}), tmp_path / "packed", quiet=True)
    trainer.fit()
    assert trainer.step == 4
    code = main(["train", "dcgan", "--out", str(tmp_path), "--name", "odd", "--steps", "1", "--quiet",
                 "--set", "model.width=4", "--set", "model.pack=3", "--set", "train.batch_size=8",
                 "--set", "data.limit=64"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "model.pack=3" in err[0] and "batch" in err[0]
