"""The audio domain classifier: a small CNN on log-frequency spectrograms, trained by ``ganforge features train``.

    ganforge features train --data data/notes           # seeded; writes the cache (or --out FILE)

It predicts the joint class of a built set's labels (instrument x pitch for notes: 125 classes;
the digit for spoken digits); the primary label's probabilities (pitch, digit) are the sums over
the others. Its 128 features (before the last ReLU) give the Fréchet distance. Front end: a
2048-point STFT (hop 512) of the first 16384 samples at 16 kHz, mapped by triangular filters to
3 bins per semitone from MIDI 36 to 108 (216 bins, so a pitch shift is a shift along the axis),
log-compressed; then three conv 3x3 + max-pool layers, average pooling to 2 frames, linear 128,
linear to the classes. A third of each training batch is cut after 1024 samples and a third after
4096 (silence after), so it hears clips of the models' shorter lengths too. Training is seeded (weights, batch order) through the metrics core's
:func:`~ganforge.metrics.classifier_training.fit_classifier`; the weights of the notes set ship in
the package (``weights/``, like the MNIST classifier) so every machine scores with the same
network, and the file's sha256 goes into every card. The header holds the classes, the data set's
sha256 and the test accuracy.
"""
from __future__ import annotations

import json
import time
from itertools import product
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from ganforge.audio.data.clips import AudioData, load_clips
from ganforge.datasets.built import read_info
from ganforge.errors import GanforgeError
from ganforge.files import atomic_write, file_digest
from ganforge.metrics.classifier_training import classifier_accuracy, fit_classifier
from ganforge.metrics.features import FeatureExtractor, extractor_dir, load_weights, register_extractor

RATE, LENGTH, N_FFT, HOP = 16000, 16384, 2048, 512
LOW, HIGH, PER_SEMITONE = 36, 108, 3
SHIPPED = Path(__file__).resolve().parent / "weights"
# trained by `ganforge features train --data DIR --threads 1` on `ganforge data build notes --out DIR` (defaults)
SHIPPED_SHA256 = {"notes-classifier": "c4c74ba223fd94f5517e7b68714651b1a7c137de40481a26d09eb91216e7087c"}
FORMAT = "ganforge-audio-classifier/1"


def filterbank() -> torch.Tensor:
    """Triangular filters ``[n_fft / 2 + 1, bins]`` from linear STFT bins to log-spaced (semitone) centres."""
    centres = 440.0 * 2 ** ((np.arange(LOW * PER_SEMITONE - 1, HIGH * PER_SEMITONE + 1) / PER_SEMITONE - 69) / 12)
    freqs = np.arange(N_FFT // 2 + 1) * RATE / N_FFT
    bank = np.zeros((len(freqs), len(centres) - 2))
    for j in range(1, len(centres) - 1):
        lo, mid, hi = centres[j - 1], centres[j], centres[j + 1]
        width = max(hi - lo, 2 * RATE / N_FFT)   # at least two STFT bins wide where semitones are finer
        bank[:, j - 1] = np.clip(1 - np.abs(freqs - mid) / (width / 2), 0, None)
    return torch.from_numpy(bank / np.maximum(bank.sum(0, keepdims=True), 1e-9)).float()


class SpectrogramNet(nn.Module):
    """Log-frequency spectrograms ``[N, 1, 216, frames]`` -> (features ``[N, 128]``, logits)."""

    def __init__(self, num_classes: int, feature_dim: int = 128):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 16, 3, padding=1),
                                    nn.Conv2d(16, 32, 3, padding=1)])
        self.fc1 = nn.Linear(32 * ((HIGH - LOW) * PER_SEMITONE // 8) * 2, feature_dim)
        self.fc2 = nn.Linear(feature_dim, num_classes)

    def forward(self, h: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        for conv in self.convs:
            h = F.max_pool2d(F.relu(conv(h)), 2)
        h = F.adaptive_avg_pool2d(h, (h.shape[2], 2))
        features = self.fc1(h.flatten(1))
        return features, self.fc2(F.relu(features))


class AudioClassifier(nn.Module):
    """Clips ``[N, L]`` -> (features, logits): the fixed log-frequency front end, then a :class:`SpectrogramNet`."""

    def __init__(self, num_classes: int):
        super().__init__()
        self.register_buffer("bank", filterbank(), persistent=False)
        self.register_buffer("window", torch.hann_window(N_FFT), persistent=False)
        self.net = SpectrogramNet(num_classes)

    def spectrogram(self, waves: torch.Tensor) -> torch.Tensor:
        """Clips ``[N, L]`` -> log-frequency log-magnitudes ``[N, 1, 216, frames]``."""
        x = F.pad(waves.float(), (0, max(0, LENGTH - waves.shape[1])))[:, :LENGTH]
        mag = torch.stft(x, N_FFT, HOP, window=self.window, center=True, return_complex=True).abs()
        return torch.log1p(100 * torch.einsum("nft,fb->nbt", mag, self.bank))[:, None]

    @torch.no_grad()
    def spectrograms(self, waves: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.spectrogram(waves[s:s + 256]) for s in range(0, len(waves), 256)])

    def forward(self, waves: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return self.net(self.spectrogram(waves))


# ---- classes of a built set --------------------------------------------------------------------------------------

def joint_classes(labels: Dict[str, List[str]]) -> List[str]:
    """Every combination of a set's labels, e.g. ``pitch=60|instrument=piano`` (one label: its names)."""
    keys = list(labels)
    return ["|".join(f"{k}={v}" for k, v in zip(keys, combo)) for combo in product(*(labels[k] for k in keys))]


def joint_labels(data: AudioData, labels: Dict[str, List[str]]) -> torch.Tensor:
    index = torch.zeros(len(data), dtype=torch.int64)
    for key in labels:
        index = index * len(labels[key]) + data.extra[key]
    return index


def marginal(probs: np.ndarray, labels: Dict[str, List[str]], key: str) -> np.ndarray:
    """Joint class probabilities ``[N, prod sizes]`` -> those of one label ``[N, size]``."""
    sizes = [len(labels[k]) for k in labels]
    axis = list(labels).index(key)
    p = probs.reshape(len(probs), *sizes)
    return p.sum(axis=tuple(i + 1 for i in range(len(sizes)) if i != axis))


def cut_short(spectrograms: torch.Tensor) -> torch.Tensor:
    """A third of a batch kept whole, a third cut after 1024 samples, a third after 4096 (the frames after: silence)."""
    keep = torch.tensor([LENGTH, 1024, 4096])[torch.randint(0, 3, (len(spectrograms),))] // HOP + 1
    frames = torch.arange(spectrograms.shape[-1])
    return spectrograms * (frames[None] < keep[:, None])[:, None, None]


# ---- training, saving, loading --------------------------------------------------------------------------------------

def weights_name(data_name: str) -> str:
    return f"{data_name}-classifier"


def trained_weights(data_name: str) -> Path:
    return extractor_dir() / f"{weights_name(data_name)}.safetensors"


def default_weights(data_name: str, labels: Optional[Dict[str, List[str]]] = None) -> Path:
    """The shipped weights of a set, else those `ganforge features train` wrote to the cache; with ``labels``, the
    first of the two trained on those classes (a notes set of other instruments or pitches needs its own)."""
    shipped = SHIPPED / f"{weights_name(data_name)}.safetensors"
    candidates = [p for p in (shipped, trained_weights(data_name)) if p.is_file()]
    if labels is not None:
        candidates = [p for p in candidates if header(p).get("labels") == labels] or candidates
    return candidates[0] if candidates else trained_weights(data_name)


def header(path: Path) -> dict:
    try:
        with safe_open(str(path), framework="pt") as f:
            return json.loads((f.metadata() or {}).get("ganforge", "{}"))
    except (SafetensorError, OSError, ValueError):
        return {}


def train_classifier(data: str, out: Optional[str] = None, epochs: float = 15.0, batch_size: int = 64,
                     lr: float = 2e-3, seed: int = 0, quiet: bool = False) -> Dict[str, object]:
    """Train the classifier on a built set's train split, test it on its test split, save it; returns the header."""
    info = read_info(data)
    if info.get("kind") != "audio":
        raise GanforgeError(f"{data} is not an audio data set; build one with `ganforge data build notes --out DIR`")
    labels = info["labels"]
    train, test = (load_clips(data, split, LENGTH, RATE) for split in ("train", "test"))
    classes = joint_classes(labels)
    torch.manual_seed(seed)
    model = AudioClassifier(len(classes))
    steps = max(1, int(epochs * len(train) / batch_size))
    t0 = time.monotonic()
    # the front end is fixed: the net trains on spectrograms computed once, some cut as clips of the models'
    # shorter lengths are (1024 or 4096 samples, then silence)
    fit_classifier(model.net, model.spectrograms(train.waves), joint_labels(train, labels), steps, batch_size, lr,
                   seed, prepare=cut_short, desc=f"train {weights_name(info['name'])}", quiet=quiet)
    model.eval()
    primary = info["default_label"]
    acc = classifier_accuracy(model.net, model.spectrograms(test.waves), joint_labels(test, labels))
    _, probs = AudioExtractor.run(model, test.waves)
    primary_acc = float((marginal(probs, labels, primary).argmax(1) == test.extra[primary].numpy()).mean())
    path = Path(out) if out else trained_weights(info["name"])
    meta = {"format": FORMAT, "data": info["name"], "data_sha256": file_digest(Path(data) / "SHA256SUMS", "sha256"),
            "labels": labels, "primary": primary, "seed": seed, "steps": steps, "batch_size": batch_size, "lr": lr,
            "test_accuracy": acc, f"test_{primary}_accuracy": primary_acc, "train_clips": len(train),
            "test_clips": len(test), "seconds": round(time.monotonic() - t0, 1)}
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    atomic_write(path, lambda tmp: save_file(state, str(tmp), metadata={"ganforge": json.dumps(meta)}))
    return {"path": str(path), "sha256": file_digest(path, "sha256"), **meta}


def load_classifier(path: Path) -> Tuple[AudioClassifier, dict]:
    def build(meta: dict) -> AudioClassifier:
        if meta.get("format") != FORMAT:
            raise GanforgeError(f"{path} is not an audio classifier; train one with `ganforge features train --data "
                                "DIR`")
        return AudioClassifier(len(joint_classes(meta["labels"])))

    return load_weights(path, build, "audio classifier", "train them again with `ganforge features train --data DIR`")


class AudioExtractor(FeatureExtractor):
    """Clips (float [N, L] at 16 kHz) -> 128 features and joint class probabilities of a built audio set."""

    modality = "audio"
    input_kind = "float clips [N, samples] at 16 kHz"
    resize = "none (clips padded or cut to 16384 samples at 16 kHz)"
    batch_size = 128

    data_name = ""

    def __init__(self, weights: Optional[str] = None, device: str = "cpu",
                 labels: Optional[Dict[str, List[str]]] = None, data_name: Optional[str] = None):
        data_name = data_name or self.data_name
        self.name = weights_name(data_name)
        path = Path(weights) if weights else default_weights(data_name, labels)
        if not path.is_file():
            raise GanforgeError(f"no {self.name} weights at {path}; train them once with `ganforge features train "
                                f"--data DIR` (DIR: the {data_name} set built by `ganforge data build {data_name}`), "
                                "or pass --weights FILE")
        model, self.meta = load_classifier(path)
        super().__init__(model, path, device)

    def prepare(self, samples: torch.Tensor) -> torch.Tensor:
        return samples.float()

    @staticmethod
    def run(model: nn.Module, waves: torch.Tensor) -> Tuple[np.ndarray, np.ndarray]:
        with torch.no_grad():
            outs = [model(waves[s:s + 128]) for s in range(0, len(waves), 128)]
        return (torch.cat([f for f, _ in outs]).double().numpy(),
                torch.softmax(torch.cat([lg for _, lg in outs]).double(), 1).numpy())

    def describe(self) -> dict:
        return {**super().describe(), "extractor_test_accuracy": self.meta.get("test_accuracy")}


@register_extractor("notes-classifier")
class NotesClassifier(AudioExtractor):
    """Rendered notes: instrument x pitch (125 classes), 128 features."""

    data_name = "notes"


@register_extractor("spoken-digits-classifier")
class DigitsClassifier(AudioExtractor):
    """Synthetic spoken digits (espeak-ng): 10 classes, 128 features."""

    data_name = "spoken-digits"
