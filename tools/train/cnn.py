"""The Fashion-MNIST CNN, its quantization-aware variant, and the folded integer form that is
exported to ONNX (and evaluated here exactly as the exported graph computes).

  conv3x3(1 -> C1, pad 1) - BN - ReLU - maxpool 2
  conv3x3(C1 -> C2, pad 1) - BN - ReLU - maxpool 2
  FC(C2 * 7 * 7 -> 10)

Input: float32 [N, 1, 28, 28] holding pixel / 255. The first conv's input is the 8-bit image
itself (scale 1/255, exact); every later activation and every weight has the configured width.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from quant_modules import ActQuant, WeightQuant, round_ste

C1, C2 = 16, 32
INPUT_SCALE = 1.0 / 255.0


class FashionCNN(nn.Module):
    def __init__(self, wbits=None, abits=None, folded=False):
        """wbits: weight width of every layer; abits: width of every activation after the first
        conv's input (None: float). folded: BatchNorm folded into the convs (conv bias instead),
        the form that is exported; its biases are fake-quantized to the int32 grid the integer
        pipeline adds them on (input scale * weight scale)."""
        super().__init__()
        self.wbits, self.abits, self.folded = wbits, abits, folded
        self.conv1 = nn.Conv2d(1, C1, 3, padding=1, bias=folded)
        self.bn1 = nn.Identity() if folded else nn.BatchNorm2d(C1)
        self.conv2 = nn.Conv2d(C1, C2, 3, padding=1, bias=folded)
        self.bn2 = nn.Identity() if folded else nn.BatchNorm2d(C2)
        self.fc = nn.Linear(C2 * 7 * 7, 10)
        self.wq1 = WeightQuant(wbits, C1)
        self.wq2 = WeightQuant(wbits, C2)
        self.wq3 = WeightQuant(wbits, 10)
        self.act1 = ActQuant(abits)
        self.act2 = ActQuant(abits)

    def _bias(self, bias, in_scale, wq, w):
        if bias is None or self.wbits is None:
            return bias
        _, s = wq.int_and_scale(w)
        grid = (torch.tensor(in_scale, dtype=torch.float32) * s.float()).detach()
        return round_ste(bias / grid) * grid

    def forward(self, x):
        w = self.conv1.weight
        x = F.conv2d(x, self.wq1(w), self._bias(self.conv1.bias, INPUT_SCALE, self.wq1, w), padding=1)
        x = F.max_pool2d(self.act1(self.bn1(x)), 2)
        w = self.conv2.weight
        x = F.conv2d(x, self.wq2(w), self._bias(self.conv2.bias, self.act1.step(), self.wq2, w), padding=1)
        x = F.max_pool2d(self.act2(self.bn2(x)), 2)
        w = self.fc.weight
        return F.linear(x.flatten(1), self.wq3(w), self._bias(self.fc.bias, self.act2.step(), self.wq3, w))

    def layer_widths(self):
        """(name, weight bits, input activation bits) per layer, as the importer will see them."""
        w = self.wbits or 32
        a = self.abits or 32
        return [("conv1", w, 8), ("conv2", w, a), ("fc", w, a)]


def fold_batchnorm(m):
    """A folded copy of m: conv weight w * k and bias beta - mu * k per channel, k = gamma / sigma.
    The weight quantizer's step becomes s * |k|, so the integers are those of m negated where
    k < 0 (the ranges are symmetric) and the per-channel scale absorbs |k|."""
    f = FashionCNN(m.wbits, m.abits, folded=True)
    state = {k: v for k, v in m.state_dict().items() if not k.startswith(("bn1", "bn2", "conv"))}
    f.load_state_dict(state, strict=False)
    with torch.no_grad():
        for conv, bn, fconv, fwq in ((m.conv1, m.bn1, f.conv1, f.wq1), (m.conv2, m.bn2, f.conv2, f.wq2)):
            k = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            fconv.weight.copy_(conv.weight * k.view(-1, 1, 1, 1))
            fconv.bias.copy_(bn.bias - bn.running_mean * k)
            fwq.scale.mul_(k.abs())
    f.eval()
    return f


class FloatExportView(nn.Module):
    """The float model with standard modules only, for torch.onnx.export (keeps BatchNorm)."""

    def __init__(self, m):
        super().__init__()
        self.net = nn.Sequential(m.conv1, m.bn1, nn.ReLU(), nn.MaxPool2d(2), m.conv2, m.bn2, nn.ReLU(),
                                 nn.MaxPool2d(2), nn.Flatten(), m.fc)

    def forward(self, x):
        return self.net(x)


def integer_form(f):
    """The exported model's parameters, from a folded model: per layer the integer weights and
    per-channel scales, the int32 bias (units of input scale * weight scale, as in QDQ), and the
    activation quantizer that follows (None for the logits)."""
    layers = []
    in_scale = INPUT_SCALE
    for name, layer, wq, act in (("conv1", f.conv1, f.wq1, f.act1), ("conv2", f.conv2, f.wq2, f.act2),
                                 ("fc", f.fc, f.wq3, None)):
        q, s = wq.int_and_scale(layer.weight)
        bias_scale = (torch.tensor(in_scale, dtype=torch.float32) * s.float()).float()
        with torch.no_grad():
            bias_int = torch.round(layer.bias / bias_scale).to(torch.int64)
        layers.append(dict(name=name, q=q.to(torch.int64), scale=s.float(), bias=bias_int, bias_scale=bias_scale,
                           in_scale=in_scale, act_scale=None if act is None else act.step(),
                           act_bits=None if act is None else act.bits))
        if act is not None:
            in_scale = act.step()
    return layers


def quantize(x, scale, qmax):
    """ONNX QuantizeLinear to [0, qmax] (round half to even), then DequantizeLinear."""
    return torch.clamp(torch.round(x / scale), 0, qmax) * scale


@torch.no_grad()
def run_integer_form(layers, x):
    """Float32 evaluation of the exported QDQ graph: what 'PyTorch's fake-quantized model'
    predicts. x: pixel / 255."""
    x = quantize(x, torch.tensor(INPUT_SCALE, dtype=torch.float32), 255)
    for L in layers:
        w = L["q"].float() * L["scale"].view(-1, *([1] * (L["q"].dim() - 1)))
        b = L["bias"].float() * L["bias_scale"]
        if L["act_bits"] is None:
            return F.linear(x.flatten(1), w, b)
        y = F.conv2d(x, w, b, padding=1)
        qmax = 2 ** L["act_bits"] - 1
        s = torch.tensor(L["act_scale"], dtype=torch.float32)
        x = F.max_pool2d(quantize(torch.clamp(y, 0, qmax * s), s, qmax), 2)
    raise AssertionError("no logits layer")
