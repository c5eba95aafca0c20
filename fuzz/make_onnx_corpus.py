#!/usr/bin/python3
"""Write the seed corpus of fuzz_onnx_import: small ONNX models covering every supported op
(Debian python3-onnx). The committed fuzz/corpus/onnx_import/ was made with: /usr/bin/python3 fuzz/make_onnx_corpus.py"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "onnx_import")


def save(name, nodes, inits, in_shape, out="y", opset=13):
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
                          [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())


def qdq(nodes, inits, x, name, scale, zp=0, dtype=np.uint8):
    inits[name + ".s"] = np.float32(scale)
    inits[name + ".z"] = dtype(zp)
    nodes.append(helper.make_node("QuantizeLinear", [x, name + ".s", name + ".z"], [name + ".q"]))
    nodes.append(helper.make_node("DequantizeLinear", [name + ".q", name + ".s", name + ".z"], [name + ".dq"]))
    return name + ".dq"


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(1)
    # float CNN: Conv, BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, Add, Flatten, Gemm
    inits = {"w1": rng.normal(size=(4, 1, 3, 3)).astype(np.float32), "b1": np.zeros(4, np.float32),
             "g": np.ones(4, np.float32), "be": np.zeros(4, np.float32), "mu": np.zeros(4, np.float32),
             "var": np.ones(4, np.float32), "w2": rng.normal(size=(4, 4, 1, 1)).astype(np.float32),
             "fc": rng.normal(size=(3, 4)).astype(np.float32), "fcb": np.zeros(3, np.float32)}
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "g", "be", "mu", "var"], ["bn"]),
             helper.make_node("Relu", ["bn"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["p", "w2"], ["c2"]),
             helper.make_node("AveragePool", ["c2"], ["a"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Add", ["a", "p"], ["s"]),
             helper.make_node("GlobalAveragePool", ["s"], ["gp"]),
             helper.make_node("Flatten", ["gp"], ["f"]),
             helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1)]
    save("float_cnn", nodes, inits, ["N", 1, 6, 6])
    # QDQ CNN with 3-bit weights, 2-bit activations (Clip), binary Gemm weights
    nodes, inits = [], {}
    x = qdq(nodes, inits, "x", "in", 1 / 255)
    inits.update({"w": rng.integers(-3, 4, size=(2, 1, 3, 3)).astype(np.int8), "w.s": np.float32([0.1, 0.2]),
                  "w.z": np.zeros(2, np.int8), "lo": np.float32(0), "hi": np.float32(0.15),
                  "fc": np.where(rng.random((2, 8)) < 0.5, -1, 1).astype(np.int8), "fc.s": np.float32(0.5)})
    nodes += [helper.make_node("DequantizeLinear", ["w", "w.s", "w.z"], ["wd"], axis=0),
              helper.make_node("Conv", [x, "wd"], ["c"], strides=[2, 2]),
              helper.make_node("Clip", ["c", "lo", "hi"], ["r"])]
    a = qdq(nodes, inits, "r", "act", 0.05)
    inits["shape"] = np.int64([0, -1])
    nodes += [helper.make_node("Reshape", [a, "shape"], ["f"]),
              helper.make_node("DequantizeLinear", ["fc", "fc.s"], ["fcd"]),
              helper.make_node("MatMul", ["f", "fcd"], ["y"])]
    inits["fc"] = inits["fc"].reshape(8, 2)
    save("qdq_cnn", nodes, inits, ["N", 1, 5, 5])
    # MLP with Identity / Dropout and a Constant node, opset 10 Clip attributes
    inits = {"w": rng.normal(size=(4, 3)).astype(np.float32)}
    nodes = [helper.make_node("Identity", ["x"], ["i"]),
             helper.make_node("Clip", ["i"], ["c"], min=0.0, max=1.0),
             helper.make_node("Dropout", ["c"], ["d"]),
             helper.make_node("Constant", [], ["b"], value=numpy_helper.from_array(np.float32([1, 2, 3]))),
             helper.make_node("MatMul", ["d", "w"], ["m"]),
             helper.make_node("Add", ["m", "b"], ["y"])]
    save("mlp_opset10", nodes, inits, ["N", 4], opset=10)


if __name__ == "__main__":
    main()
