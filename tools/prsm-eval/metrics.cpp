// The harness's figures; see metrics.h for the definitions.
#include "metrics.h"

#include <algorithm>
#include <numeric>

namespace prsm_eval {
namespace {

void SortCurve(std::vector<CurvePoint>& curve) {
  std::stable_sort(curve.begin(), curve.end(), [](const CurvePoint& a, const CurvePoint& b) {
    return a.strong_pct < b.strong_pct;
  });
}

}  // namespace

std::vector<std::size_t> ParetoFrontier(const std::vector<CostScore>& points) {
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  // Cheapest first; of equal cost the best score first, so it shadows the others.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (points[a].cost != points[b].cost) return points[a].cost < points[b].cost;
    return points[a].score > points[b].score;
  });
  std::vector<std::size_t> frontier;
  for (std::size_t index : order) {
    if (frontier.empty() || points[index].score > points[frontier.back()].score) {
      frontier.push_back(index);
    }
  }
  return frontier;
}

std::optional<std::size_t> BestIndex(const std::vector<CostScore>& points) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!best || points[i].score > points[*best].score ||
        (points[i].score == points[*best].score && points[i].cost < points[*best].cost)) {
      best = i;
    }
  }
  return best;
}

std::optional<double> CostPercentOf(double cost, double best_cost) {
  if (best_cost <= 0.0) {
    if (cost <= 0.0) return 0.0;
    return std::nullopt;
  }
  return 100.0 * cost / best_cost;
}

std::optional<double> Pgr(double score, double weak, double strong) {
  if (strong == weak) return std::nullopt;
  return (score - weak) / (strong - weak);
}

std::optional<double> CallPercentAtPgr(std::vector<CurvePoint> curve, double weak, double strong,
                                       double fraction) {
  if (curve.empty() || strong == weak) return std::nullopt;
  SortCurve(curve);
  const double target = weak + fraction * (strong - weak);
  const bool rising = strong > weak;
  auto reached = [&](double score) { return rising ? score >= target : score <= target; };
  if (reached(curve.front().score)) return curve.front().strong_pct;
  for (std::size_t i = 1; i < curve.size(); ++i) {
    if (!reached(curve[i].score)) continue;
    const CurvePoint& a = curve[i - 1];
    const CurvePoint& b = curve[i];
    if (b.score == a.score) return b.strong_pct;
    const double t = (target - a.score) / (b.score - a.score);
    return a.strong_pct + t * (b.strong_pct - a.strong_pct);
  }
  return std::nullopt;
}

std::optional<double> AveragePgr(std::vector<CurvePoint> curve, double weak, double strong) {
  if (curve.size() < 2 || strong == weak) return std::nullopt;
  SortCurve(curve);
  const double range = curve.back().strong_pct - curve.front().strong_pct;
  if (range <= 0.0) return std::nullopt;
  double area = 0.0;
  for (std::size_t i = 1; i < curve.size(); ++i) {
    const double pa = *Pgr(curve[i - 1].score, weak, strong);
    const double pb = *Pgr(curve[i].score, weak, strong);
    area += 0.5 * (pa + pb) * (curve[i].strong_pct - curve[i - 1].strong_pct);
  }
  return area / range;
}

}  // namespace prsm_eval
