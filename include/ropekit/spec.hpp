// ropekit: what a model says about its rotary embedding.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SPEC_HPP
#define ROPEKIT_SPEC_HPP

#include <cstdint>
#include <variant>

#include "scaling/dynamic_ntk.hpp"
#include "scaling/linear.hpp"
#include "scaling/llama3.hpp"
#include "scaling/longrope.hpp"
#include "scaling/none.hpp"
#include "scaling/ntk_aware.hpp"
#include "scaling/ntk_by_parts.hpp"
#include "scaling/proportional.hpp"
#include "scaling/yarn.hpp"

namespace ropekit {

/// The largest rotary_dim frequencies() accepts: 2^16 channels, 256 times the
/// widest rotary head of any published model. Larger values (which could not
/// be allocated, or whose exponents 2i / rotary_dim would no longer be exact
/// in float32 beyond 2^24) are rejected before anything is allocated.
inline constexpr std::int64_t max_rotary_dim = std::int64_t(1) << 16;

/// One scaling method; each alternative is a plain struct whose fields carry
/// the names Hugging Face `rope_scaling` configs use.
///
/// Defaults, the same rule for every method: a field that differs between
/// models (a factor, the original context length, LongRoPE's lists, ...) has
/// no default. It is 0 (or empty) in a default-constructed struct, which
/// frequencies() rejects with a message naming every field to set. Fields
/// with a default have the value the method's reference implementation uses
/// when a config omits them (YaRN's beta_fast = 32 and beta_slow = 1, ...).
/// `scaling::None{}` has no fields and is complete.
using Scaling =
    std::variant<scaling::None, scaling::Linear, scaling::NtkAware, scaling::DynamicNtk, scaling::NtkByParts,
                 scaling::Yarn, scaling::Llama3, scaling::LongRope, scaling::Proportional>;

/// The rotary embedding of a model: the number of rotated channels per head
/// (even, in [2, max_rotary_dim]; `head_dim * partial_rotary_factor` in
/// Hugging Face terms), the base (`rope_theta`: finite, > 1, at most the
/// largest float32, and small enough that the lowest frequency
/// base^(-(rotary_dim - 2) / rotary_dim) is a normal float32) and the scaling
/// method.
struct RopeSpec {
  std::int64_t rotary_dim = 128;
  double base = 10000.0;
  Scaling scaling = scaling::None{};
};

}  // namespace ropekit

#endif  // ROPEKIT_SPEC_HPP
