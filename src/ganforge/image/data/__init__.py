"""Data: uint8 image tensors in memory, named data sets, image folders and verified downloads."""
from ganforge.engine.batches import BatchSampler
from ganforge.image.data.images import ImageDataset, to_uint8, to_unit_range
from ganforge.image.data.sources import DATASETS, load_dataset, load_split
from ganforge.image.data import stacked  # noqa: E402,F401  (registers stacked-mnist)

__all__ = ["BatchSampler", "DATASETS", "ImageDataset", "load_dataset", "load_split", "to_uint8", "to_unit_range"]
