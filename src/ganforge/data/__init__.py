"""Data: uint8 image tensors in memory, named data sets, image folders and verified downloads."""
from .images import BatchSampler, ImageDataset, to_uint8, to_unit_range
from .sources import DATASETS, load_dataset, load_split
from . import stacked  # noqa: E402,F401  (registers stacked-mnist)

__all__ = ["BatchSampler", "DATASETS", "ImageDataset", "load_dataset", "load_split", "to_uint8", "to_unit_range"]
