"""Image folders: every common format and mode loads to the model's shape; broken input is a clear error."""
import numpy as np
import pytest
from PIL import Image

from ganforge.image.config import DataConfig
from ganforge.image.data import load_dataset
from ganforge.image.data.folder import load_folder
from ganforge.errors import DataError


def write(path, array, mode=None, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode).save(path, **kw) if mode else Image.fromarray(array).save(path, **kw)


def test_mixed_modes_sizes_and_formats_load_to_one_shape(tmp_path):
    rng = np.random.default_rng(0)
    write(tmp_path / "cats" / "gray.png", rng.integers(0, 255, (40, 60), dtype=np.uint8))
    write(tmp_path / "cats" / "rgba.png", rng.integers(0, 255, (50, 50, 4), dtype=np.uint8))
    write(tmp_path / "dogs" / "deep.tif", (rng.integers(0, 65535, (30, 20))).astype(np.uint16))
    write(tmp_path / "dogs" / "photo.jpg", rng.integers(0, 255, (64, 48, 3), dtype=np.uint8))
    write(tmp_path / "dogs" / "pic.bmp", rng.integers(0, 255, (10, 10, 3), dtype=np.uint8))
    data = load_folder(tmp_path, size=32, channels=3)
    assert data.images.shape == (5, 3, 32, 32)
    assert data.class_names == ["cats", "dogs"] and data.labels.tolist() == [0, 0, 1, 1, 1]
    gray = load_folder(tmp_path, size=16, channels=1)
    assert gray.images.shape == (5, 1, 16, 16)


def test_16bit_values_are_scaled_not_clipped(tmp_path):
    write(tmp_path / "a.png", np.full((8, 8), 65535 // 2, dtype=np.uint16))
    data = load_folder(tmp_path, size=8, channels=1)
    assert 120 <= int(data.images.float().mean()) <= 135 and data.labels is None


def test_rgba_transparency_composites_on_black(tmp_path):
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[..., 0] = 255  # red but fully transparent
    write(tmp_path / "t.png", rgba)
    assert int(load_folder(tmp_path, size=8, channels=3).images.max()) == 0


def test_non_square_images_are_center_cropped(tmp_path):
    img = np.zeros((10, 30), dtype=np.uint8)
    img[:, 10:20] = 255  # a white center square in a wide black image
    write(tmp_path / "wide.png", img)
    assert int(load_folder(tmp_path, size=10, channels=1).images.min()) == 255


def test_truncated_image_names_the_file(tmp_path):
    write(tmp_path / "ok.png", np.zeros((8, 8), dtype=np.uint8))
    good = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "broken.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="broken.png.*corrupt or truncated"):
        load_folder(tmp_path, size=8, channels=1)


def test_not_an_image_names_the_file(tmp_path):
    (tmp_path / "notes.jpg").write_text("hello")
    with pytest.raises(DataError, match="notes.jpg"):
        load_folder(tmp_path, size=8, channels=1)


def test_empty_and_missing_folders(tmp_path):
    with pytest.raises(DataError, match="no images"):
        load_folder(tmp_path, size=8, channels=1)
    with pytest.raises(DataError, match="does not exist"):
        load_folder(tmp_path / "nope", size=8, channels=1)


def test_embedded_default_is_the_mnist_test_split():
    data = load_dataset(DataConfig(), image_size=28, channels=1)
    assert data.images.shape == (10000, 1, 28, 28) and data.images.dtype.is_floating_point is False
    assert data.labels.bincount().tolist()[:3] == [980, 1135, 1032]  # the published class counts
