"""Fake-quantization modules for quantization-aware training (straight-through estimators).

The integer ranges are the ones the samd kernels run exactly:
  - activations after ReLU: unsigned b-bit, q in [0, 2^b - 1], zero point 0, one learned scale
    per tensor (LSQ, Esser et al. 2020);
  - weights, b >= 2: symmetric signed, q in [-(2^(b-1) - 1), 2^(b-1) - 1], zero point 0, one
    learned scale per output channel (LSQ). 2 bits is ternary {-1, 0, 1};
  - weights, b = 1: binary q in {-1, +1} with a per-channel scale alpha = mean |w| (XNOR-Net).
    The importer stores them as 1-bit lanes u = (q + 1) / 2 (see models/README.md).
"""
import math

import torch
import torch.nn as nn


def round_ste(x):
    """round half to even (as ONNX QuantizeLinear) forward, identity backward."""
    return (torch.round(x) - x).detach() + x


def grad_scale(x, g):
    """x forward, gradient multiplied by g (LSQ's step-size gradient scale)."""
    return (x - x * g).detach() + x * g


def weight_range(bits):
    if bits == 1:
        return -1, 1
    qmax = 2 ** (bits - 1) - 1
    return -qmax, qmax


class ActQuant(nn.Module):
    """ReLU followed by unsigned `bits`-bit fake quantization; bits=None is a plain ReLU."""

    def __init__(self, bits):
        super().__init__()
        self.bits = bits
        self.scale = nn.Parameter(torch.tensor(1.0))
        self.register_buffer("initialized", torch.tensor(False))

    @property
    def qmax(self):
        return 2 ** self.bits - 1

    def forward(self, x):
        x = torch.relu(x)
        if self.bits is None:
            return x
        if self.training and not bool(self.initialized):
            with torch.no_grad():  # start from a range that clips the top 0.1 %
                hi = torch.quantile(x.flatten()[::97], 0.999).clamp_min(1e-3)
                self.scale.copy_(hi / self.qmax if self.bits > 1 else hi / 2)
                self.initialized.fill_(True)
        s = grad_scale(self.scale, 1.0 / math.sqrt(x.numel() * self.qmax)).abs().clamp_min(1e-8)
        return round_ste(torch.clamp(x / s, 0, self.qmax)) * s

    def step(self):
        """The quantization step as the exported graph stores it (float32)."""
        return float(torch.tensor(float(self.scale.detach().abs().clamp_min(1e-8)), dtype=torch.float32))


class WeightQuant(nn.Module):
    """Per-output-channel weight fake quantization; bits=None passes the float weights."""

    def __init__(self, bits, channels):
        super().__init__()
        self.bits = bits
        self.scale = nn.Parameter(torch.ones(channels))
        self.register_buffer("initialized", torch.tensor(False))

    def forward(self, w):
        if self.bits is None:
            return w
        if self.bits == 1:
            return self._binary(w)
        qn, qp = weight_range(self.bits)
        if not bool(self.initialized):
            with torch.no_grad():
                flat = w.detach().flatten(1).abs()
                init = flat.max(1).values / qp if self.bits >= 6 else 2 * flat.mean(1) / math.sqrt(qp)
                self.scale.copy_(init.clamp_min(1e-8))
                self.initialized.fill_(True)
        shape = (-1,) + (1,) * (w.dim() - 1)
        s = grad_scale(self.scale, 1.0 / math.sqrt(w[0].numel() * qp)).abs().clamp_min(1e-8).view(shape)
        return round_ste(torch.clamp(w / s, qn, qp)) * s

    def _binary(self, w):
        shape = (-1,) + (1,) * (w.dim() - 1)
        alpha = w.abs().flatten(1).mean(1).clamp_min(1e-8).view(shape)
        sign = torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))
        return alpha * ((sign - w).detach() + w)  # STE: d sign(w) / dw := 1

    def int_and_scale(self, w):
        """(integer weights, per-channel scale) exactly as the forward pass uses them."""
        with torch.no_grad():
            if self.bits == 1:
                alpha = w.abs().flatten(1).mean(1).clamp_min(1e-8)
                return torch.where(w >= 0, 1.0, -1.0), alpha
            qn, qp = weight_range(self.bits)
            s = self.scale.abs().clamp_min(1e-8)
            shape = (-1,) + (1,) * (w.dim() - 1)
            return torch.clamp(torch.round(w / s.view(shape)), qn, qp), s
