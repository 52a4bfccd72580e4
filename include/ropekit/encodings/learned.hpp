// ropekit: learned absolute position tables.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_LEARNED_HPP
#define ROPEKIT_ENCODINGS_LEARNED_HPP

#include <cstdint>
#include <string>

#include "sinusoidal.hpp"

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {

/// What a learned table does with a position outside [0, max_positions).
enum class OutOfRange {
  error,  ///< report it (the default): models are not trained there
  clamp,  ///< use the nearest row (0 or max_positions - 1)
};

/// A learned position table [max_positions][dim] (GPT-2, BERT, OPT style):
/// row p is added to (or looked up for) the token at position p.
class LearnedPositions {
 public:
  /// Takes the table (rows = max_positions >= 1, cols = dim >= 1) and the
  /// policy (OutOfRange::error or OutOfRange::clamp). Errors: a table with no
  /// rows or columns, a policy outside the enumeration; without exceptions
  /// the object is left with an empty table, which every later call reports.
  ROPEKIT_ABI_KEYED
  explicit LearnedPositions(RowMatrixXf table, OutOfRange policy = OutOfRange::error)
      : table_(std::move(table)), policy_(policy) {
    if (table_.rows() < 1 || table_.cols() < 1) {
      detail::fail("ropekit::LearnedPositions", "table.rows() x table.cols()",
                   detail::format_integer(table_.rows()) + " x " + detail::format_integer(table_.cols()),
                   "must both be >= 1");
      table_.resize(0, 0);
    } else if (policy_ != OutOfRange::error && policy_ != OutOfRange::clamp) {
      detail::fail("ropekit::LearnedPositions", "policy", policy_,
                   "must be OutOfRange::error (0) or OutOfRange::clamp (1)");
      table_.resize(0, 0);
      policy_ = OutOfRange::error;
    }
  }

  /// Number of rows: positions [0, max_positions()) have an entry.
  std::int64_t max_positions() const { return table_.rows(); }
  /// Width of each row (the embedding dimension).
  std::int64_t dim() const { return table_.cols(); }
  /// The table itself.
  const RowMatrixXf& table() const { return table_; }

  /// Writes row positions[t] into row t of `out` ([n][dim]). Nothing is
  /// written if any position is out of range under OutOfRange::error.
  ROPEKIT_ABI_KEYED
  void lookup(const std::int64_t* positions, Eigen::Ref<RowMatrixXf> out) const {
    if (!check("ropekit::LearnedPositions::lookup", positions, out)) return;
    for (Eigen::Index t = 0; t < out.rows(); ++t) out.row(t) = table_.row(row_of(positions[t]));
  }

  /// Adds row positions[t] to row t of `embeddings` in place.
  ROPEKIT_ABI_KEYED
  void add_to(const std::int64_t* positions, Eigen::Ref<RowMatrixXf> embeddings) const {
    if (!check("ropekit::LearnedPositions::add_to", positions, embeddings)) return;
    for (Eigen::Index t = 0; t < embeddings.rows(); ++t) embeddings.row(t) += table_.row(row_of(positions[t]));
  }

 private:
  Eigen::Index row_of(std::int64_t p) const {
    return p < 0 ? 0 : p >= table_.rows() ? table_.rows() - 1 : Eigen::Index(p);
  }
  ROPEKIT_ABI_KEYED
  bool check(const char* function, const std::int64_t* positions, const Eigen::Ref<RowMatrixXf>& out) const {
    if (table_.size() == 0) return detail::fail(function, "table", std::string("empty"), "must be set"), false;
    if (out.cols() != table_.cols()) {
      detail::fail(function, "cols()", std::int64_t(out.cols()), "must equal dim = " + detail::format_integer(dim()));
      return false;
    }
    if (out.rows() > 0 && positions == nullptr) {
      detail::fail(function, "positions", std::string("nullptr"), "must point to one position per row");
      return false;
    }
    if (policy_ == OutOfRange::error) {
      for (Eigen::Index t = 0; t < out.rows(); ++t) {
        if (positions[t] < 0 || positions[t] >= table_.rows()) {
          detail::fail(function, "positions[" + detail::format_integer(t) + "]", positions[t],
                       "is outside the table [0, " + detail::format_integer(table_.rows()) + ")");
          return false;
        }
      }
    }
    return true;
  }

  RowMatrixXf table_;
  OutOfRange policy_;
};

}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_ENCODINGS_LEARNED_HPP
