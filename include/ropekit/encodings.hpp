// ropekit: the other position encodings and table analysis (umbrella header).
// Needs Eigen (sinusoidal tables as matrices, learned tables, ReRoPE logits).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_HPP
#define ROPEKIT_ENCODINGS_HPP

#include "encodings/alibi.hpp"
#include "encodings/analysis.hpp"
#include "encodings/deberta.hpp"
#include "encodings/learned.hpp"
#include "encodings/rerope.hpp"
#include "encodings/sinusoidal.hpp"
#include "encodings/t5.hpp"

#endif  // ROPEKIT_ENCODINGS_HPP
