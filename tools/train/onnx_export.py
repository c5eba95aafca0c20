"""Export the folded integer form (cnn.integer_form) as a standard QDQ ONNX graph (opset 13).

Sub-8-bit ranges with standard ops only:
  - weights: int8 initializers whose values lie in the b-bit range, DequantizeLinear with a
    per-channel scale (axis 0) and zero point 0; the importer reads the width off the values;
  - activations: Clip(0, s * (2^b - 1)) -> QuantizeLinear(s, uint8 0) -> DequantizeLinear, so the
    integers lie in [0, 2^b - 1]; the importer reads the width off the Clip bounds;
  - biases: int32 initializers in units of input scale * weight scale, DequantizeLinear;
  - MaxPool between DequantizeLinear and a QuantizeLinear of the same parameters (ONNX Runtime's
    QDQ form).
metadata_props record the widths for people; the importer does not need them.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from cnn import INPUT_SCALE


class GraphBuilder:
    def __init__(self):
        self.nodes, self.inits = [], []

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, output, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [output], name=name, **attrs))
        return output

    def qdq(self, x, scale, name):
        """QuantizeLinear + DequantizeLinear to uint8 with zero point 0."""
        s = self.const(f"{name}.scale", np.float32(scale))
        z = self.const(f"{name}.zero_point", np.uint8(0))
        q = self.node("QuantizeLinear", [x, s, z], f"{name}.q", f"{name}/QuantizeLinear")
        return self.node("DequantizeLinear", [q, s, z], f"{name}.dq", f"{name}/DequantizeLinear")

    def weights(self, L):
        name = L["name"]
        q = self.const(f"{name}.weight_q", L["q"].numpy().astype(np.int8))
        s = self.const(f"{name}.weight_scale", L["scale"].numpy().astype(np.float32))
        z = self.const(f"{name}.weight_zero_point", np.zeros(L["q"].shape[0], np.int8))
        w = self.node("DequantizeLinear", [q, s, z], f"{name}.weight", f"{name}/weight/DequantizeLinear", axis=0)
        bq = self.const(f"{name}.bias_q", L["bias"].numpy().astype(np.int32))
        bs = self.const(f"{name}.bias_scale", L["bias_scale"].numpy().astype(np.float32))
        bz = self.const(f"{name}.bias_zero_point", np.zeros(L["q"].shape[0], np.int32))
        b = self.node("DequantizeLinear", [bq, bs, bz], f"{name}.bias", f"{name}/bias/DequantizeLinear", axis=0)
        return w, b


def export_qdq(layers, path, title, widths):
    g = GraphBuilder()
    x = g.qdq("input", INPUT_SCALE, "input")
    for L in layers:
        name = L["name"]
        w, b = g.weights(L)
        if L["act_bits"] is None:
            flat = g.node("Flatten", [x], f"{name}.flat", f"{name}/Flatten", axis=1)
            g.node("Gemm", [flat, w, b], "logits", f"{name}/Gemm", transB=1)
            break
        y = g.node("Conv", [x, w, b], f"{name}.out", f"{name}/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])
        s = np.float32(L["act_scale"])
        lo = g.const(f"{name}.clip_min", np.float32(0))
        hi = g.const(f"{name}.clip_max", np.float32(s * np.float32(2 ** L["act_bits"] - 1)))
        y = g.node("Clip", [y, lo, hi], f"{name}.clip", f"{name}/Clip")
        y = g.qdq(y, s, f"{name}.act")
        y = g.node("MaxPool", [y], f"{name}.pool", f"{name}/MaxPool", kernel_shape=[2, 2], strides=[2, 2])
        x = g.qdq(y, s, f"{name}.pool")
    graph = helper.make_graph(
        g.nodes, title, [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], g.inits)
    model = helper.make_model(graph, producer_name="samd tools/train", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    helper.set_model_props(model, {"samd.widths": ",".join(f"{n}:W{w}A{a}" for n, w, a in widths),
                                   "samd.input": "float32 [N, 1, 28, 28], pixel / 255"})
    onnx.checker.check_model(model)
    onnx.save(model, path)
