// ropekit: rotary position embedding kernels (umbrella header).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ROPEKIT_HPP
#define ROPEKIT_ROPEKIT_HPP

#include "config.hpp"
#include "types.hpp"
#include "spec.hpp"
#include "frequencies.hpp"
#include "views.hpp"
#include "angles.hpp"
#include "cache.hpp"
#include "apply.hpp"
#include "reference/apply.hpp"

#endif  // ROPEKIT_ROPEKIT_HPP
