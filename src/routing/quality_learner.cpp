// Beta posteriors of each model's score by domain and complexity band (see quality_learner.h).
#include "routing/quality_learner.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "routing/state_json.h"

namespace prsm::routing {

int ComplexityBand(double complexity) {
  if (!(complexity >= 1.0 / 3.0)) return 0;  // NaN falls in the lowest band
  return complexity < 2.0 / 3.0 ? 1 : 2;
}

QualityLearner::QualityLearner(double prior_strength)
    : prior_strength_(std::isfinite(prior_strength) ? std::max(prior_strength, 0.0) : 0.0) {}

void QualityLearner::Record(const std::string& model, const std::string& domain, int band,
                            double score) {
  if (!std::isfinite(score)) return;
  score = std::clamp(score, 0.0, 1.0);
  band = std::clamp(band, 0, 2);
  for (int key_band : {-1, band}) {
    Tally& tally = cells_[Key(model, domain, key_band)];
    tally.n += 1.0;
    tally.sum += score;
  }
}

BetaPosterior QualityLearner::Seeded(double prior_mean, double strength, const Tally& tally) {
  // A prior of exactly 0 or 1 would make one parameter 0 (a degenerate Beta); keep it inside.
  const double mean = std::clamp(prior_mean, 0.005, 0.995);
  // At least one pseudo-observation, so a posterior is a proper distribution.
  const double k = std::max(strength, 1e-3);
  return {k * mean + tally.sum, k * (1.0 - mean) + (tally.n - tally.sum)};
}

BetaPosterior QualityLearner::Posterior(const ModelSpec& model, const QueryFeatures& features,
                                        bool by_band) const {
  static const Tally kNone;
  auto find = [this](const Key& key) -> const Tally& {
    auto it = cells_.find(key);
    return it == cells_.end() ? kNone : it->second;
  };
  const BetaPosterior domain = Seeded(PriorQuality(model, features), prior_strength_,
                                      find(Key(model.name, features.domain, -1)));
  if (!by_band) return domain;
  return Seeded(domain.mean(), prior_strength_,
                find(Key(model.name, features.domain, ComplexityBand(features.complexity))));
}

double QualityLearner::Observations(const std::string& model, const std::string& domain) const {
  auto it = cells_.find(Key(model, domain, -1));
  return it == cells_.end() ? 0.0 : it->second.n;
}

void QualityLearner::Write(json::Writer& writer) const {
  writer.StartArray();
  for (const auto& [key, tally] : cells_) {
    writer.StartObject();
    WriteStringMember(writer, "model", std::get<0>(key));
    WriteStringMember(writer, "domain", std::get<1>(key));
    writer.Key("band");
    writer.Int(std::get<2>(key));
    writer.Key("n");
    writer.Double(tally.n);
    writer.Key("sum");
    writer.Double(tally.sum);
    writer.EndObject();
  }
  writer.EndArray();
}

void QualityLearner::RecordFeedback(const Query& query, const Response& response, double score) {
  if (response.model.empty() || !std::isfinite(score)) return;
  const QueryFeatures features = AnalyzeQuery(query);
  Record(response.model, features.domain, ComplexityBand(features.complexity), score);
}

Result<QualityLearner> QualityLearner::ReadCells(const json::Value& state, double prior_strength) {
  const json::Path root("state");  // outlives `path`, which points at it
  const json::Path path = root.Member("cells");
  const json::Value* cells = json::FindMember(state, "cells");
  if (cells == nullptr) return StateError(json::MissingError(path));
  return Read(*cells, path, prior_strength);
}

Result<QualityLearner> QualityLearner::Read(const json::Value& cells, const json::Path& path,
                                            double prior_strength) {
  QualityLearner learner(prior_strength);
  if (!cells.IsArray()) return StateError(json::TypeError(path, "array", cells));
  constexpr double kMax = std::numeric_limits<double>::max();
  for (json::rapidjson::SizeType i = 0; i < cells.Size(); ++i) {
    const json::Path at = path.Index(i);
    const json::Value& cell = cells[i];
    if (!cell.IsObject()) return StateError(json::TypeError(at, "object", cell));
    auto model = json::RequiredString(cell, "model", at);
    if (!model) return StateError(model.error());
    auto domain = json::RequiredString(cell, "domain", at);
    if (!domain) return StateError(domain.error());
    auto band = json::RequiredInt64(cell, "band", at);
    if (!band) return StateError(band.error());
    if (model->empty() || *band < -1 || *band > 2) {
      return Error(
          ErrorCode::kInvalidArgument,
          fmt::format("invalid state: {} needs a model name and a band in -1..2", at.ToString()));
    }
    auto n = RequiredNumberIn(cell, "n", at, 0.0, kMax);
    if (!n) return n.error();
    auto sum = RequiredNumberIn(cell, "sum", at, 0.0, *n);
    if (!sum) return sum.error();
    Tally& tally =
        learner.cells_[Key(std::string(*model), std::string(*domain), static_cast<int>(*band))];
    if (tally.n != 0.0) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("invalid state: {} repeats a (model, domain, band)", at.ToString()));
    }
    tally = {*n, *sum};
  }
  return learner;
}

}  // namespace prsm::routing
