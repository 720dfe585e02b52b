"""IDX parsing and downloads from a real HTTP server on 127.0.0.1, verified against checksums."""
import functools
import gzip
import http.server
import threading

import pytest
import torch

from ganforge.image.config import DataConfig
from ganforge.image.data import load_dataset
from ganforge.datasets.idx import read_idx
from ganforge.datasets.idx_files import MNIST, idx_paths
from ganforge.errors import DataError


@pytest.fixture
def http_server():
    servers = []

    def serve(folder):
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_full_mnist_from_a_local_http_mirror(tmp_path, http_server, shared_data, monkeypatch):
    url = http_server(shared_data / "mnist")
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("GANFORGE_DATA", raising=False)
    data = load_dataset(DataConfig(name="mnist", download=True, mirror=url), 28, 1)
    assert data.images.shape == (60000, 1, 28, 28) and data.labels.shape == (60000,)
    assert (tmp_path / "cache" / "mnist" / "train-images-idx3-ubyte.gz").is_file()
    # a second load finds the cached, verified files with no server and no download flag
    again = load_dataset(DataConfig(name="mnist"), 28, 1)
    assert torch.equal(again.images, data.images)


def test_canonical_source_list_falls_back_to_the_next_url(tmp_path, http_server, shared_data, monkeypatch):
    import dataclasses

    url = http_server(shared_data / "mnist")
    spec = dataclasses.replace(MNIST, urls=("http://127.0.0.1:9/", url))
    images, labels = idx_paths(spec, "test", data_dir=str(tmp_path), download=True)
    assert images.parent == tmp_path and read_idx(labels).shape == (10000,)


def test_corrupt_server_file_fails_the_checksum_and_leaves_nothing(tmp_path, http_server, shared_data):
    served = tmp_path / "served"
    served.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        data = (shared_data / "mnist" / name).read_bytes()
        (served / name).write_bytes(data[:-10] + b"0123456789")
    url = http_server(served)
    with pytest.raises(DataError, match="checksum mismatch"):
        idx_paths(MNIST, "test", data_dir=str(tmp_path / "dl"), mirror=url)
    assert not (tmp_path / "dl").exists() or not any((tmp_path / "dl").iterdir())


def test_download_from_a_local_folder_mirror(tmp_path, shared_data):
    images, _ = idx_paths(MNIST, "train", data_dir=str(tmp_path), mirror=str(shared_data / "mnist"))
    assert read_idx(images).shape == (60000, 28, 28)


def test_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="could not download"):
        idx_paths(MNIST, "test", data_dir=str(tmp_path), mirror="http://127.0.0.1:9/")


def test_missing_files_without_download_say_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path))
    with pytest.raises(DataError, match="--data-dir.*--download"):
        idx_paths(MNIST, "train", data_dir=str(tmp_path))


def test_truncated_idx_file(tmp_path):
    raw = b"\x00\x00\x08\x03" + (5).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + b"\x00" * 100
    (tmp_path / "x.gz").write_bytes(gzip.compress(raw))
    with pytest.raises(DataError, match="truncated"):
        read_idx(tmp_path / "x.gz")
    (tmp_path / "y.gz").write_bytes(gzip.compress(raw)[:20])
    with pytest.raises(DataError, match="truncated"):
        read_idx(tmp_path / "y.gz")


def test_idx_roundtrip(tmp_path):
    values = torch.arange(24, dtype=torch.uint8).view(2, 3, 4)
    raw = b"\x00\x00\x08\x03" + b"".join(d.to_bytes(4, "big") for d in (2, 3, 4)) + values.numpy().tobytes()
    (tmp_path / "v").write_bytes(raw)
    assert torch.equal(read_idx(tmp_path / "v"), values)


def write_idx(path, array):
    raw = b"\x00\x00\x08" + bytes([array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    path.write_bytes(gzip.compress(raw + array.tobytes()))


def test_fashion_mnist_from_a_local_folder_with_class_names(tmp_path):
    import numpy as np

    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    images = np.random.default_rng(0).integers(0, 255, (30, 28, 28), dtype=np.uint8)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.arange(30, dtype=np.uint8) % 10)
    data = load_dataset(DataConfig(name="fashion-mnist", split="test", dir=str(tmp_path)), 32, 1)
    assert data.images.shape == (30, 1, 32, 32) and data.num_classes == 10
    assert data.class_names[9] == "Ankle boot"
    # the image/label counts must agree
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.arange(29, dtype=np.uint8) % 10)
    with pytest.raises(DataError, match="image/label pair"):
        load_dataset(DataConfig(name="fashion-mnist", split="test", dir=str(tmp_path)), 28, 1)
