// fuzz_convert: widening and narrowing between any two layouts, under every overflow policy.
//   mode even: a catalogue convert_* op (one word, target layout chosen by k)
//   mode odd:  convert / convert_checked / widen on 0..8 words at once:
//              input = [mode][from: 2 bytes][to: 2 bytes][policy][word count][words...][edge: 2]
//              edge: bit 15 set puts ref::range_edge(to, edge) into lane (edge >> 2) % lanes, where
//              `from` holds it (to's range ends, met by chance only in lanes drawn at from's edges)
// Multi-word checks: every input lane (tail lanes included) lands at the same sequence position,
// the output has ceil(lanes / to.lanes) canonical words with zero tail lanes, values follow
// ref::convert; Error throws exactly when a lane is out of range and names the first one;
// convert(Error) is refused; widen works exactly when the target holds every source value.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <samd/ops/convert.hpp>
#include <samd/pack.hpp>
#include <samd/reference.hpp>

#include "catalog_target.hpp"
#include "fail.hpp"
#include "lanes.hpp"
#include "pick.hpp"

namespace {
using namespace samd;
using samd::fuzz::Bytes;
using samd::fuzz::fail;
using samd::fuzz::show;
using Words = std::vector<std::uint64_t>;
using Values = std::vector<std::int64_t>;

const char *const kPolicyName[3] = {"Error", "Wrap", "Saturate"};

// The output of a conversion to `to`: lanes in sequence order, tail lanes zero, canonical.
// ctx: a callable building the failure context (only called on failure).
template <class Ctx>
void expect_lanes(const std::string &what, const Layout &to, const Words &out,
                  const Values &expected, const Ctx &ctx) {
  const std::size_t nout = (expected.size() + to.lanes() - 1) / to.lanes();
  if (out.size() != nout)
    fail(what + ": " + std::to_string(out.size()) + " words, expected " + std::to_string(nout) +
         ctx());
  Values all = expected;
  all.resize(nout * to.lanes(), 0);
  const Values got = fuzz::lane_values(to, out, all.size());
  if (got != all || fuzz::junk_bits(to, out) != 0)
    fail(what + ctx() + "\n  expected=" + show(all) + "\n  got     =" + show(got) +
         "\n  guard/padding bits: " + std::to_string(fuzz::junk_bits(to, out)));
}

void check_multi_word(Bytes &in) {
  const Layout from = fuzz::pick_layout(in, kMaxBits), to = fuzz::pick_layout(in, kMaxBits);
  const auto policy = static_cast<Overflow>(in.u8() % 3);
  Words src(in.u8() % 9);
  for (std::uint64_t &w : src)
    w = fuzz::pick_word(in, from);
  const std::uint16_t edge = in.u16();
  const std::int64_t e = ref::range_edge(to, edge);
  if ((edge & 0x8000u) != 0 && !src.empty() && ref::in_range(from, e)) {
    const std::size_t j = (edge >> 2 & 0x1fffu) % (src.size() * from.lanes());
    const unsigned shift = static_cast<unsigned>(j % from.lanes()) * from.field();
    std::uint64_t &w = src[j / from.lanes()];
    w = (w & ~(ref::ones(from.bits) << shift)) | (ref::pattern(from, e) << shift);
  }

  const Values x = fuzz::lane_values(from, src, src.size() * from.lanes());
  const auto ctx = [&] {
    return " from " + to_string(from) + " to " + to_string(to) + " policy " +
           kPolicyName[int(policy)] + "\n  src=" + show(x);
  };
  Values expected;
  std::optional<std::size_t> first_bad;
  for (std::size_t j = 0; j < x.size(); ++j) {
    const auto e = ref::convert(to, x[j], static_cast<ref::Policy>(policy));
    if (!e && !first_bad)
      first_bad = j;
    expected.push_back(e.value_or(0));
  }

  if (policy == Overflow::Error) {
    bool refused = false;
    try {
      (void)convert(from, to, src, policy);
    } catch (const std::invalid_argument &) {
      refused = true;
    }
    if (!refused)
      fail("convert accepted Overflow::Error (only convert_checked may)" + ctx());
    Words out;
    try {
      out = convert_checked(from, to, src, policy);
    } catch (const std::out_of_range &e) {
      if (!first_bad)
        fail(std::string("convert_checked threw for in-range lanes: ") + e.what() + ctx());
      const std::string needle =
          "value " + std::to_string(x[*first_bad]) + " at lane " + std::to_string(*first_bad) + " ";
      if (std::string(e.what()).find(needle) == std::string::npos)
        fail("convert_checked: message does not name '" + needle + "'\n  message: " + e.what() +
             ctx());
      return;
    }
    if (first_bad)
      fail("convert_checked accepted the out-of-range lane " + std::to_string(*first_bad) + ctx());
    expect_lanes("convert_checked", to, out, expected, ctx);
  } else {
    expect_lanes("convert", to, convert(from, to, src, policy), expected, ctx);
    expect_lanes("convert_checked", to, convert_checked(from, to, src, policy), expected, ctx);
  }

  // widen: exact when to's range contains from's, refused otherwise.
  const bool holds = to.min_value() <= from.min_value() && to.max_value() >= from.max_value();
  Words widened;
  try {
    widened = widen(from, to, src);
  } catch (const std::invalid_argument &e) {
    if (holds)
      fail(std::string("widen refused a target that holds every value: ") + e.what() + ctx());
    return;
  }
  if (!holds)
    fail("widen accepted a target that cannot hold every value" + ctx());
  expect_lanes("widen", to, widened, x, ctx);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  Bytes in(data, size);
  if (in.u8() % 2 == 0)
    fuzz::check_catalog_op(fuzz::Family::Convert, in);
  else
    check_multi_word(in);
  return 0;
}
