// routing/acceptance_model.h — the cascade's learned acceptance test for one cheap model: a
// logistic model over AcceptanceFeatures (ridge-penalised on standardised weights), trained
// online from labelled answers (label = the answer's score in [0, 1]), and an acceptance
// threshold on its predicted probability, calibrated so that the answers it would have accepted
// among those it has seen reach `target_quality` on average (with a margin for small samples,
// see CalibrateThreshold), resting on at least 5 such answers. While it has fewer than four
// examples per feature, the threshold is calibrated on out-of-fold (5-fold) predictions.
//
// Until it has `min_labels` labels it is not calibrated and accepts nothing: the cascade then
// escalates every query, so every cheap answer meets a strong one and gets a label.
//
// Thread safety: none; owned by the cascade strategy and read by its rules, all on the
// orchestrator's loop thread.
#ifndef PRSM_ROUTING_ACCEPTANCE_MODEL_H_
#define PRSM_ROUTING_ACCEPTANCE_MODEL_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "json/json_read.h"
#include "routing/acceptance_features.h"

namespace prsm::routing {

/// The lowest threshold t such that the examples (score, label) with score >= t, at least
/// `min_count` of them, have a mean label whose lower confidence bound (mean - z * standard
/// error) reaches `target`; nullopt when no t does. Ties in score move together.
std::optional<double> CalibrateThreshold(std::vector<std::pair<double, double>> examples,
                                         double target, std::size_t min_count, double z);

struct AcceptanceSettings {
  double target_quality = 0.9;
  std::size_t min_labels = 40;      ///< Labels before it accepts anything.
  std::size_t max_examples = 2000;  ///< The most recent examples kept for refits.
};

class AcceptanceModel {
 public:
  explicit AcceptanceModel(AcceptanceSettings settings);

  /// Predicted probability that an answer with features `x` is right.
  double Probability(const AcceptanceFeatures& x) const;
  /// Labels seen so far (including ones that scrolled out of the example window).
  std::size_t labels() const { return labels_; }
  std::size_t min_labels() const { return settings_.min_labels; }
  bool calibrated() const { return labels_ >= settings_.min_labels; }
  /// The calibrated threshold; nullopt = no threshold reaches the target (accept nothing).
  const std::optional<double>& threshold() const { return threshold_; }
  /// Calibrated, a threshold exists and Probability(x) reaches it.
  bool Accepts(const AcceptanceFeatures& x) const;

  /// Adds a labelled example (label clamped to [0, 1]), refits the weights and recalibrates
  /// the threshold (refits are amortised: every few labels once the window is large).
  void Add(const AcceptanceFeatures& x, double label);
  /// Refits and recalibrates now.
  void Refit();

  /// Writes weights, threshold, label count and examples as a JSON object.
  void Write(json::Writer& writer) const;
  /// Reads what Write wrote. Errors: kInvalidArgument naming the bad element.
  static Result<AcceptanceModel> Read(const json::Value& value, const json::Path& path,
                                      AcceptanceSettings settings);

 private:
  AcceptanceSettings settings_;
  AcceptanceFeatures weights_{};
  std::optional<double> threshold_;
  std::size_t labels_ = 0;
  std::size_t since_refit_ = 0;
  std::deque<std::pair<AcceptanceFeatures, double>> examples_;
};

}  // namespace prsm::routing

#endif  // PRSM_ROUTING_ACCEPTANCE_MODEL_H_
