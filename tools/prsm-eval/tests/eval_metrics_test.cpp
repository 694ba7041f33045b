// The harness's figures: Pareto frontier, best model, cost %, RouteLLM's PGR, CPT and APGR.
#include <catch2/catch.hpp>

#include "metrics.h"

using prsm_eval::CostScore;
using prsm_eval::CurvePoint;

TEST_CASE("the Pareto frontier keeps exactly the undominated points", "[eval][metrics]") {
  // 0 cheap/weak, 1 dominated by 2, 2 middle, 3 dear/best, 4 dominated (dear, weak), 5 = 2.
  const std::vector<CostScore> points = {{1.0, 0.5}, {3.0, 0.6}, {2.0, 0.7},
                                         {5.0, 0.9}, {6.0, 0.4}, {2.0, 0.7}};
  const auto frontier = prsm_eval::ParetoFrontier(points);
  CHECK(frontier == std::vector<std::size_t>{0, 2, 3});
  CHECK(prsm_eval::ParetoFrontier({}).empty());
  // Same cost: only the better one.
  CHECK(prsm_eval::ParetoFrontier({{1.0, 0.2}, {1.0, 0.3}}) == std::vector<std::size_t>{1});
}

TEST_CASE("the best point is the highest score, the cheaper on ties", "[eval][metrics]") {
  CHECK(*prsm_eval::BestIndex({{1.0, 0.5}, {3.0, 0.9}, {2.0, 0.9}}) == 2);
  CHECK_FALSE(prsm_eval::BestIndex({}).has_value());
  CHECK(*prsm_eval::CostPercentOf(0.5, 2.0) == Approx(25.0));
  CHECK(*prsm_eval::CostPercentOf(0.0, 0.0) == 0.0);
  CHECK_FALSE(prsm_eval::CostPercentOf(1.0, 0.0).has_value());
}

TEST_CASE("CPT interpolates the first crossing of the PGR target", "[eval][metrics]") {
  // A random router's straight line from weak (0.6 at 0%) to strong (0.8 at 100%).
  const std::vector<CurvePoint> line = {{0, 0.6}, {100, 0.8}};
  CHECK(*prsm_eval::CallPercentAtPgr(line, 0.6, 0.8, 0.5) == Approx(50.0));
  CHECK(*prsm_eval::CallPercentAtPgr(line, 0.6, 0.8, 0.8) == Approx(80.0));
  // A good router: 70% of the gap at 20% calls, all of it at 50%; points given unsorted.
  const std::vector<CurvePoint> good = {{50, 0.8}, {0, 0.6}, {20, 0.74}, {100, 0.8}};
  CHECK(*prsm_eval::CallPercentAtPgr(good, 0.6, 0.8, 0.5) == Approx(20.0 * 0.1 / 0.14));
  CHECK(*prsm_eval::CallPercentAtPgr(good, 0.6, 0.8, 0.8) == Approx(20.0 + 30.0 * 0.02 / 0.06));
  // Already there at the first point.
  CHECK(*prsm_eval::CallPercentAtPgr({{10, 0.9}, {100, 0.8}}, 0.6, 0.8, 0.5) == Approx(10.0));
  // Never reached; no gap; no points.
  CHECK_FALSE(prsm_eval::CallPercentAtPgr({{0, 0.6}, {100, 0.65}}, 0.6, 0.8, 0.5).has_value());
  CHECK_FALSE(prsm_eval::CallPercentAtPgr(line, 0.7, 0.7, 0.5).has_value());
  CHECK_FALSE(prsm_eval::CallPercentAtPgr({}, 0.6, 0.8, 0.5).has_value());
}

TEST_CASE("APGR is the mean PGR over the covered range", "[eval][metrics]") {
  CHECK(*prsm_eval::AveragePgr({{0, 0.6}, {100, 0.8}}, 0.6, 0.8) == Approx(0.5));
  // Full gap recovered from 0% on (an oracle-like router) averages 1.
  CHECK(*prsm_eval::AveragePgr({{0, 0.8}, {100, 0.8}}, 0.6, 0.8) == Approx(1.0));
  // A step: PGR 0 at 0%, 1 at 50% and 100%: area 0.25 + 0.5 = 0.75.
  CHECK(*prsm_eval::AveragePgr({{100, 0.8}, {0, 0.6}, {50, 0.8}}, 0.6, 0.8) == Approx(0.75));
  CHECK(*prsm_eval::Pgr(0.7, 0.6, 0.8) == Approx(0.5));
  CHECK_FALSE(prsm_eval::Pgr(0.7, 0.6, 0.6).has_value());
  CHECK_FALSE(prsm_eval::AveragePgr({{0, 0.6}}, 0.6, 0.8).has_value());
  CHECK_FALSE(prsm_eval::AveragePgr({{50, 0.6}, {50, 0.7}}, 0.6, 0.8).has_value());
}
