// ropekit: every instruction set's kernel pieces that this translation unit
// can compile (each file is empty where its instruction set is not enabled).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ARCH_ALL_HPP
#define ROPEKIT_ARCH_ALL_HPP

#include "arm_neon.hpp"
#include "generic.hpp"
#include "x86_avx2.hpp"
#include "x86_avx512.hpp"
#include "x86_sse2.hpp"

#endif  // ROPEKIT_ARCH_ALL_HPP
