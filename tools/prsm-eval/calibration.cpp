// Train-split calibration; see calibration.h.
#include "calibration.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "answer_format.h"
#include "replay_provider.h"

namespace prsm_eval {

EvalEnv Calibrate(const Dataset& dataset, std::uint64_t seed) {
  EvalEnv env;
  env.dataset = &dataset;
  env.seed = seed;
  env.format = InferAnswerFormat(dataset);
  const std::size_t n = dataset.models.size();
  std::vector<double> score_sum(n, 0.0);
  std::vector<double> cost_sum(n, 0.0);
  std::vector<double> token_sum(n, 0.0);
  std::vector<double> priced_cost_sum(n, 0.0);
  std::vector<std::size_t> count(n, 0);
  // category -> per model (sum, count)
  std::map<std::string, std::vector<std::pair<double, std::size_t>>> by_category;
  std::set<std::string> categories;
  for (const Record& record : dataset.records) {
    if (record.category) categories.insert(*record.category);
    if (record.test) continue;
    for (std::size_t m = 0; m < n; ++m) {
      const auto& outcome = record.outcomes[m];
      if (!outcome) continue;
      score_sum[m] += outcome->score;
      cost_sum[m] += outcome->cost_usd.value_or(0.0);
      ++count[m];
      if (outcome->cost_usd && outcome->input_tokens && outcome->output_tokens) {
        token_sum[m] += static_cast<double>(*outcome->input_tokens + *outcome->output_tokens);
        priced_cost_sum[m] += *outcome->cost_usd;
      }
      if (record.category) {
        auto& cells = by_category[*record.category];
        cells.resize(n, {0.0, 0});
        cells[m].first += outcome->score;
        ++cells[m].second;
      }
    }
  }
  env.has_categories = categories.size() > 1;
  for (std::size_t m = 0; m < n; ++m) {
    const ModelInfo& info = dataset.models[m];
    env.train_score.push_back(count[m] > 0 ? score_sum[m] / static_cast<double>(count[m]) : 0.5);
    env.train_cost.push_back(count[m] > 0 ? cost_sum[m] / static_cast<double>(count[m]) : 0.0);
    const double blended = token_sum[m] > 0.0 ? priced_cost_sum[m] / token_sum[m] * 1e6 : 0.0;
    prsm::ModelSpec spec;
    spec.name = info.name;
    spec.provider = std::string(ReplayProvider::kId);
    spec.price.input_per_mtok = info.input_usd_per_mtok.value_or(blended);
    spec.price.output_per_mtok = info.output_usd_per_mtok.value_or(blended);
    spec.quality = env.train_score.back();
    if (env.has_categories) {
      constexpr double kPseudo = 2.0;
      for (const auto& [category, cells] : by_category) {
        const auto& [sum, cnt] = cells[m];
        spec.domain_quality[category] =
            (sum + kPseudo * spec.quality) / (static_cast<double>(cnt) + kPseudo);
      }
    }
    env.specs.push_back(std::move(spec));
  }
  for (std::size_t m = 1; m < n; ++m) {
    const int b = env.best;
    const auto mi = static_cast<int>(m);
    if (env.train_score[m] > env.train_score[static_cast<std::size_t>(b)] ||
        (env.train_score[m] == env.train_score[static_cast<std::size_t>(b)] &&
         env.train_cost[m] < env.train_cost[static_cast<std::size_t>(b)])) {
      env.best = mi;
    }
    if (env.train_cost[m] < env.train_cost[static_cast<std::size_t>(env.cheapest)]) {
      env.cheapest = mi;
    }
  }
  const double floor = 0.5 * env.train_score[static_cast<std::size_t>(env.best)];
  for (std::size_t m = 0; m < n; ++m) {
    if (env.train_score[m] >= floor) env.by_value.push_back(static_cast<int>(m));
  }
  auto value = [&](int m) {
    const auto i = static_cast<std::size_t>(m);
    return env.train_score[i] / std::max(env.train_cost[i], 1e-12);
  };
  std::stable_sort(env.by_value.begin(), env.by_value.end(),
                   [&](int a, int b) { return value(a) > value(b); });
  return env;
}

}  // namespace prsm_eval
