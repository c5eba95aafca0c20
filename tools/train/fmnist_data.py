"""Fashion-MNIST from Debian's dataset-fashion-mnist (gzipped IDX files)."""
import gzip
import os

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(split, data_dir=DEFAULT_DIR):
    """Returns (images uint8 [N, 28, 28], labels uint8 [N]) for split 'train' or 't10k'."""
    images = os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz")
    labels = os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz")
    if not os.path.exists(images):
        raise SystemExit(f"{images} not found: apt-get install dataset-fashion-mnist")
    return _read_idx(images), _read_idx(labels)
