"""ganforge: train, sample, evaluate, explore and watch GANs from one CLI, one API and one studio.

    import ganforge
    g = ganforge.load("runs/dcgan-...")      # any family's run: its sampling pipeline
    samples = g.sample(16, seed=0)
    ganforge.list_models()                   # every family's models (= `ganforge models`)
"""
from ganforge.version import __version__  # noqa: F401


def load(target, device: str = "cpu"):
    """The sampling pipeline of a run folder or checkpoint of any family: ``ganforge.load(RUN).sample(16, seed=0)``."""
    from ganforge.family import load as _load

    return _load(target, device=device)


def create_model(name: str = "dcgan", **config):
    """Build a registered model by name, e.g. ``create_model("dcgan", image_size=32, num_classes=10)``."""
    from ganforge.family import create_model as _create

    return _create(name, **config)


def list_models():
    """Names of every registered model, over all families (what `ganforge models` lists)."""
    from ganforge.family import list_models as _list

    return _list()
