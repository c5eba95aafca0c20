// The SIMD paths' weight formats, one row at a time: PackedWeights builds only the format a path
// reads, on first use, from whichever format it already holds (get_row of that one, put_row of
// the new one), so no int64 or byte copy of all the weights is ever made.
#include <algorithm>
#include <stdexcept>

#include <samd/kernels/fast_bounds.hpp>

#include "fast_gemm.hpp"

namespace samd::kernels::detail::fast {

const char *to_string(WeightFormat f) {
  switch (f) {
  case WeightFormat::Source:
    return "source";
  case WeightFormat::Swar:
    return "swar";
  case WeightFormat::Planes:
    return "planes";
  case WeightFormat::IPlanes:
    return "iplanes";
  case WeightFormat::Streams:
    return "streams";
  case WeightFormat::PStreams:
    return "pstreams";
  case WeightFormat::Nibbles:
    return "nibbles";
  }
  return "?";
}

namespace {
// The parts a width is stored in (dot8_parts), as a list.
std::vector<unsigned> parts_of(unsigned wb) {
  std::vector<unsigned> parts;
  for (unsigned p : dot8_parts(wb))
    if (p != 0)
      parts.push_back(p);
  return parts;
}

// Byte `byte` of vector s (0..7) of a packed group of 8 vectors at `block` gets the parts of vb
// (put_parts), or gives them back (get_parts).
void put_parts(const std::vector<unsigned> &parts, std::uint8_t *block, unsigned s,
               std::int64_t byte, std::uint8_t vb) {
  unsigned off = 0;
  for (unsigned p : parts) {
    const unsigned per = 8 / p, t = s / per, sh = (s % per) * p;
    const auto bits = static_cast<std::uint8_t>((vb >> off) & ((1u << p) - 1));
    block[t * 64 + static_cast<unsigned>(byte)] |= static_cast<std::uint8_t>(bits << sh);
    off += p;
    block += 64 * p;
  }
}
std::uint8_t get_parts(const std::vector<unsigned> &parts, const std::uint8_t *block, unsigned s,
                       std::int64_t byte) {
  unsigned off = 0, vb = 0;
  for (unsigned p : parts) {
    const unsigned per = 8 / p, t = s / per, sh = (s % per) * p;
    vb |= ((block[t * 64 + static_cast<unsigned>(byte)] >> sh) & ((1u << p) - 1)) << off;
    off += p;
    block += 64 * p;
  }
  return static_cast<std::uint8_t>(vb);
}

// Where (n, k) sits in the byte formats: the group of 8 vectors, the vector and the byte.
struct BytePos {
  std::size_t group;
  unsigned s;
  std::int64_t byte;
};
BytePos stream_pos(const FastWeights &w, std::int64_t n, std::int64_t k) {
  return {static_cast<std::size_t>(n) * w.stream_row_bytes +
              static_cast<std::size_t>(k / kSuperBlock * 64 * w.wb),
          static_cast<unsigned>((k % kSuperBlock) / 64), k % 64};
}
BytePos pstream_pos(const FastWeights &w, std::int64_t n, std::int64_t k) {
  const std::int64_t q = k / 4; // vector q, byte 4 * (n % 16) + k % 4
  return {static_cast<std::size_t>(n / kPanel) * w.pstream_panel_bytes +
              static_cast<std::size_t>(q / 8 * 64 * w.wb),
          static_cast<unsigned>(q % 8), 4 * (n % kPanel) + k % 4};
}

// The word of plane j holding (n, k) in the plane formats.
std::size_t plane_word(const FastWeights &w, std::int64_t n, unsigned j, std::int64_t k) {
  return static_cast<std::size_t>((n * w.wb + j) * (w.kpad / 64) + k / 64);
}
std::size_t iplane_word(const FastWeights &w, std::int64_t n, unsigned j, std::int64_t k) {
  return static_cast<std::size_t>((((n / 8) * w.wb + j) * w.iwords + k / 64) * 8 + n % 8);
}
// Where (n, k) sits in the Lut format: the byte, and the shift of its wb bits in it (step s = k /
// g in vector s / 2, nibble s % 2; weight k % g of the nibble).
struct NibblePos {
  std::size_t byte;
  unsigned shift;
};
NibblePos nibble_pos(const FastWeights &w, std::int64_t n, std::int64_t k) {
  const std::int64_t g = lut_group(w.wb), s = k / g;
  return {lut_byte(w, n, s / 2), static_cast<unsigned>((s % 2) * 4 + (k % g) * w.wb)};
}
} // namespace

FastWeights weight_params(const Layout &wl, std::int64_t N, std::int64_t K) {
  FastWeights f;
  f.n = N;
  f.k = K;
  f.kpad = std::max<std::int64_t>(kSuperBlock, (K + kSuperBlock - 1) / kSuperBlock * kSuperBlock);
  f.wb = wl.bits;
  f.plane_offset = wl.min_value();
  f.iwords = std::max<std::int64_t>(1, (K + 63) / 64);
  // Bytes: unsigned offsets fit s8 up to 7 bits; 8-bit weights are stored as signed bytes.
  f.byte_offset = f.wb >= 8 ? (wl.is_signed() ? 0 : 128) : wl.min_value();
  f.parts = parts_of(f.wb);
  f.stream_row_bytes = static_cast<std::size_t>(f.kpad / kSuperBlock * 64 * f.wb);
  f.pstream_panel_bytes =
      static_cast<std::size_t>(std::max<std::int64_t>(1, (K + 31) / 32) * 64 * f.wb);
  if (f.wb == 1 || f.wb == 2) { // the Lut format's weights (lut_pair)
    const std::int64_t steps = (K + lut_group(f.wb) - 1) / lut_group(f.wb);
    f.lut_vectors = (steps + 1) / 2;
  }
  return f;
}

std::size_t format_bytes(const FastWeights &w, WeightFormat f) {
  const auto N = static_cast<std::size_t>(w.n);
  switch (f) {
  case WeightFormat::Planes:
    return N * w.wb * static_cast<std::size_t>(w.kpad / 64) * sizeof(std::uint64_t);
  case WeightFormat::IPlanes:
    return (N + 7) / 8 * 8 * w.wb * static_cast<std::size_t>(w.iwords) * sizeof(std::uint64_t);
  case WeightFormat::Streams:
    return N * w.stream_row_bytes;
  case WeightFormat::PStreams:
    return (N + kPanel - 1) / kPanel * w.pstream_panel_bytes;
  case WeightFormat::Nibbles:
    if (w.wb != 1 && w.wb != 2)
      throw std::logic_error("samd: format_bytes: the nibbles format holds 1- or 2-bit weights");
    // Whole panels, and a last one of 32 or 64 columns (lut_panel_width).
    return (N / kLutPanel * kLutPanel +
            (N % kLutPanel == 0 ? 0 : (N % kLutPanel <= kLutPanel / 2 ? 32 : 64))) *
           static_cast<std::size_t>(w.lut_vectors);
  default:
    throw std::logic_error("samd: format_bytes: not a SIMD weight format");
  }
}

void allocate_format(FastWeights &w, WeightFormat f) {
  const std::size_t bytes = format_bytes(w, f);
  switch (f) {
  case WeightFormat::Planes:
    w.planes.assign(bytes / sizeof(std::uint64_t), 0);
    return;
  case WeightFormat::IPlanes:
    w.iplanes.assign(bytes / sizeof(std::uint64_t), 0);
    return;
  case WeightFormat::Streams:
    w.streams.assign(bytes, 0);
    return;
  case WeightFormat::PStreams:
    w.pstreams.assign(bytes, 0);
    return;
  case WeightFormat::Nibbles:
    w.nibbles.assign(bytes, 0);
    return;
  default:
    throw std::logic_error("samd: allocate_format: not a SIMD weight format");
  }
}

std::size_t built_bytes(const FastWeights &w, WeightFormat f) {
  switch (f) {
  case WeightFormat::Planes:
    return w.planes.size() * sizeof(std::uint64_t);
  case WeightFormat::IPlanes:
    return w.iplanes.size() * sizeof(std::uint64_t);
  case WeightFormat::Streams:
    return w.streams.size();
  case WeightFormat::PStreams:
    return w.pstreams.size();
  case WeightFormat::Nibbles:
    return w.nibbles.size();
  default:
    return 0;
  }
}

void put_row(FastWeights &w, WeightFormat f, std::int64_t n, const std::int64_t *row) {
  for (std::int64_t k = 0; k < w.k; ++k) {
    const auto u = static_cast<std::uint64_t>(row[k] - w.plane_offset);
    const auto vb = static_cast<std::uint8_t>(row[k] - w.byte_offset); // two's complement byte
    switch (f) {
    case WeightFormat::Planes:
      for (unsigned j = 0; j < w.wb; ++j)
        w.planes[plane_word(w, n, j, k)] |= ((u >> j) & 1u) << (k % 64);
      break;
    case WeightFormat::IPlanes:
      for (unsigned j = 0; j < w.wb; ++j)
        w.iplanes[iplane_word(w, n, j, k)] |= ((u >> j) & 1u) << (k % 64);
      break;
    case WeightFormat::Streams: {
      const BytePos p = stream_pos(w, n, k);
      put_parts(w.parts, w.streams.data() + p.group, p.s, p.byte, vb);
      break;
    }
    case WeightFormat::PStreams: {
      const BytePos p = pstream_pos(w, n, k);
      put_parts(w.parts, w.pstreams.data() + p.group, p.s, p.byte, vb);
      break;
    }
    case WeightFormat::Nibbles: {
      const NibblePos p = nibble_pos(w, n, k);
      w.nibbles[p.byte] = static_cast<std::uint8_t>(w.nibbles[p.byte] | (u << p.shift));
      break;
    }
    default:
      throw std::logic_error("samd: put_row: not a SIMD weight format");
    }
  }
}

void get_row(const FastWeights &w, WeightFormat f, std::int64_t n, std::int64_t *row) {
  for (std::int64_t k = 0; k < w.k; ++k) {
    std::uint64_t u = 0;
    std::uint8_t vb = 0;
    switch (f) {
    case WeightFormat::Planes:
      for (unsigned j = 0; j < w.wb; ++j)
        u |= ((w.planes[plane_word(w, n, j, k)] >> (k % 64)) & 1u) << j;
      row[k] = static_cast<std::int64_t>(u) + w.plane_offset;
      continue;
    case WeightFormat::IPlanes:
      for (unsigned j = 0; j < w.wb; ++j)
        u |= ((w.iplanes[iplane_word(w, n, j, k)] >> (k % 64)) & 1u) << j;
      row[k] = static_cast<std::int64_t>(u) + w.plane_offset;
      continue;
    case WeightFormat::Nibbles: {
      const NibblePos p = nibble_pos(w, n, k);
      u = (w.nibbles[p.byte] >> p.shift) & ((1u << w.wb) - 1);
      row[k] = static_cast<std::int64_t>(u) + w.plane_offset;
      continue;
    }
    case WeightFormat::Streams: {
      const BytePos p = stream_pos(w, n, k);
      vb = get_parts(w.parts, w.streams.data() + p.group, p.s, p.byte);
      break;
    }
    case WeightFormat::PStreams: {
      const BytePos p = pstream_pos(w, n, k);
      vb = get_parts(w.parts, w.pstreams.data() + p.group, p.s, p.byte);
      break;
    }
    default:
      throw std::logic_error("samd: get_row: not a SIMD weight format");
    }
    // Below 8 bits v = w - byte_offset is in [0, 2^wb); 8-bit weights are a signed byte.
    const std::int64_t v = w.wb >= 8 ? static_cast<std::int8_t>(vb) : vb;
    row[k] = v + w.byte_offset;
  }
}

} // namespace samd::kernels::detail::fast
