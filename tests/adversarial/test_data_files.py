"""Hostile data files through the CLI and the loaders: image bombs, AppleDouble files, gzip bombs, endless
downloads, a byte-order mark."""
from __future__ import annotations

import gzip
import http.server
import struct
import threading
import tracemalloc
import zlib

import numpy as np
import pytest
from PIL import Image

from ganforge.errors import DataError
from ganforge.datasets.download import fetch
from ganforge.image.data.folder import list_images
from ganforge.datasets.idx import read_idx
from ganforge.text.data import read_sentences
from hostile import GIB, assert_one_line_error, run_limited

TRAIN_FOLDER = ["train", "dcgan", "--data", "folder", "--steps", "1", "--batch-size", "4", "--quiet",
                "--set", "model.width=4", "--set", "model.latent_dim=8"]


def png_claiming(path, width: int, height: int):
    """A 4x4 PNG whose IHDR chunk (CRC fixed up) claims ``width`` x ``height`` pixels."""
    Image.new("L", (4, 4), 128).save(path)
    data = bytearray(path.read_bytes())
    data[16:24] = struct.pack(">II", width, height)            # IHDR: width, height
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))   # CRC of "IHDR" + its 13 bytes
    path.write_bytes(bytes(data))
    return path


def digits(folder, n=8):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(np.full((28, 28), i * 30, np.uint8)).save(folder / f"{i}.png")
    return folder


@pytest.mark.parametrize("size", [(9000, 9000), (10000, 10000), (100000, 100000)])
def test_an_image_claiming_huge_dimensions_is_one_line_naming_it(tmp_path, size):
    folder = digits(tmp_path / "data")
    png_claiming(folder / "bomb.png", *size)
    proc = run_limited([*TRAIN_FOLDER, "--data-dir", str(folder), "--out", str(tmp_path / "runs")], tmp_path,
                       memory=4 * GIB)
    assert_one_line_error(proc, "bomb.png", "too large")
    assert "DecompressionBomb" not in proc.stderr.replace("DecompressionBombError", "")   # no PIL warning


def test_appledouble_and_hidden_files_are_skipped(tmp_path):
    root = tmp_path / "data"
    digits(root / "a", 4)
    digits(root / "b", 4)
    for junk in (root / "a" / "._0.png", root / "._stray.png", root / ".DS_Store"):
        junk.write_bytes(b"\x00\x05\x16\x07" + b"Mac OS X        " + bytes(64))   # AppleDouble magic
    digits(root / "b" / ".thumbnails", 2)
    (root / ".Trash").mkdir()
    proc = run_limited([*TRAIN_FOLDER, "--data-dir", str(root), "--out", str(tmp_path / "runs"), "--name", "r"],
                       tmp_path)
    assert proc.returncode == 0, proc.stderr

    files, labels, classes = list_images(root)
    assert classes == ["a", "b"] and len(files) == 8 and not any(p.name.startswith(".") for p in files)


def idx_gz(path, shape, payload: int):
    """A gzipped IDX file whose header says ``shape`` and which holds ``payload`` zero bytes of data."""
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(bytes([0, 0, 8, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape))
        block = bytes(1 << 20)
        for start in range(0, payload, len(block)):
            f.write(block[:min(len(block), payload - start)])
    return path


def test_a_gzip_bomb_behind_a_small_idx_header_stops_at_the_declared_size(tmp_path):
    bomb = idx_gz(tmp_path / "bomb-idx1-ubyte.gz", (10,), 256 << 20)     # 256 MiB of data behind a 10-byte header
    assert bomb.stat().st_size < 2 << 20
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="holds more data than its header says"):
            read_idx(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20, peak


def test_an_idx_header_declaring_terabytes_is_refused_before_reading(tmp_path):
    with pytest.raises(DataError, match="declares"):
        read_idx(idx_gz(tmp_path / "lie.gz", (1 << 20, 1 << 20, 1 << 10), 100))


def test_the_cli_names_the_bomb_in_an_mnist_folder(tmp_path):
    data = tmp_path / "mnist"
    data.mkdir()
    idx_gz(data / "train-images-idx3-ubyte.gz", (10, 28, 28), 64 << 20)
    idx_gz(data / "train-labels-idx1-ubyte.gz", (10,), 10)
    proc = run_limited(["train", "--data", "mnist", "--data-dir", str(data), "--steps", "1", "--quiet",
                        "--out", str(tmp_path / "runs")], tmp_path, memory=4 * GIB)
    assert_one_line_error(proc, "train-images-idx3-ubyte.gz", "more data")


class _Endless(http.server.BaseHTTPRequestHandler):
    """/endless: no Content-Length, bytes until the client hangs up; /liar: a Content-Length of 10 GB."""

    def do_GET(self):
        self.send_response(200)
        if self.path == "/liar":
            self.send_header("Content-Length", str(10**10))
        self.end_headers()
        try:
            for _ in range(10**6):
                self.wfile.write(bytes(1 << 16))
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("what", ["endless", "liar"])
def test_a_download_stops_at_its_byte_cap(server, tmp_path, what):
    dest = tmp_path / "cache" / "train-images-idx3-ubyte.gz"
    with pytest.raises(DataError, match="larger than expected"):
        fetch(f"{server}/{what}", dest, md5="0" * 32, max_bytes=4 << 20)
    assert not dest.exists() and not list(dest.parent.iterdir())   # no partial file left


def test_a_mirror_file_over_the_cap_is_refused(tmp_path):
    big = tmp_path / "mirror" / "f.gz"
    big.parent.mkdir()
    big.write_bytes(bytes(5 << 20))
    with pytest.raises(DataError, match="larger than expected"):
        fetch(str(big), tmp_path / "cache" / "f.gz", md5="0" * 32, max_bytes=4 << 20)


def test_a_byte_order_mark_is_not_part_of_the_first_word(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffthe cat sat\na dog ran\n".encode("utf-8"))
    sentences = read_sentences(path)
    assert sentences[0] == ["the", "cat", "sat"]
    assert not any("\ufeff" in token for sentence in sentences for token in sentence)
