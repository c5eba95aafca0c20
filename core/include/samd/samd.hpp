// samd: bit-precise integer lanes packed in 64-bit words. The whole public core.
#pragma once

#include "samd/accumulator.hpp"
#include "samd/layout.hpp"
#include "samd/ops/add.hpp"
#include "samd/ops/compare.hpp"
#include "samd/ops/convert.hpp"
#include "samd/ops/lane_masks.hpp"
#include "samd/ops/logic.hpp"
#include "samd/ops/minmax.hpp"
#include "samd/ops/mul.hpp"
#include "samd/ops/reduce.hpp"
#include "samd/ops/shift.hpp"
#include "samd/pack.hpp"
#include "samd/static_layout.hpp"
#include "samd/word.hpp"
