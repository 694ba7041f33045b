// prsm-eval: one row of the results table (one dataset and system), as printed, written to
// results.csv and plotted.
//
// Thread safety: plain values.
#ifndef PRSM_EVAL_RESULTS_H_
#define PRSM_EVAL_RESULTS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace prsm_eval {

/// What a row measures: a single model, the random router, the oracle, or prsm.
enum class SystemKind { kModel, kRandom, kOracle, kPrsm };

/// "model", "random", "oracle", "prsm" (the `kind` column of results.csv).
std::string_view KindName(SystemKind kind) noexcept;

/// Test-split means of one system on one dataset.
struct SystemRow {
  std::string dataset;
  std::string system;  ///< e.g. "gpt-4", "learned", "learned@0.70".
  SystemKind kind = SystemKind::kPrsm;
  double score = 0.0;                      ///< Mean score (a failed query scores 0).
  double usd_per_query = 0.0;              ///< Mean recorded cost of every call made.
  std::optional<double> cost_pct_of_best;  ///< 100 * usd_per_query / best single model's.
  double calls_per_query = 0.0;
  std::size_t queries = 0;
  std::size_t failed = 0;  ///< Queries that ended without an answer.
  /// Two-model datasets: % of queries answered by the strong model's call.
  std::optional<double> strong_pct;
  /// The family a sweep point belongs to ("learned" for "learned@0.70"); empty otherwise.
  std::string family;
};

}  // namespace prsm_eval

#endif  // PRSM_EVAL_RESULTS_H_
