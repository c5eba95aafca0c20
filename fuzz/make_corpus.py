#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ and the dictionaries fuzz/dict/*.dict.

Run from anywhere: python3 fuzz/make_corpus.py  (the output is committed; CI does not run this).
The byte formats are the ones the targets decode (fuzz/support/pick.hpp, catalog_target.hpp):
  layout = [bit 7: signed | bits - 1][guard: 0 min, 1 min+1, 2 = bits, 3 largest; bit 7 set: any]
  word   = [mode | kind << 2]: mode 1 = every lane the same edge pattern (0 zero, 1 one, 2 two,
           3 all ones, 4 all ones - 1, 5 sign bit, 6 sign bit - 1, 7 sign bit + 1);
           [3][8 bytes]: a lane mask (lane i all ones if bit i is set)
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


def main():
    write("logic", catalog_seeds("logic", WIDTHS_32))
    write("shift", catalog_seeds("shift", WIDTHS_32))
    write("compare", catalog_seeds("compare", WIDTHS_32))
    write("minmax", catalog_seeds("minmax", WIDTHS_32))
    write("mul", catalog_seeds("mul", WIDTHS_16))
    write("reduce", catalog_seeds("reduce", WIDTHS_32))
    write("add", add_seeds())
    write("convert", convert_seeds())
    write("pack", pack_seeds())
    write("accumulator", accumulator_seeds())
    os.makedirs(os.path.join(FUZZ, "dict"), exist_ok=True)
    with open(os.path.join(FUZZ, "dict", "pack.dict"), "w") as f:
        f.write("# int64 values at the edges of every lane width, in pick_value's raw encoding.\n")
        f.write("# Generated by fuzz/make_corpus.py.\n")
        f.write("\n".join(pack_dict()) + "\n")


if __name__ == "__main__":
    main()
