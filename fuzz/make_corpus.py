#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ and the dictionaries fuzz/dict/*.dict.

Run from anywhere: python3 fuzz/make_corpus.py  (the output is committed; CI does not run this).
The byte formats are the ones the targets decode (fuzz/support/pick.hpp, catalog_target.hpp):
  layout = [bit 7: signed | bits - 1][guard: 0 min, 1 min+1, 2 = bits, 3 largest; bit 7 set: any]
  word   = [mode | kind << 2]: mode 1 = every lane the same edge pattern (0 zero, 1 one, 2 two,
           3 all ones, 4 all ones - 1, 5 sign bit, 6 sign bit - 1, 7 sign bit + 1);
           [3][8 bytes]: a lane mask (lane i all ones if bit i is set)
  catalogue input = [op][layout][k: 2 bytes][x][y][z][r: 8 bytes]; r, the raw word whose guard and
           padding bits reach select's mask, mul_scalar's k, broadcast's v and add_exact's fields,
           reads 0 when the input ends before it
Each seed is small and sits on a width boundary: 1, 2, 7, 8, 9, 15, 16, 17, 31, 32 bits.
"""
import os
import shutil
import struct

FUZZ = os.path.dirname(os.path.abspath(__file__))
WIDTHS_32 = [1, 2, 7, 8, 9, 15, 16, 17, 31, 32]
WIDTHS_16 = [1, 2, 3, 7, 8, 9, 15, 16]
# Catalogue ops per family, in catalogue order (the op byte indexes this list).
FAMILY_OPS = {"add": 10, "logic": 5, "shift": 4, "compare": 6, "minmax": 6, "mul": 3, "reduce": 2,
              "convert": 3, "accumulator": 1}


def layout(bits, signed, guard_class):
    return bytes([(0x80 if signed else 0) | (bits - 1), guard_class])


def edge_word(kind):
    return bytes([1 | (kind << 2)])


def lane_mask_word(select):
    return bytes([3]) + struct.pack("<Q", select)


def catalog_seeds(family, widths):
    """[op][layout][k: 2 bytes][x][y][z] for each boundary width."""
    seeds = []
    for i, bits in enumerate(widths):
        op = i % FAMILY_OPS[family]
        k = (bits - 1 + i) % (bits + 2) if family == "shift" else 0x0101 * i
        seeds.append(bytes([op]) + layout(bits, i % 2 == 1, i % 4) + struct.pack("<H", k) +
                     edge_word(3 + i % 5) + edge_word(5 + i % 3) + lane_mask_word(0x5555555555555555))
    return seeds


def raw_seeds(family, ops):
    """Catalogue seeds for the ops that read r, with r's junk in every guard and padding bit: the
    ops at guard = bits (mul_scalar's one-multiply path) and guard = min + 1, 3 and 8 bits."""
    seeds = []
    for op in ops:
        for i, bits in enumerate([3, 8]):
            r = 0xFFFFFFFFFFFFFFFF if i == 0 else 0xAAAAAAAAAAAAAAAA
            seeds.append(bytes([op]) + layout(bits, i == 1, 2 - i) + struct.pack("<H", 0) +
                         edge_word(3) + edge_word(5) + lane_mask_word(0x5555555555555555) +
                         struct.pack("<Q", r))
    return seeds


def convert_seeds():
    seeds = [b"\x00" + s for s in catalog_seeds("convert", WIDTHS_32)]
    pairs = [(8, False, 16, False), (16, True, 8, True), (32, True, 1, False), (1, False, 32, True),
             (8, True, 8, False), (8, False, 8, True), (7, True, 9, True), (17, False, 15, False)]
    for i, (fb, fs, tb, ts) in enumerate(pairs):
        nwords = 1 + i % 3
        words = b"".join(edge_word((3 + i + w) % 8) for w in range(nwords))
        seeds.append(b"\x01" + layout(fb, fs, i % 4) + layout(tb, ts, (i + 1) % 4) +
                     bytes([i % 3, nwords]) + words)
    return seeds


def add_seeds():
    seeds = [b"\x00" + s for s in catalog_seeds("add", WIDTHS_32)]
    for i, bits in enumerate([1, 8, 31, 32]):
        seeds.append(b"\x01" + layout(bits, i % 2 == 0, i % 4) + edge_word(3) + edge_word(5))
    seeds += [b"\x00" + s for s in raw_seeds("add", [9])]  # add_exact
    return seeds


def pack_seeds():
    def value(selector, offset=0):  # pick_value: selector % 8, offset = selector >> 3
        return bytes([selector | (offset << 3)])
    edges = value(1, 1) + value(2, 1) + value(3) + value(4) + value(1) + value(2)
    extremes = b"".join(value(5, k) for k in range(8))
    seeds = []
    for i, bits in enumerate(WIDTHS_32):
        body = edges if i % 2 == 0 else extremes
        body += b"\x06\xff" + b"\x00" + struct.pack("<q", -(1 << (bits - 1)) - 1)
        seeds.append(layout(bits, i % 2 == 1, i % 4) + bytes([i % 3]) + body)
    seeds.append(layout(8, True, 0) + b"\x00")  # no values at all
    return seeds


def accumulator_seeds():
    seeds = [b"\x00" + s for s in catalog_seeds("accumulator", WIDTHS_16)]
    at_capacity = struct.pack("<H", 0x8000)
    for i, bits in enumerate([1, 2, 8, 16, 31, 32]):  # SumAccumulator to its capacity + 1
        seeds.append(b"\x01" + layout(bits, i % 2 == 1, i % 2) + at_capacity + bytes([i % 3]))
    for i, bits in enumerate([1, 2, 8, 15, 16]):  # DotAccumulator to its capacity + 1
        seeds.append(b"\x02" + layout(bits, i % 2 == 1, 0) + bytes([i % 4]) + at_capacity + bytes([i % 4]))
    for bits, guard, acc_guard in [(0, 8, 0), (16, 0, 32), (16, 0, 33), (17, 0, 0), (32, 32, 0), (33, 1, 1)]:
        seeds.append(b"\x03" + bytes([bits, guard, acc_guard]))
    return seeds


def pack_dict():
    """int64 values for pick_value's raw mode (selector 0 + 8 bytes, little-endian)."""
    values = []
    for j in [7, 8, 15, 16, 31, 32, 62]:
        values += [1 << j, (1 << j) - 1, -(1 << j), -(1 << j) - 1]
    values += [-(1 << 63), (1 << 63) - 1]
    return ['"\\x00%s"' % "".join("\\x%02x" % b for b in struct.pack("<q", v)) for v in sorted(set(values))]


def write(target, seeds):
    out = os.path.join(FUZZ, "corpus", target)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for i, seed in enumerate(seeds):
        with open(os.path.join(out, "seed-%02d" % i), "wb") as f:
            f.write(seed)


# ---- Kernel targets (fuzz/support/kernel_inputs.hpp, conv_case.hpp): seeds that reach the SIMD
# kernels' register blocks and K boundaries, added next to the committed random seeds (seed-N).
def u16(v):
    return struct.pack("<H", v)


def klayout(bits, signed):  # kernel_layout: [bits - 1 | signed << 3]
    return bytes([(bits - 1) | (8 if signed else 0)])


def krange(value, lo):  # in_range(lo, hi): lo + u16 % (hi - lo + 1); value - lo < the range
    return u16(value - lo)


def ktensor(mode, seed=0, channels=1):
    """[scale][zero point: u16] per channel, then [mode]: 0 min, 1 max, 4 xorshift (8-byte seed),
    5 extremes pattern (2-byte seed). Zero point offset 0: the layout's minimum."""
    body = (bytes([7]) + u16(0)) * channels + bytes([mode])
    if mode == 4:
        body += struct.pack("<Q", seed)
    elif mode == 5:
        body += u16(seed & 0xFFFF)
    return body


def gemm_seed(ab, asg, wb, wsg, M, N, k_bytes, large, mode=4, per_channel=False, bias=False, requant=False):
    b = klayout(ab, asg) + klayout(wb, wsg) + krange(M, 1) + krange(N, 1) + k_bytes
    b += bytes([0 if large else 1]) + krange(5, 1) + bytes([1 if per_channel else 0])
    b += ktensor(mode, 0x9E3779B97F4A7C15) + ktensor(mode, 0xD1B54A32D192ED03, N if per_channel else 1)
    b += bytes([1 if bias else 0]) + (u16(0x7FFF) * N if bias else b"")
    b += bytes([0x12])  # prepared: storage too large, second call, both overloads
    b += bytes([0 if requant else 1]) + (klayout(4, False) + bytes([20]) + u16(3) if requant else b"")
    return b


def k_exact(k):  # pick_k mode 0 (k <= 160) or 3 (any k <= 2100)
    return bytes([0]) + krange(k, 1) if k <= 160 else bytes([3]) + krange(k, 1)


def k_edge(index, delta):  # pick_k mode 1: {4, 32, 64, 128, 256, 512, 1024, 1984, 24, 576}[index] + delta
    return bytes([1, index, delta + 3])


def gemm_seeds():
    return [
        gemm_seed(1, False, 1, False, 6, 32, k_exact(10), False),           # W1A1 6 x 32 block
        gemm_seed(1, True, 1, True, 13, 40, k_edge(3, 1), True),            # W1A1, K 129, row tail
        gemm_seed(2, False, 2, True, 4, 32, k_edge(2, 1), True, bias=True), # W2A2 2 x 32 blocks
        gemm_seed(1, False, 2, False, 3, 33, k_edge(2, -1), True),          # W2A1, N past 32
        gemm_seed(8, False, 8, True, 24, 16, k_exact(85), True),            # Dot8 GEMM, 2 row groups
        gemm_seed(4, True, 3, False, 8, 16, k_exact(16), False, per_channel=True),  # Dot8 at 8 rows
        gemm_seed(8, True, 5, True, 7, 40, k_edge(5, 3), True),             # GEMV, K 515
        gemm_seed(1, False, 1, False, 1, 16, k_edge(7, 2), True),           # AVX2 u8 counts, K 1986
        gemm_seed(8, False, 8, True, 16, 2, k_edge(6, 0), True, mode=1),    # extremes, K 1024 chunk
        gemm_seed(6, False, 7, True, 9, 17, k_exact(33), False, mode=5, requant=True),
        # Lut64 (its last byte's top bit forces it at these shapes): a 5-row tile and the tail chunk,
        # rows 5 + 6 at K 27, the GEMV at K 577.
        gemm_seed(2, False, 2, True, 5, 40, k_edge(8, -1), True, mode=1) + bytes([0x80]),
        gemm_seed(2, True, 2, False, 11, 40, k_edge(8, 3), True, bias=True) + bytes([0x80]),
        gemm_seed(2, False, 2, True, 1, 28, k_edge(9, 1), True) + bytes([0x80]),
        # AVX2 table lookup from 32 rows (the last byte's bit 6 adds 32 to M): W1A1 in paired rows,
        # 35 rows (a lone last row) past a u8 chunk (K 257: 65 steps), 38 rows all-max at K 33, 36
        # rows x 40 columns at K 7.
        gemm_seed(1, False, 1, False, 3, 1, k_edge(4, 1), True) + bytes([0x40]),
        gemm_seed(1, True, 1, False, 6, 12, k_exact(33), True, mode=1) + bytes([0x40]),
        gemm_seed(1, False, 1, True, 4, 40, k_exact(7), True, bias=True) + bytes([0x40]),
    ]


def conv_seed(two, wide, batch, nhwc, large, ab, asg, wb, wsg, groups, cg, og, kh, kw, h, w, stride=(1, 1),
              dil=(1, 1), pads=(1, 1, 1, 1), mode=4, pooled=True, out=(1, False), pool=None):
    flags = (0 if two else 1) | (4 if wide else 0) | (8 if batch else 0) | (16 if nhwc else 0) | (0xE0 if large else 0)
    b = bytes([flags]) + klayout(ab, asg)
    if not two:
        b += klayout(wb, wsg) + krange(groups, 1)
    b += krange(cg, 1) + krange(og, 1) + krange(kh, 1) + krange(kw, 1) + krange(h, 1) + krange(w, 1)
    b += krange(stride[0], 1) + krange(stride[1], 1) + krange(dil[0], 1) + krange(dil[1], 1)
    b += b"".join(krange(p, 0) for p in pads)
    b += ktensor(mode, 0x9E3779B97F4A7C15)
    if not two:
        b += bytes([0]) + ktensor(mode, 0xD1B54A32D192ED03) + bytes([1]) + u16(0x8000 + 77) * (groups * og)
    else:  # range 1 (v1 = v0 + 2), v0 = -1, zw = 0; biases; weight scale
        b += bytes([1, 3, 3]) + ktensor(mode, 0xD1B54A32D192ED03) + u16(1000 + 5) * og + bytes([9])
    return b, pooled, out, pool


def conv_tail(pooled, out, pool, fused_target=False):
    bits, signed = out
    rq = bytes([0]) if bits == 1 and not signed else (bytes([1 | (4 if signed else 0)]) if bits == 2 else bytes([2]) + klayout(bits, signed))
    rq += bytes([40]) + u16(0)
    if fused_target:
        return rq
    b = bytes([1 if pooled else 0]) + rq
    if pooled:
        b += bytes([0]) if pool is None else bytes([1]) + b"".join(u16(v) for v in pool)
    return b


def conv_cases():
    return [
        # tap-wise bit-serial (1-bit activations, C <= 32), 8-channel blocks, bit-plane max pool
        conv_seed(False, True, False, False, True, 1, False, 1, True, 1, 24, 9, 3, 3, 10, 12),
        # pairs of taps (C <= 16, KW >= 2), two images, NHWC
        conv_seed(False, True, True, True, True, 1, True, 2, False, 1, 16, 12, 3, 2, 6, 9, out=(2, False)),
        # row-padded Dot8, 8 + 4 + 1 channel blocks, more than 16 pixels
        conv_seed(False, True, False, False, True, 8, False, 8, True, 1, 40, 13, 3, 3, 8, 10, out=(8, False)),
        # groups, dilation, stride
        conv_seed(False, True, True, True, True, 4, True, 3, True, 2, 17, 5, 3, 3, 9, 11, stride=(2, 1), dil=(1, 2)),
        # two-level +-1-style weights, 1-bit outputs, fused pool
        conv_seed(True, True, False, False, True, 1, False, 1, False, 1, 32, 8, 3, 3, 8, 8),
        conv_seed(True, True, True, True, False, 8, True, 1, False, 1, 20, 4, 3, 3, 3, 3, out=(2, True)),
        conv_seed(True, False, False, False, False, 4, False, 1, False, 1, 3, 3, 2, 2, 6, 6, pooled=False),
        # other pool window
        conv_seed(False, True, False, False, False, 2, False, 2, True, 1, 12, 6, 1, 1, 7, 7,
                  pool=(2, 3, 1, 2, 1, 1, 1, 0, 1, 0)),
    ]


def lut64_conv_cases():
    """W2A2, 3-wide kernels, the last byte forcing the LUT64 conv (fuzz_kernels_conv forced_algo)."""
    cases = [
        # NHWC, two images, channels padded to 8 (5 + 3), 9 output channels
        conv_seed(False, True, True, True, True, 2, False, 2, True, 1, 5, 9, 3, 3, 6, 9),
        # NCHW, 2 groups, y dilation and stride, asymmetric padding
        conv_seed(False, True, False, False, True, 2, True, 2, False, 2, 4, 3, 2, 3, 7, 8,
                  stride=(2, 1), dil=(2, 1), pads=(0, 1, 2, 0), pooled=False),
    ]
    return [c + conv_tail(p, o, q) + bytes([0x80]) for c, p, o, q in cases]


def pool_fused_seeds():
    """The pool target's bytes (layout, 2x2 / 2 window, a small input) then a fused convolution."""
    seeds = []
    for i, (case, pooled, out, pool) in enumerate(conv_cases()[:5]):
        head = klayout(4, False) + krange(2, 1) + krange(2, 1) + krange(2, 1) + krange(2, 1) + krange(1, 1) * 2
        head += krange(0, 0) * 4 + bytes([0, 0]) + krange(2, 1) + krange(4, 1) + krange(4, 1) + bytes([0])
        head += ktensor(4, 0x1234567 + i) + bytes([1])
        seeds.append(head + case + bytes([1]) + conv_tail(pooled, out, pool, fused_target=True))
    return seeds


def add_kernel_seeds(target, prefix, seeds):
    """Writes seeds as <prefix>-NN, replacing earlier ones of that prefix only."""
    out = os.path.join(FUZZ, "corpus", target)
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith(prefix + "-"):
            os.remove(os.path.join(out, name))
    for i, seed in enumerate(seeds):
        with open(os.path.join(out, "%s-%02d" % (prefix, i)), "wb") as f:
            f.write(seed)


def kernel_seeds():
    add_kernel_seeds("kernels_gemm", "blocks", gemm_seeds())
    add_kernel_seeds("kernels_conv", "direct", [c + conv_tail(p, o, q) for c, p, o, q in conv_cases()])
    add_kernel_seeds("kernels_conv", "lut64", lut64_conv_cases())
    add_kernel_seeds("kernels_pool", "fused", pool_fused_seeds())


def main():
    write("logic", catalog_seeds("logic", WIDTHS_32))
    write("shift", catalog_seeds("shift", WIDTHS_32))
    write("compare", catalog_seeds("compare", WIDTHS_32))
    write("minmax", catalog_seeds("minmax", WIDTHS_32) + raw_seeds("minmax", [0, 5]))  # select, broadcast
    write("mul", catalog_seeds("mul", WIDTHS_16) + raw_seeds("mul", [1]))  # mul_scalar
    write("reduce", catalog_seeds("reduce", WIDTHS_32))
    write("add", add_seeds())
    write("convert", convert_seeds())
    write("pack", pack_seeds())
    write("accumulator", accumulator_seeds())
    kernel_seeds()
    os.makedirs(os.path.join(FUZZ, "dict"), exist_ok=True)
    with open(os.path.join(FUZZ, "dict", "pack.dict"), "w") as f:
        f.write("# int64 values at the edges of every lane width, in pick_value's raw encoding.\n")
        f.write("# Generated by fuzz/make_corpus.py.\n")
        f.write("\n".join(pack_dict()) + "\n")


if __name__ == "__main__":
    main()
