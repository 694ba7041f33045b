// routing/quality_learner.h — what Feedback() teaches about each model's quality, shared by the
// intelligent and learned strategies.
//
// Per (model, domain) and per (model, domain, complexity band) it keeps the count and sum of the
// scores reported. The expected quality is a Beta posterior seeded by the model's prior
// (PriorQuality) with `prior_strength` pseudo-observations; a band's posterior is seeded by its
// (model, domain) posterior instead, so a band with few observations leans on its domain. Only
// observations are stored, so changing a model's prior in the catalog still takes effect.
//
// Thread safety: none; the owning strategy runs on the orchestrator's loop thread.
#ifndef PRSM_ROUTING_QUALITY_LEARNER_H_
#define PRSM_ROUTING_QUALITY_LEARNER_H_

#include <map>
#include <string>
#include <tuple>

#include "json/json_read.h"
#include "prsm/routing.h"

namespace prsm::routing {

/// Complexity bands: 0 for [0, 1/3), 1 for [1/3, 2/3), 2 for [2/3, 1].
int ComplexityBand(double complexity);

/// A Beta distribution over a model's score.
struct BetaPosterior {
  double alpha = 1.0;
  double beta = 1.0;
  double mean() const { return alpha / (alpha + beta); }
};

class QualityLearner {
 public:
  explicit QualityLearner(double prior_strength);

  /// Records `score` (clamped to [0, 1]) of `model` on a query of `domain` and `band`.
  void Record(const std::string& model, const std::string& domain, int band, double score);
  /// Records the host's `score` of `response` to `query` (RoutingStrategy::Feedback) under the
  /// query's analysed domain and complexity band. Ignored when no model answered or the score
  /// is not finite.
  void RecordFeedback(const Query& query, const Response& response, double score);

  /// The posterior of `model` on a query with `features`: by domain, or by domain and
  /// complexity band when `by_band`.
  BetaPosterior Posterior(const ModelSpec& model, const QueryFeatures& features,
                          bool by_band) const;

  /// Observations recorded for `model` in `domain` (all bands).
  double Observations(const std::string& model, const std::string& domain) const;

  /// Writes the observations as a JSON array under the writer's current key.
  void Write(json::Writer& writer) const;
  /// Reads what Write wrote. Errors: kInvalidArgument naming the bad element.
  static Result<QualityLearner> Read(const json::Value& cells, const json::Path& path,
                                     double prior_strength);
  /// Reads the learner a saved state holds at "cells" of `state` (reported as state.cells).
  /// Errors: kInvalidArgument when it is missing or bad.
  static Result<QualityLearner> ReadCells(const json::Value& state, double prior_strength);

 private:
  struct Tally {
    double n = 0.0;    // observations
    double sum = 0.0;  // sum of their scores
  };
  // (model, domain, band); band -1 holds the domain's total over all bands.
  using Key = std::tuple<std::string, std::string, int>;
  static BetaPosterior Seeded(double prior_mean, double strength, const Tally& tally);

  double prior_strength_;
  std::map<Key, Tally> cells_;
};

}  // namespace prsm::routing

#endif  // PRSM_ROUTING_QUALITY_LEARNER_H_
