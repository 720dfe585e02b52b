"""ganforge: train, sample, evaluate, explore and watch GANs from one CLI, one API and one studio."""
__version__ = "0.1.0"


def load(target, device: str = "cpu"):
    """Load a trained generator from a run folder or checkpoint: ``g = ganforge.load(RUN); g.sample(16)``."""
    from .sampling import LoadedGenerator

    return LoadedGenerator.load(target, device=device)


def create_model(*args, **kwargs):
    from .models import create_model as _create

    return _create(*args, **kwargs)


def list_models():
    from .models import list_models as _list

    return _list()
