// ropekit: the options of a rotation call.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_OPTIONS_HPP
#define ROPEKIT_OPTIONS_HPP

#include <cstdint>
#include <optional>

#include "angles.hpp"
#include "head_norm.hpp"
#include "query_scale.hpp"
#include "views.hpp"

namespace ropekit {

/// Options of a rotation call (apply, apply_into; rotate_and_store takes
/// them as StoreOptions::rotation, and layer_options makes them for a model
/// layer).
struct ApplyOptions {
  /// forward, or inverse (turn back and divide the attention factor out).
  Direction direction = Direction::forward;
  /// How angles are formed from a Frequencies table (accurate when unset).
  /// Naming it with a CosSinCache or a CosSinTable is an error: a cache fixes
  /// its mode when it is built, a caller's table holds its own values.
  std::optional<AngleMode> angle_mode;
  /// First rotated channel of each head: the rotated slice is channels
  /// [rotary_offset, rotary_offset + rotary_dim) (DeepSeek's and GLM's MLA
  /// put the RoPE part after the rest: head_dim - 64). The other channels are
  /// untouched in place and copied out of place.
  std::int64_t rotary_offset = 0;
  /// A per-token scale of the queries (the first view of a call; the whole
  /// vector, rotated slice and the rest), see PositionQueryScale.
  std::optional<PositionQueryScale> query_scale;
  /// RMS normalization of every head before it is rotated (see RmsNorm).
  std::optional<RmsNorm> norm;
};

}  // namespace ropekit

#endif  // ROPEKIT_OPTIONS_HPP
