// prsm-eval: the figures computed from per-system results. Pure functions, no I/O.
//
// - Pareto frontier of (cost, score) points: the points no other point beats on both.
// - Best single model: highest mean score, the cheaper on ties; cost as % of its cost.
// - RouteLLM's routing metrics on a curve of (% calls to the strong model, score) points:
//   PGR(score) = (score - weak) / (strong - weak); CPT(x) = the smallest % of strong calls at
//   which the curve reaches PGR x, interpolating linearly between operating points (RouteLLM's
//   np.interp over the points sorted by % strong calls; here the first crossing, which is the
//   same on a monotone curve and still defined on a non-monotone one); APGR = the area under
//   the PGR curve over % strong calls (trapezoids), divided by the %-range it covers.
//
// Thread safety: stateless. Errors: a figure that cannot be computed is nullopt (no curve, a
// target never reached, weak and strong scores equal).
#ifndef PRSM_EVAL_METRICS_H_
#define PRSM_EVAL_METRICS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace prsm_eval {

/// One point of a score-against-cost plot.
struct CostScore {
  double cost = 0.0;
  double score = 0.0;
};

/// Indices of the points on the Pareto frontier (lowest cost for its score, no point both
/// cheaper-or-equal and better-or-equal with one strict), sorted by ascending cost. Of equal
/// points, the first is kept.
std::vector<std::size_t> ParetoFrontier(const std::vector<CostScore>& points);

/// The index of the best point: highest score, lower cost on ties, first on full ties; nullopt
/// for no points.
std::optional<std::size_t> BestIndex(const std::vector<CostScore>& points);

/// 100 * cost / best_cost (0 when best_cost is 0 and cost is 0; nullopt when only best_cost is).
std::optional<double> CostPercentOf(double cost, double best_cost);

/// One operating point of a two-model router.
struct CurvePoint {
  double strong_pct = 0.0;  ///< % of queries whose answer came from the strong model's call.
  double score = 0.0;
};

/// Performance gap recovered: (score - weak) / (strong - weak); nullopt when strong == weak.
std::optional<double> Pgr(double score, double weak, double strong);

/// CPT(fraction): the smallest % of strong calls at which the curve (sorted by strong_pct)
/// reaches PGR `fraction`, interpolated between the two points around the first crossing.
std::optional<double> CallPercentAtPgr(std::vector<CurvePoint> curve, double weak, double strong,
                                       double fraction);

/// APGR: mean PGR over the %-range the curve covers (trapezoids); needs two points of
/// different strong_pct.
std::optional<double> AveragePgr(std::vector<CurvePoint> curve, double weak, double strong);

}  // namespace prsm_eval

#endif  // PRSM_EVAL_METRICS_H_
