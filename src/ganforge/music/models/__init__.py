"""Music models: the registry and every registered model (musegan, melody-gan, music-mle)."""
from ganforge.music.models import melody, mle, musegan  # noqa: F401  (registration)
from ganforge.music.models.base import MUSIC_MODELS, Shape, build_model

__all__ = ["MUSIC_MODELS", "Shape", "build_model"]
