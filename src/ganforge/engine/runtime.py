"""Small pieces of the training loop shared by every family: EMA, precision, stop signals, progress."""
from __future__ import annotations

import contextlib
import copy
import signal
import sys
import time
from typing import Dict, Optional

import torch
from torch import nn
from tqdm import tqdm


class EMA:
    """Exponential moving average of a module's weights (buffers are copied), with a warm-up ramp; or, after
    :meth:`use_half_life`, StyleGAN2's EMA by half-life in images with its ramp-up."""

    def __init__(self, module: nn.Module, decay: float):
        self.decay = decay
        self.half_life_images, self.rampup, self.batch_size = 0.0, 0.0, 1
        self.module = copy.deepcopy(module).eval().requires_grad_(False)

    def use_half_life(self, half_life_images: float, rampup: float, batch_size: int) -> None:
        self.half_life_images, self.rampup, self.batch_size = half_life_images, rampup, batch_size

    def decay_at(self, step: int) -> float:
        """The decay of the update after step ``step`` (0-based): a pure function of the step, so resume is exact."""
        if self.half_life_images > 0:
            return half_life_decay(self.half_life_images, self.batch_size, step * self.batch_size, self.rampup)
        return min(self.decay, (1 + step) / (10 + step))

    @torch.no_grad()
    def update(self, source: nn.Module, step: int) -> None:
        decay = self.decay_at(step)
        ema_params = list(self.module.parameters())
        torch._foreach_lerp_(ema_params, [p.detach() for p in source.parameters()], 1.0 - decay)
        for ema_b, b in zip(self.module.buffers(), source.buffers()):
            ema_b.copy_(b)


def half_life_decay(half_life_images: float, batch_size: int, images_seen: int, rampup: float = 0.0) -> float:
    """StyleGAN2's per-step EMA decay ``0.5 ** (batch / half_life)``: the average forgets half its weight over
    ``half_life_images``; with ``rampup`` > 0 the half-life is capped at ``rampup * images_seen`` (images seen
    before this step), so early weights are forgotten fast."""
    half_life = half_life_images
    if rampup > 0:
        half_life = min(half_life, images_seen * rampup)
    return 0.5 ** (batch_size / max(half_life, 1e-8))


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto`` -> bf16 where the hardware runs it natively (CPUs with AVX512-BF16/AMX, Ampere+ GPUs), else fp32."""
    if precision != "auto":
        return precision
    return "bf16" if native_bf16(device) else "fp32"


def cpu_name() -> str:
    """The CPU's model name (Linux /proc/cpuinfo), e.g. "AMD EPYC 7B13"; platform's answer elsewhere."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def native_bf16(device: torch.device) -> bool:
    """Whether bf16 matrix work runs natively here (AVX512-BF16 or AMX on CPUs; Ampere or newer GPUs)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def precision_warning(precision: str, device: torch.device) -> Optional[str]:
    """One line when an explicitly chosen precision is emulated on this hardware (and so far slower), else None."""
    if precision == "bf16" and device.type == "cpu" and not native_bf16(device):
        return (f"warning: this CPU ({cpu_name()}) has no native bf16 (AVX512-BF16 or AMX): bf16 matrix work is "
                "emulated, so training runs about 10x slower than fp32 here; use --precision auto (fp32 here)")
    return None


def autocast(device: torch.device, precision: str):
    """The autocast context for a precision name (fp32 = no autocast)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device.type, dtype=dtype)


class StopSignal:
    """Turns SIGINT/SIGTERM into a flag the loop checks, so it can save a checkpoint and exit cleanly."""

    def __init__(self) -> None:
        self.reason: Optional[str] = None
        self._previous: Dict[int, object] = {}

    def __enter__(self) -> "StopSignal":
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread
                pass
        return self

    def _handle(self, signum, frame) -> None:
        if self.reason is not None:  # second Ctrl-C: stop now
            raise KeyboardInterrupt
        self.reason = signal.Signals(signum).name

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


class Progress:
    """A tqdm bar on a terminal; one plain line per ``every`` updates when output is a file or pipe.

    ``total=None`` means no step limit; with a ``deadline`` (time.monotonic) the time left is shown.
    """

    def __init__(self, total: Optional[int], initial: int, enabled: bool, desc: str = "train", every: int = 10,
                 deadline: Optional[float] = None):
        self.enabled, self.deadline = enabled, deadline
        self.tty = enabled and sys.stderr.isatty()
        self.every, self.count, self.total = every, 0, total
        self.bar = tqdm(total=total, initial=initial, desc=desc, dynamic_ncols=True, unit="step") if self.tty else None

    def update(self, step: int, postfix: Dict[str, float]) -> None:
        text = " ".join(f"{k}={v:.3g}" for k, v in postfix.items())
        if self.deadline is not None:
            left = max(0, int(self.deadline - time.monotonic()))
            text += f" left={left // 60}:{left % 60:02d}"
        if self.bar is not None:
            self.bar.n = step
            self.bar.set_postfix_str(text, refresh=True)
        elif self.enabled:
            self.count += 1
            if self.count % self.every == 0 or step == self.total:
                of = f"/{self.total}" if self.total else ""
                print(f"step {step}{of} {text}", file=sys.stderr, flush=True)

    def write(self, message: str) -> None:
        if self.bar is not None:
            self.bar.write(message)
        elif self.enabled:
            print(message, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def linear_decay_factor(step: int, total_steps: int, decay_steps: int) -> float:
    """Learning-rate factor of step ``step`` (0-based): 1 until the last ``decay_steps`` of ``total_steps``,
    then linearly down to 1/decay_steps at the final step (pix2pix's decay schedule). A pure function of
    the step, so a resumed run sets the same rates as an uninterrupted one."""
    if decay_steps <= 0:
        return 1.0
    return min(1.0, (total_steps - step) / decay_steps)


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
