// ropekit: rotary position embedding kernels (umbrella header).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ROPEKIT_HPP
#define ROPEKIT_ROPEKIT_HPP

#include "angle_set.hpp"
#include "angles.hpp"
#include "apply.hpp"
#include "cache.hpp"
#include "config.hpp"
#include "frequencies.hpp"
#include "head_norm.hpp"
#include "isa.hpp"
#include "kernel_call.hpp"
#include "kv_cache.hpp"
#include "layer.hpp"
#include "model.hpp"
#include "multi_axis.hpp"
#include "options.hpp"
#include "positions.hpp"
#include "query_scale.hpp"
#include "reference/apply.hpp"
#include "spec.hpp"
#include "types.hpp"
#include "views.hpp"

#endif  // ROPEKIT_ROPEKIT_HPP
