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

/// One scaling method; each alternative is a plain struct whose fields carry
/// the names Hugging Face `rope_scaling` configs use.
using Scaling =
    std::variant<scaling::None, scaling::Linear, scaling::NtkAware, scaling::DynamicNtk, scaling::NtkByParts,
                 scaling::Yarn, scaling::Llama3, scaling::LongRope, scaling::Proportional>;

/// The rotary embedding of a model: the number of rotated channels per head
/// (even, > 0; `head_dim * partial_rotary_factor` in Hugging Face terms), the
/// base (`rope_theta`, > 1) and the scaling method.
struct RopeSpec {
  std::int64_t rotary_dim = 128;
  double base = 10000.0;
  Scaling scaling = scaling::None{};
};

}  // namespace ropekit

#endif  // ROPEKIT_SPEC_HPP
