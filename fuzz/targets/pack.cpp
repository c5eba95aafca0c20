// fuzz_pack: packing arbitrary int64 arrays (any length, any value) into words and back, under
// every overflow policy, against ref::wrap / ref::saturate / ref::in_range.
//
// input = [layout: 2 bytes][policy][values as pick_value, until the input ends (at most 512)]
// Checks pack, pack_word, unpack, get_lane, encode_lane / decode_lane and broadcast_value:
// results lane by lane, canonical words, zero tail lanes, guard bits ignored on reading, and that
// Overflow::Error throws exactly when a value is out of range, naming the first such value and
// its index.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <samd/pack.hpp>
#include <samd/reference.hpp>

#include "fail.hpp"
#include "lanes.hpp"
#include "pick.hpp"

namespace {
using namespace samd;
using samd::fuzz::Bytes;
using samd::fuzz::fail;
using samd::fuzz::show;
using Values = std::vector<std::int64_t>;

constexpr std::size_t kMaxValues = 512;
constexpr std::size_t kCodecValues = 16;
const char *const kPolicyName[3] = {"Error", "Wrap", "Saturate"};

// What the policy makes of v: nullopt = Overflow::Error must refuse it.
std::optional<std::int64_t> expected_lane(const Layout &L, std::int64_t v, Overflow policy) {
  if (ref::in_range(L, v))
    return v;
  if (policy == Overflow::Wrap)
    return ref::wrap(L, v);
  if (policy == Overflow::Saturate)
    return ref::saturate(L, v);
  return std::nullopt;
}

std::string context(const Layout &L, Overflow policy, const Values &values) {
  return " on " + to_string(L) + " policy " + kPolicyName[int(policy)] +
         "\n  values=" + show(values);
}

// The error message must name the value and its index ("value V at index I ").
// ctx: a callable building the failure context (only called on failure).
template <class Ctx>
void expect_names(const std::string &what, const std::string &message, std::int64_t v,
                  std::size_t index, const Ctx &ctx) {
  const std::string needle =
      "value " + std::to_string(v) + " at index " + std::to_string(index) + " ";
  if (message.find(needle) == std::string::npos)
    fail(what + ": error message does not name '" + needle + "'\n  message: " + message + ctx());
}

void check_pack(const Layout &L, Overflow policy, const Values &values) {
  const auto ctx = [&] { return context(L, policy, values); };
  Values expected;
  std::optional<std::size_t> first_bad;
  for (std::size_t k = 0; k < values.size(); ++k) {
    const auto e = expected_lane(L, values[k], policy);
    if (!e && !first_bad)
      first_bad = k;
    expected.push_back(e.value_or(0));
  }

  // pack
  std::vector<std::uint64_t> words;
  try {
    words = pack(L, values, policy);
  } catch (const std::out_of_range &e) {
    if (!first_bad)
      fail(std::string("pack threw for in-range values: ") + e.what() + ctx());
    expect_names("pack", e.what(), values[*first_bad], *first_bad, ctx);
  }
  if (first_bad && !words.empty())
    fail("pack accepted out-of-range value at index " + std::to_string(*first_bad) + ctx());
  if (!first_bad) {
    if (words.size() != words_for(L, values.size()))
      fail("pack: " + std::to_string(words.size()) + " words, expected " +
           std::to_string(words_for(L, values.size())) + ctx());
    const std::size_t capacity = words.size() * L.lanes();
    Values all = expected;
    all.resize(capacity, 0); // unused tail lanes are 0
    const Values got = fuzz::lane_values(L, words, capacity);
    if (got != all || fuzz::junk_bits(L, words) != 0)
      fail("pack" + ctx() + "\n  expected=" + show(all) + "\n  got     =" + show(got) +
           "\n  guard/padding bits: " + std::to_string(fuzz::junk_bits(L, words)));

    // unpack reads the values back, also with every guard and padding bit set (guards are ignored)
    std::vector<std::uint64_t> dirty = words;
    for (std::uint64_t &w : dirty)
      w |= ~ref::value_bits(L);
    for (const auto *ws : {&words, &dirty}) {
      const Values back = unpack(L, *ws, values.size());
      if (back != expected)
        fail(std::string("unpack") + (ws == &dirty ? " (guard bits set)" : "") + ctx() +
             "\n  expected=" + show(expected) + "\n  got     =" + show(back));
    }
    bool threw = false;
    try {
      (void)unpack(L, words, capacity + 1);
    } catch (const std::out_of_range &) {
      threw = true;
    }
    if (!threw)
      fail("unpack accepted count " + std::to_string(capacity + 1) + " > capacity" + ctx());

    // get_lane, every lane of every word, guard bits set or not
    for (std::size_t w = 0; w < words.size(); ++w)
      for (unsigned i = 0; i < L.lanes(); ++i)
        if (get_lane(L, words[w], i) != all[w * L.lanes() + i] ||
            get_lane(L, dirty[w], i) != all[w * L.lanes() + i])
          fail("get_lane(word " + std::to_string(w) + ", lane " + std::to_string(i) +
               ") = " + std::to_string(get_lane(L, words[w], i)) + ", expected " +
               std::to_string(all[w * L.lanes() + i]) + ctx());
    if (!words.empty()) {
      threw = false;
      try {
        (void)get_lane(L, words[0], L.lanes());
      } catch (const std::out_of_range &) {
        threw = true;
      }
      if (!threw)
        fail("get_lane accepted lane index " + std::to_string(L.lanes()) + ctx());
    }
  }

  // pack_word: one word when the values fit in one, else invalid_argument (before any range check)
  const std::span<const std::int64_t> all_values(values);
  if (values.size() > L.lanes()) {
    bool threw = false;
    try {
      (void)pack_word(L, all_values, policy);
    } catch (const std::invalid_argument &) {
      threw = true;
    }
    if (!threw)
      fail("pack_word accepted " + std::to_string(values.size()) + " values" + ctx());
  } else {
    std::optional<std::uint64_t> w;
    try {
      w = pack_word(L, all_values, policy);
    } catch (const std::out_of_range &e) {
      if (!first_bad)
        fail(std::string("pack_word threw for in-range values: ") + e.what() + ctx());
      expect_names("pack_word", e.what(), values[*first_bad], *first_bad, ctx);
    }
    if (first_bad && w)
      fail("pack_word accepted an out-of-range value" + ctx());
    if (!first_bad && *w != (words.empty() ? 0 : words[0]))
      fail("pack_word differs from pack()[0]" + ctx());
  }
}

// encode_lane / decode_lane and broadcast_value, value by value, for the first kCodecValues values
// (pack() above covers the rest; each refused value costs an exception).
void check_lane_codec(const Layout &L, Overflow policy, const Values &values) {
  for (std::size_t k = 0; k < values.size() && k < kCodecValues; ++k) {
    // Built only on failure: the context lists every value.
    const auto ctx = [&] {
      return " for value " + std::to_string(values[k]) + context(L, policy, values);
    };
    const auto e = expected_lane(L, values[k], policy);
    std::optional<std::uint64_t> pattern, word;
    try {
      pattern = encode_lane(L, values[k], policy, k);
    } catch (const std::out_of_range &err) {
      if (e)
        fail(std::string("encode_lane threw: ") + err.what() + ctx());
      expect_names("encode_lane", err.what(), values[k], k, ctx);
    }
    try {
      word = broadcast_value(L, values[k], policy);
    } catch (const std::out_of_range &err) {
      if (e)
        fail(std::string("broadcast_value threw: ") + err.what() + ctx());
    }
    if (!e) {
      if (pattern || word)
        fail("encode_lane / broadcast_value accepted an out-of-range value" + ctx());
      continue;
    }
    if (*pattern != ref::pattern(L, *e) || decode_lane(L, *pattern) != *e)
      fail("encode_lane = " + std::to_string(*pattern) + ", decode_lane = " +
           std::to_string(decode_lane(L, *pattern)) + ", expected " + std::to_string(*e) + ctx());
    if (*word != fuzz::every_lane(L, ref::pattern(L, *e)))
      fail("broadcast_value = " + std::to_string(*word) + ctx());
  }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  Bytes in(data, size);
  const Layout L = fuzz::pick_layout(in, kMaxBits);
  const auto policy = static_cast<Overflow>(in.u8() % 3);
  Values values;
  while (!in.empty() && values.size() < kMaxValues)
    values.push_back(fuzz::pick_value(in, L));
  check_pack(L, policy, values);
  check_lane_codec(L, policy, values);
  return 0;
}
