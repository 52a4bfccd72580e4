// ropekit: how rotation angles are formed.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ANGLES_HPP
#define ROPEKIT_ANGLES_HPP

namespace ropekit {

/// How the angle position * inv_freq is formed when cos and sin are computed
/// (on the fly from a Frequencies table, or when a CosSinCache is built).
enum class AngleMode {
  /// The exact product of the integer position and the float inv_freq, reduced
  /// modulo pi/2 exactly: cos and sin are within 1 float ulp of the true values
  /// (a few double ulps before rounding) for every supported position, i.e.
  /// |position| <= 2^31 and |position * inv_freq| <= 2^31 pi/2 (3.37e9
  /// radians; the second follows from the first when inv_freq <= 1, which holds
  /// for every table without a factor < 1). Calls outside it are rejected.
  accurate,
  /// fl32(fl32(position) * inv_freq), then the cos and sin of that float angle,
  /// as PyTorch-based code computes it (`(inv_freq @ position_ids.float())`).
  /// Use it to agree with reference outputs of a model run that way.
  float32_compatible,
};

}  // namespace ropekit

#endif  // ROPEKIT_ANGLES_HPP
