// Bytes: reads the fuzzer's input front to back. Reading past the end yields zeros, so every
// input, however short, decodes to some test case and a fuzzer never has to "guess a length".
#pragma once

#include <cstddef>
#include <cstdint>

namespace samd::fuzz {

class Bytes {
public:
  Bytes(const std::uint8_t *data, std::size_t size) : data_(data), size_(size) {}

  std::uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (unsigned{u8()} << 8)); }
  std::uint64_t u64() { // little-endian
    std::uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i)
      v |= std::uint64_t{u8()} << (8 * i);
    return v;
  }
  bool empty() const { return pos_ >= size_; }

private:
  const std::uint8_t *data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

} // namespace samd::fuzz
