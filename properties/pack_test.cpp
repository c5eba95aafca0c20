// pack.hpp: packing int arrays into words and back, lane access, and the three overflow
// policies (Error by default) against samd::ref.
#include <optional>

#include "harness.hpp"
#include "samd/pack.hpp"

using namespace samd;
using namespace samd::props;

namespace {

// Every lane of `words` in sequence order (guard bits ignored).
LaneValues read_all(const Layout &L, const std::vector<std::uint64_t> &words) {
  LaneValues v;
  for (std::uint64_t w : words)
    for (std::int64_t x : lanes_of(L, w))
      v.push_back(x);
  return v;
}

std::optional<std::size_t> first_out_of_range(const Layout &L, const LaneValues &v) {
  for (std::size_t k = 0; k < v.size(); ++k)
    if (!ref::in_range(L, v[k]))
      return k;
  return std::nullopt;
}

rc::Gen<LaneValues> values(const Layout &L, bool in_range) {
  return rc::gen::container<LaneValues>(*rc::gen::inRange<std::size_t>(0, 3 * L.lanes() + 2),
                                        in_range ? lane(L) : any_value(L));
}

} // namespace

TEST_CASE("pack/unpack round trip for any count; tail lanes 0; words canonical", "[pack]") {
  each_layout(layouts(32), "pack/unpack round trip", [](const Layout &L) {
    const LaneValues v = *values(L, true);
    const std::vector<std::uint64_t> words = pack(L, v);
    RC_ASSERT(words.size() == words_for(L, v.size()));
    RC_ASSERT(words.size() == (v.size() + L.lanes() - 1) / L.lanes());
    for (std::uint64_t w : words)
      RC_ASSERT(canonical(L, w));
    LaneValues want = v;
    want.resize(words.size() * L.lanes(), 0);
    RC_ASSERT(read_all(L, words) == want);
    RC_ASSERT(unpack(L, words, v.size()) == v);
    for (std::size_t k = 0; k < v.size(); ++k)
      RC_ASSERT(get_lane(L, words[k / L.lanes()], unsigned(k % L.lanes())) == v[k]);
    if (v.size() <= L.lanes())
      RC_ASSERT(pack_word(L, v) == (v.empty() ? 0 : words[0]));
  });
}

TEST_CASE("pack follows the Wrap and Saturate policies; Error names the index and value",
          "[pack][policy]") {
  each_layout(layouts(32), "pack policies", [](const Layout &L) {
    const LaneValues v = *values(L, false);
    LaneValues wrapped, saturated;
    for (std::int64_t x : v)
      wrapped.push_back(ref::wrap(L, x)), saturated.push_back(ref::saturate(L, x));
    RC_ASSERT(unpack(L, pack(L, v, Overflow::Wrap), v.size()) == wrapped);
    RC_ASSERT(unpack(L, pack(L, v, Overflow::Saturate), v.size()) == saturated);
    if (v.size() <= L.lanes()) {
      RC_ASSERT(pack_word(L, v, Overflow::Wrap) == word_of(L, wrapped));
      RC_ASSERT(pack_word(L, v, Overflow::Saturate) == word_of(L, saturated));
    }
    const std::vector<std::uint64_t> before = {0x5eed};
    std::vector<std::uint64_t> out = before;
    const auto bad = first_out_of_range(L, v);
    try {
      out = pack(L, v);
    } catch (const std::out_of_range &e) {
      RC_ASSERT(bad.has_value());
      const std::string msg = e.what();
      RC_ASSERT(msg.find("value " + std::to_string(v[*bad]) + " at index " +
                         std::to_string(*bad)) != std::string::npos);
      RC_ASSERT(msg.find(std::to_string(L.max_value())) != std::string::npos);
      RC_ASSERT(out == before); // nothing was produced
      return;
    }
    RC_ASSERT(!bad.has_value());
    RC_ASSERT(unpack(L, out, v.size()) == v);
  });
}

TEST_CASE("encode_lane / decode_lane / broadcast_value under every policy", "[pack][policy]") {
  each_layout(layouts(32), "encode_lane", [](const Layout &L) {
    const std::int64_t v = *any_value(L);
    const std::size_t index = *rc::gen::inRange<std::size_t>(0, 1000);
    RC_ASSERT(encode_lane(L, v, Overflow::Wrap, index) == ref::pattern(L, v));
    RC_ASSERT(encode_lane(L, v, Overflow::Saturate, index) == ref::pattern(L, ref::saturate(L, v)));
    RC_ASSERT(decode_lane(L, encode_lane(L, v, Overflow::Wrap)) == ref::wrap(L, v));
    RC_ASSERT(broadcast_value(L, v, Overflow::Saturate) == splat(L, ref::saturate(L, v)));
    RC_ASSERT(broadcast_value(L, v, Overflow::Wrap) == splat(L, ref::wrap(L, v)));
    if (ref::in_range(L, v)) {
      RC_ASSERT(encode_lane(L, v, Overflow::Error, index) == ref::pattern(L, v));
      RC_ASSERT(broadcast_value(L, v) == splat(L, v));
      return;
    }
    try {
      (void)encode_lane(L, v, Overflow::Error, index);
      RC_FAIL("encode_lane(Error) accepted " + std::to_string(v));
    } catch (const std::out_of_range &e) {
      RC_ASSERT(std::string(e.what()).find("value " + std::to_string(v) + " at index " +
                                           std::to_string(index)) != std::string::npos);
    }
    try {
      (void)broadcast_value(L, v);
      RC_FAIL("broadcast_value(Error) accepted " + std::to_string(v));
    } catch (const std::out_of_range &) {
    }
  });
}

TEST_CASE("encode_lane, exhaustive around the range for widths <= 4", "[pack][exhaustive]") {
  for (const Layout &L : layouts(4)) {
    std::string d;
    for (std::int64_t v = L.min_value() - 20; v <= L.max_value() + 20 && d.empty(); ++v) {
      const bool in = ref::in_range(L, v);
      if (encode_lane(L, v, Overflow::Wrap) != ref::pattern(L, v))
        d = "Wrap " + std::to_string(v);
      if (encode_lane(L, v, Overflow::Saturate) != ref::pattern(L, ref::saturate(L, v)))
        d = "Saturate " + std::to_string(v);
      try {
        if (encode_lane(L, v, Overflow::Error, 7) != ref::pattern(L, v) || !in)
          d = "Error accepted " + std::to_string(v);
      } catch (const std::out_of_range &) {
        if (in)
          d = "Error refused " + std::to_string(v);
      }
    }
    INFO(label(L) << ": " << d);
    CHECK(d.empty());
  }
}

TEST_CASE("get_lane, unpack_word and is_canonical ignore / detect guard bits", "[pack]") {
  each_layout(layouts(32), "lane access on any word", [](const Layout &L) {
    const std::uint64_t w = *any_word();
    RC_ASSERT(unpack_word(L, w) == lanes_of(L, w));
    for (unsigned i = 0; i < L.lanes(); ++i)
      RC_ASSERT(get_lane(L, w, i) == lane_value(L, w, i));
    RC_ASSERT(is_canonical(L, w) == canonical(L, w));
    RC_ASSERT(is_canonical(L, w & value_bits(L)));
  });
}

TEST_CASE("pack rejects bad input with messages naming the value and the limit",
          "[pack][bad-input]") {
  const Layout u4{4, 0, Signedness::Unsigned}, s8{8, 0, Signedness::Signed};
  const LaneValues v = {1, 2, 16, 3};
  CHECK_THROWS_AS(pack(u4, v), std::out_of_range);
  CHECK_THROWS_WITH(pack(u4, v),
                    Catch::Contains("value 16 at index 2") && Catch::Contains("[0, 15]"));
  CHECK_THROWS_WITH(pack(s8, LaneValues{0, -129}),
                    Catch::Contains("value -129 at index 1") && Catch::Contains("[-128, 127]"));
  CHECK_THROWS_WITH(pack_word(u4, LaneValues(17, 0)),
                    Catch::Contains("17 values") && Catch::Contains("16 lanes"));
  CHECK_THROWS_WITH(get_lane(s8, 0, 8), Catch::Contains("lane 8") && Catch::Contains("8 lanes"));
  const std::vector<std::uint64_t> one = {0};
  CHECK_THROWS_WITH(unpack(s8, one, 9), Catch::Contains("count 9") && Catch::Contains("8 lanes"));
  CHECK(pack_word(u4, LaneValues{}) == 0);
  CHECK(pack(u4, LaneValues{}).empty());
  for (const Layout &bad : {Layout{0, 0, Signedness::Unsigned}, Layout{33, 0, Signedness::Signed},
                            Layout{8, 57, Signedness::Unsigned}}) {
    CHECK_THROWS_AS(pack(bad, LaneValues{0}), std::invalid_argument);
    CHECK_THROWS_AS(unpack(bad, one, 0), std::invalid_argument);
    CHECK_THROWS_AS(broadcast_value(bad, 0), std::invalid_argument);
  }
}

TEST_CASE("pack/unpack round trip at every guard (sweep)", "[pack][sweep]") {
  any_layout(kMaxBits, "pack/unpack round trip", [](const Layout &L) {
    const LaneValues v = *values(L, true);
    const std::vector<std::uint64_t> words = pack(L, v);
    for (std::uint64_t w : words)
      RC_ASSERT(canonical(L, w));
    LaneValues want = v;
    want.resize(words.size() * L.lanes(), 0);
    RC_ASSERT(read_all(L, words) == want);
    RC_ASSERT(unpack(L, words, v.size()) == v);
  });
}
