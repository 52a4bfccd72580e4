// ropekit: several angle sources in one call, one chosen per token.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ANGLE_SET_HPP
#define ROPEKIT_ANGLE_SET_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "cache.hpp"
#include "config.hpp"
#include "frequencies.hpp"
#include "kernel_call.hpp"
#include "multi_axis.hpp"

namespace ropekit {

/// Angle sources of one rotary dim (frequency tables, axis tables or
/// CosSinCaches) held together so that one call can rotate a batch whose
/// tokens use different ones: continuous batching of requests whose tables
/// differ (dynamic NTK per request length, LongRoPE short or long factors per
/// request, an adapter's own context extension). Build it once per set of
/// tables; per call, `per_token(index)` says which source each token uses.
/// The result is bit-identical to one call per group of tokens. Holds its own
/// copies of the tables (caches share their rows); movable, not copyable.
class AngleSet {
 public:
  AngleSet() = default;
  AngleSet(const AngleSet&) = delete;
  AngleSet& operator=(const AngleSet&) = delete;
  AngleSet(AngleSet&&) = default;
  AngleSet& operator=(AngleSet&&) = default;

  /// A set of frequency tables, all of the same rotary dim (reported
  /// otherwise, naming the table, leaving the set empty).
  ROPEKIT_ABI_KEYED
  explicit AngleSet(std::vector<Frequencies> tables);
  /// A set of axis tables (multimodal RoPE), all alike in rotary dim and axes.
  ROPEKIT_ABI_KEYED
  explicit AngleSet(std::vector<AxisFrequencies> tables);
  /// A set of caches, all of the same rotary dim and axes.
  ROPEKIT_ABI_KEYED
  explicit AngleSet(std::vector<CosSinCache> caches);

  /// Number of sources.
  std::int64_t size() const { return std::int64_t(resolved_.size()); }
  /// Pairs of every source.
  std::int64_t pairs() const { return resolved_.empty() ? 0 : resolved_[0].pairs; }
  /// The sources described for the kernels (forward direction).
  const kernel::Angles* sources() const { return resolved_.data(); }

  /// The angle source of a call: token t uses source index[t] (count
  /// entries, which must equal the call's tokens, each in [0, size())).
  struct PerToken {
    const AngleSet* set;
    const std::int32_t* index;
    std::int64_t count;
  };
  /// The angle source of a call whose token t uses member index[t] of this
  /// set (count entries, one per token of the call; each in [0, size())).
  /// The set and the index must outlive the call.
  PerToken per_token(const std::int32_t* index, std::int64_t count) const { return PerToken{this, index, count}; }
  /// per_token over a vector of member indices (kept by reference).
  PerToken per_token(const std::vector<std::int32_t>& index) const {
    return PerToken{this, index.data(), std::int64_t(index.size())};
  }

 private:
  std::vector<Frequencies> frequencies_;
  std::vector<AxisFrequencies> axis_frequencies_;
  std::vector<CosSinCache> caches_;
  std::vector<kernel::Angles> resolved_;
};

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// Describes one frequency table for the kernels (forward direction; the
/// caller sets max_inv_freq).
inline kernel::Angles describe(const Frequencies& f) {
  kernel::Angles a;
  a.kind = kernel::AngleKind::frequencies;
  a.pairs = std::int64_t(f.inv_freq.size());
  a.inv_freq = f.inv_freq.data();
  a.scale = double(f.attention_factor);
  return a;
}
inline kernel::Angles describe(const AxisFrequencies& f) {
  kernel::Angles a;
  a.kind = kernel::AngleKind::frequencies;
  a.pairs = std::int64_t(f.inv_freq.size());
  a.inv_freq = f.inv_freq.data();
  a.scale = double(f.attention_factor);
  a.axis = f.axis.data();
  a.n_axes = f.n_axes;
  a.max_inv_freq = double(largest_nonnegative(f.inv_freq.data(), f.inv_freq.size()));
  return a;
}
inline kernel::Angles describe(const CosSinCache& c) {
  kernel::Angles a;
  a.kind = kernel::AngleKind::table;
  a.pairs = c.pairs();
  a.cos = c.cos_row(0);
  a.sin = c.sin_row(0);
  a.rows = c.max_position();
  a.row_stride = c.pairs();
  a.table_scale = c.attention_factor();
  a.axis = c.axis();
  a.n_axes = c.n_axes();
  return a;
}

/// Member i of a set (named `members`: "tables" or "caches") must have the
/// pairs and axes of member 0.
inline bool check_set_member(const char* function, const char* members, std::size_t i, const kernel::Angles& first,
                             const kernel::Angles& got) {
  const std::string name = std::string(members) + "[" + std::to_string(i) + "]";
  const std::string zero = "must equal " + std::string(members) + "[0]'s, ";
  if (got.pairs != first.pairs)
    return fail(function, (name + " pairs").c_str(), got.pairs, (zero + std::to_string(first.pairs)).c_str()), false;
  if (got.n_axes != first.n_axes)
    return fail(function, (name + " n_axes").c_str(), got.n_axes, (zero + std::to_string(first.n_axes)).c_str()), false;
  return true;
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE

template <class RopekitAbi>
inline AngleSet::AngleSet(std::vector<Frequencies> tables) {
  const char* function = "ropekit::AngleSet";
  for (std::size_t i = 0; i < tables.size(); ++i)
    if (!validate(tables[i], (std::string(function) + ": tables[" + std::to_string(i) + "]").c_str())) return;
  frequencies_ = std::move(tables);
  std::vector<kernel::Angles> resolved;
  for (std::size_t i = 0; i < frequencies_.size(); ++i) {
    resolved.push_back(detail::describe(frequencies_[i]));
    resolved.back().max_inv_freq = detail::max_inv_freq(frequencies_[i]);
    if (!detail::check_set_member(function, "tables", i, resolved[0], resolved[i])) {
      frequencies_.clear();
      return;
    }
  }
  resolved_ = std::move(resolved);
}

template <class RopekitAbi>
inline AngleSet::AngleSet(std::vector<AxisFrequencies> tables) {
  const char* function = "ropekit::AngleSet";
  for (std::size_t i = 0; i < tables.size(); ++i)
    if (!validate(tables[i], (std::string(function) + ": tables[" + std::to_string(i) + "]").c_str())) return;
  axis_frequencies_ = std::move(tables);
  std::vector<kernel::Angles> resolved;
  for (std::size_t i = 0; i < axis_frequencies_.size(); ++i) {
    resolved.push_back(detail::describe(axis_frequencies_[i]));
    if (!detail::check_set_member(function, "tables", i, resolved[0], resolved[i])) {
      axis_frequencies_.clear();
      return;
    }
  }
  resolved_ = std::move(resolved);
}

template <class RopekitAbi>
inline AngleSet::AngleSet(std::vector<CosSinCache> caches) {
  const char* function = "ropekit::AngleSet";
  for (std::size_t i = 0; i < caches.size(); ++i) {
    if (caches[i].empty()) {
      detail::fail(function, ("caches[" + std::to_string(i) + "].max_position()").c_str(), caches[i].max_position(),
                   "must be >= 1 (the cache is empty)");
      return;
    }
  }
  caches_ = std::move(caches);
  std::vector<kernel::Angles> resolved;
  for (std::size_t i = 0; i < caches_.size(); ++i) {
    resolved.push_back(detail::describe(caches_[i]));
    if (!detail::check_set_member(function, "caches", i, resolved[0], resolved[i])) {
      caches_.clear();
      return;
    }
  }
  resolved_ = std::move(resolved);
}

}  // namespace ropekit

#endif  // ROPEKIT_ANGLE_SET_HPP
