// Logistic regression fitted by Newton's method (IRLS, ridge-regularised) on a window of recent
// labelled answers, and the threshold calibration (see acceptance_model.h). With 27 features
// and at most a few thousand examples a refit costs a few milliseconds; refits are amortised
// so the cost per label stays in microseconds. While the sample is small (at most 4 x 27
// examples) a refit also fits 5 folds, on at most a hundred examples each.
#include "routing/acceptance_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "routing/state_json.h"

namespace prsm::routing {

namespace {

constexpr std::size_t kN = kAcceptanceFeatureCount;
// Ridge penalty: keeps the fit finite when a feature separates the labels perfectly (a handful
// of examples often do) and shrinks one-hot domains that are rare. It penalises each weight
// times its feature's standard deviation over the examples (the usual standardised ridge), so
// a feature's scale does not decide how much it may count: a log token count that varies by
// 0.2 across answers is judged like a yes/no feature. The bias is barely penalised, so the
// base rate is learned freely.
constexpr double kRidge = 1.0;
constexpr double kBiasRidge = 0.01;
// The smallest variance a penalty uses: a (nearly) constant feature still gets a penalty.
constexpr double kMinVariance = 0.01;
constexpr int kNewtonSteps = 12;
// Fewest accepted examples a threshold may rest on, and the margin (standard errors).
constexpr std::size_t kMinAccepted = 5;
constexpr double kMarginZ = 1.0;
// Out-of-fold calibration (kFolds folds) while there are fewer than four examples per feature,
// where in-sample predictions flatter the model most; beyond, in-sample calibration with its margin
// (kMarginZ) is accurate enough and cheaper.
constexpr std::size_t kFolds = 5;
constexpr std::size_t kCrossFitMax = 4 * kN;

using Examples = std::deque<std::pair<AcceptanceFeatures, double>>;

double Sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// Solves a * x = b (a is kN x kN, symmetric positive definite here) by Gaussian elimination
// with partial pivoting. False when singular.
bool Solve(std::array<std::array<double, kN>, kN> a, std::array<double, kN> b,
           std::array<double, kN>& x) {
  for (std::size_t col = 0; col < kN; ++col) {
    std::size_t pivot = col;
    for (std::size_t row = col + 1; row < kN; ++row) {
      if (std::fabs(a[row][col]) > std::fabs(a[pivot][col])) pivot = row;
    }
    if (std::fabs(a[pivot][col]) < 1e-12) return false;
    std::swap(a[col], a[pivot]);
    std::swap(b[col], b[pivot]);
    for (std::size_t row = col + 1; row < kN; ++row) {
      const double f = a[row][col] / a[col][col];
      if (f == 0.0) continue;
      for (std::size_t k = col; k < kN; ++k) a[row][k] -= f * a[col][k];
      b[row] -= f * b[col];
    }
  }
  for (std::size_t i = kN; i-- > 0;) {
    double sum = b[i];
    for (std::size_t k = i + 1; k < kN; ++k) sum -= a[i][k] * x[k];
    x[i] = sum / a[i][i];
  }
  return true;
}

double Dot(const AcceptanceFeatures& w, const AcceptanceFeatures& x) {
  double z = 0.0;
  for (std::size_t i = 0; i < kN; ++i) z += w[i] * x[i];
  return z;
}

// Whether example `i` takes part in a fit that leaves out fold `fold` of `folds` (none: 0).
bool InFit(std::size_t i, std::size_t folds, std::size_t fold) {
  return folds == 0 || i % folds != fold;
}

// The ridge penalty of each weight over `examples` (see kRidge).
AcceptanceFeatures Ridges(const Examples& examples) {
  AcceptanceFeatures sum{};
  AcceptanceFeatures square{};
  for (const auto& example : examples) {
    for (std::size_t i = 0; i < kN; ++i) {
      sum[i] += example.first[i];
      square[i] += example.first[i] * example.first[i];
    }
  }
  AcceptanceFeatures ridge{};
  const auto n = static_cast<double>(std::max<std::size_t>(examples.size(), 1));
  ridge[0] = kBiasRidge;
  for (std::size_t i = 1; i < kN; ++i) {
    const double mean = sum[i] / n;
    ridge[i] = kRidge * std::max(square[i] / n - mean * mean, kMinVariance);
  }
  return ridge;
}

// The penalised negative log-likelihood under weights `w` of the examples in the fit.
double Loss(const Examples& examples, const AcceptanceFeatures& ridge, const AcceptanceFeatures& w,
            std::size_t folds, std::size_t fold) {
  double loss = 0.0;
  for (std::size_t k = 0; k < examples.size(); ++k) {
    if (!InFit(k, folds, fold)) continue;
    const double z = Dot(w, examples[k].first);
    // log(1 + e^z) - y z, computed without overflow.
    loss +=
        (z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) - examples[k].second * z;
  }
  for (std::size_t i = 0; i < kN; ++i) loss += 0.5 * ridge[i] * w[i] * w[i];
  return loss;
}

// The weights minimising Loss, by damped Newton steps from `w`.
AcceptanceFeatures Fit(const Examples& examples, const AcceptanceFeatures& ridge,
                       AcceptanceFeatures w, std::size_t folds, std::size_t fold) {
  double loss = Loss(examples, ridge, w, folds, fold);
  for (int step = 0; step < kNewtonSteps; ++step) {
    std::array<std::array<double, kN>, kN> hessian{};
    std::array<double, kN> gradient{};
    for (std::size_t k = 0; k < examples.size(); ++k) {
      if (!InFit(k, folds, fold)) continue;
      const auto& [x, y] = examples[k];
      const double p = Sigmoid(Dot(w, x));
      const double s = p * (1.0 - p);
      for (std::size_t i = 0; i < kN; ++i) {
        if (x[i] == 0.0) continue;
        gradient[i] += (p - y) * x[i];
        for (std::size_t j = i; j < kN; ++j) hessian[i][j] += s * x[i] * x[j];
      }
    }
    for (std::size_t i = 0; i < kN; ++i) {
      for (std::size_t j = 0; j < i; ++j) hessian[i][j] = hessian[j][i];
      hessian[i][i] += ridge[i];
      gradient[i] += ridge[i] * w[i];
    }
    std::array<double, kN> delta{};
    if (!Solve(hessian, gradient, delta)) break;
    // Damped: halve the step until the loss does not increase (plain Newton overshoots when
    // the predictions saturate).
    bool improved = false;
    double scale = 1.0;
    for (int halving = 0; halving < 20 && !improved; ++halving, scale *= 0.5) {
      AcceptanceFeatures candidate = w;
      for (std::size_t i = 0; i < kN; ++i) candidate[i] -= scale * delta[i];
      const double candidate_loss = Loss(examples, ridge, candidate, folds, fold);
      if (std::isfinite(candidate_loss) && candidate_loss <= loss) {
        improved = true;
        const double gain = loss - candidate_loss;
        w = candidate;
        loss = candidate_loss;
        if (gain < 1e-9 * (1.0 + loss)) step = kNewtonSteps;  // converged
      }
    }
    if (!improved) break;
  }
  return w;
}

}  // namespace

std::optional<double> CalibrateThreshold(std::vector<std::pair<double, double>> examples,
                                         double target, std::size_t min_count, double z) {
  std::sort(examples.begin(), examples.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::optional<double> threshold;
  double sum = 0.0;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    sum += examples[i].second;
    // Only between distinct scores: a threshold accepts every example of equal score.
    if (i + 1 < examples.size() && examples[i + 1].first == examples[i].first) continue;
    const auto k = static_cast<double>(i + 1);
    if (i + 1 < min_count) continue;
    const double mean = sum / k;
    const double bound = mean - z * std::sqrt(std::max(mean * (1.0 - mean), 0.0) / k);
    if (bound >= target) threshold = examples[i].first;
  }
  return threshold;
}

AcceptanceModel::AcceptanceModel(AcceptanceSettings settings) : settings_(settings) {
  settings_.max_examples = std::max<std::size_t>(settings_.max_examples, 1);
}

double AcceptanceModel::Probability(const AcceptanceFeatures& x) const {
  return Sigmoid(Dot(weights_, x));
}

bool AcceptanceModel::Accepts(const AcceptanceFeatures& x) const {
  return calibrated() && threshold_.has_value() && Probability(x) >= *threshold_;
}

void AcceptanceModel::Add(const AcceptanceFeatures& x, double label) {
  if (!std::isfinite(label)) return;
  examples_.emplace_back(x, std::clamp(label, 0.0, 1.0));
  while (examples_.size() > settings_.max_examples) examples_.pop_front();
  ++labels_;
  ++since_refit_;
  // Every label while the window is small; about 30 refits per window once it is large.
  if (since_refit_ >= 1 + examples_.size() / 32 || labels_ == settings_.min_labels) Refit();
}

void AcceptanceModel::Refit() {
  since_refit_ = 0;
  if (examples_.empty()) return;
  const AcceptanceFeatures ridge = Ridges(examples_);
  const std::size_t n = examples_.size();
  weights_ = Fit(examples_, ridge, weights_, 0, 0);
  std::vector<std::pair<double, double>> scored;
  scored.reserve(n);
  if (n < 2 * kFolds || n > kCrossFitMax) {
    for (const auto& [x, y] : examples_) scored.emplace_back(Probability(x), y);
  } else {
    // A small sample: in-sample predictions of a few dozen examples flatter the model (its
    // wrong answers look more recognisable than new ones will), so the threshold is calibrated
    // on out-of-fold predictions. Each fold starts from the full fit: a few Newton steps.
    for (std::size_t fold = 0; fold < kFolds; ++fold) {
      const AcceptanceFeatures w = Fit(examples_, ridge, weights_, kFolds, fold);
      for (std::size_t i = fold; i < n; i += kFolds) {
        scored.emplace_back(Sigmoid(Dot(w, examples_[i].first)), examples_[i].second);
      }
    }
  }
  threshold_ =
      CalibrateThreshold(std::move(scored), settings_.target_quality, kMinAccepted, kMarginZ);
}

void AcceptanceModel::Write(json::Writer& writer) const {
  writer.StartObject();
  writer.Key("labels");
  writer.Uint64(labels_);
  writer.Key("weights");
  writer.StartArray();
  for (double w : weights_) writer.Double(w);
  writer.EndArray();
  writer.Key("threshold");
  if (threshold_) {
    writer.Double(*threshold_);
  } else {
    writer.Null();
  }
  writer.Key("examples");
  writer.StartArray();
  for (const auto& [x, y] : examples_) {
    writer.StartArray();
    for (double v : x) writer.Double(v);
    writer.Double(y);
    writer.EndArray();
  }
  writer.EndArray();
  writer.EndObject();
}

Result<AcceptanceModel> AcceptanceModel::Read(const json::Value& value, const json::Path& path,
                                              AcceptanceSettings settings) {
  AcceptanceModel model(settings);
  if (!value.IsObject()) return StateError(json::TypeError(path, "object", value));
  auto labels = json::RequiredInt64(value, "labels", path);
  if (!labels) return StateError(labels.error());
  if (*labels < 0) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("invalid state: {}.labels is negative", path.ToString()));
  }
  model.labels_ = static_cast<std::size_t>(*labels);
  constexpr double kMax = std::numeric_limits<double>::max();
  auto number_array = [&](const json::Value& array, const json::Path& at, std::size_t size,
                          double* out) -> Result<void> {
    if (!array.IsArray()) return StateError(json::TypeError(at, "array", array));
    if (array.Size() != size) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("invalid state: {} has {} numbers, expected {}", at.ToString(),
                               array.Size(), size));
    }
    for (json::rapidjson::SizeType i = 0; i < array.Size(); ++i) {
      auto number = json::AsDouble(array[i], at.Index(i));
      if (!number) return StateError(number.error());
      if (!std::isfinite(*number) || std::fabs(*number) > kMax) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("invalid state: {} is not finite", at.Index(i).ToString()));
      }
      out[i] = *number;
    }
    return {};
  };
  const json::Path weights_path = path.Member("weights");
  auto weights = json::RequiredArray(value, "weights", path);
  if (!weights) return StateError(weights.error());
  if (auto read = number_array(**weights, weights_path, kN, model.weights_.data()); !read) {
    return read.error();
  }
  const json::Value* threshold = json::FindMember(value, "threshold");
  if (threshold == nullptr) return StateError(json::MissingError(path.Member("threshold")));
  if (!threshold->IsNull()) {
    auto t = RequiredNumberIn(value, "threshold", path, 0.0, 1.0);
    if (!t) return t.error();
    model.threshold_ = *t;
  }
  const json::Path examples_path = path.Member("examples");
  auto examples = json::RequiredArray(value, "examples", path);
  if (!examples) return StateError(examples.error());
  for (json::rapidjson::SizeType i = 0; i < (*examples)->Size(); ++i) {
    double row[kN + 1];
    if (auto read = number_array((**examples)[i], examples_path.Index(i), kN + 1, row); !read) {
      return read.error();
    }
    if (row[kN] < 0.0 || row[kN] > 1.0) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("invalid state: {}: label outside [0, 1]",
                               examples_path.Index(i).ToString()));
    }
    AcceptanceFeatures x{};
    std::copy(row, row + kN, x.begin());
    model.examples_.emplace_back(x, row[kN]);
  }
  while (model.examples_.size() > model.settings_.max_examples) model.examples_.pop_front();
  return model;
}

}  // namespace prsm::routing
