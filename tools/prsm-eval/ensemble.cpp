// Train-split choice of voters and cascade members; see ensemble.h.
#include "ensemble.h"

#include <algorithm>
#include <map>
#include <string>

#include "prsm/consensus.h"

namespace prsm_eval {
namespace {

// The extracted answer of every model on every train query (nullopt: none or no outcome).
struct TrainTable {
  std::vector<const Record*> records;
  std::vector<std::vector<std::optional<std::string>>> answers;  // [query][model]
};

TrainTable BuildTable(const EvalEnv& env) {
  TrainTable table;
  for (const Record& record : env.dataset->records) {
    if (record.test) continue;
    table.records.push_back(&record);
    std::vector<std::optional<std::string>> row;
    for (const auto& outcome : record.outcomes) {
      if (!outcome) {
        row.emplace_back();
        continue;
      }
      const std::string text =
          outcome->response ? *outcome->response : outcome->answer.value_or("");
      row.push_back(prsm::ExtractAnswer(text, env.format));
    }
    table.answers.push_back(std::move(row));
  }
  return table;
}

double ScoreOf(const Record& record, int model) {
  const auto& outcome = record.outcomes[static_cast<std::size_t>(model)];
  return outcome ? outcome->score : 0.0;
}

double CostOf(const Record& record, int model) {
  const auto& outcome = record.outcomes[static_cast<std::size_t>(model)];
  return outcome ? outcome->cost_usd.value_or(0.0) : 0.0;
}

// The winning voter (an index into `models`) of one query, or -1 for no decision.
int Winner(const EvalEnv& env, const std::vector<std::optional<std::string>>& answers,
           const std::vector<int>& models, EnsembleRule rule) {
  std::vector<double> weight(models.size(), 0.0);
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto& a = answers[static_cast<std::size_t>(models[i])];
    if (!a) continue;
    for (std::size_t j = 0; j < models.size(); ++j) {
      const auto& b = answers[static_cast<std::size_t>(models[j])];
      if (b && prsm::AnswersAgree(*a, *b, env.format)) {
        weight[i] += rule == EnsembleRule::kWeighted
                         ? env.train_score[static_cast<std::size_t>(models[j])]
                         : 1.0;
      }
    }
  }
  int best = -1;
  bool tie = false;
  for (std::size_t i = 0; i < models.size(); ++i) {
    if (weight[i] <= 0.0) continue;
    if (best < 0 || weight[i] > weight[static_cast<std::size_t>(best)]) {
      best = static_cast<int>(i);
      tie = false;
    } else if (weight[i] == weight[static_cast<std::size_t>(best)]) {
      // Agreeing voters share a weight; only a different answer of equal weight is a tie.
      const auto& a = answers[static_cast<std::size_t>(models[i])];
      const auto& b = answers[static_cast<std::size_t>(models[static_cast<std::size_t>(best)])];
      if (!prsm::AnswersAgree(*a, *b, env.format)) tie = true;
    }
  }
  return tie ? -1 : best;
}

// Calls `visit` with every k-subset of 0..n-1, in lexicographic order.
template <typename Visit>
void ForEachSubset(int n, std::size_t k, Visit visit) {
  if (k == 0 || static_cast<int>(k) > n) return;
  std::vector<int> subset(k);
  for (std::size_t i = 0; i < k; ++i) subset[i] = static_cast<int>(i);
  while (true) {
    visit(subset);
    int i = static_cast<int>(k) - 1;
    while (i >= 0 && subset[static_cast<std::size_t>(i)] == n - static_cast<int>(k) + i) --i;
    if (i < 0) return;
    ++subset[static_cast<std::size_t>(i)];
    for (std::size_t j = static_cast<std::size_t>(i) + 1; j < k; ++j) subset[j] = subset[j - 1] + 1;
  }
}

bool Better(const Ensemble& candidate, const std::optional<Ensemble>& best) {
  if (!best) return true;
  if (candidate.train_score != best->train_score) return candidate.train_score > best->train_score;
  return candidate.train_cost < best->train_cost;
}

}  // namespace

std::optional<Ensemble> ChooseVoters(const EvalEnv& env, std::size_t k, EnsembleRule rule) {
  const TrainTable table = BuildTable(env);
  if (table.records.empty()) return std::nullopt;
  const double budget = env.train_cost[static_cast<std::size_t>(env.best)];
  const double n = static_cast<double>(table.records.size());
  std::optional<Ensemble> best;
  ForEachSubset(static_cast<int>(env.specs.size()), k, [&](const std::vector<int>& models) {
    Ensemble e{models, 0.0, 0.0};
    for (std::size_t q = 0; q < table.records.size(); ++q) {
      for (int m : models) e.train_cost += CostOf(*table.records[q], m);
      const int winner = Winner(env, table.answers[q], models, rule);
      if (winner >= 0) {
        e.train_score += ScoreOf(*table.records[q], models[static_cast<std::size_t>(winner)]);
      }
    }
    e.train_score /= n;
    e.train_cost /= n;
    if (e.train_cost < budget && Better(e, best)) best = e;
  });
  return best;
}

std::optional<Ensemble> ChooseAgreementCascade(const EvalEnv& env, std::size_t k,
                                               EnsembleObjective objective) {
  const TrainTable table = BuildTable(env);
  if (table.records.empty()) return std::nullopt;
  const double budget = env.train_cost[static_cast<std::size_t>(env.best)];
  const double n = static_cast<double>(table.records.size());
  const int models = static_cast<int>(env.specs.size());
  std::optional<Ensemble> best;
  double best_lift = 0.0;
  ForEachSubset(models, k, [&](const std::vector<int>& cheap) {
    for (int final_model = 0; final_model < models; ++final_model) {
      if (std::find(cheap.begin(), cheap.end(), final_model) != cheap.end()) continue;
      Ensemble e{cheap, 0.0, 0.0};
      e.models.push_back(final_model);
      for (std::size_t q = 0; q < table.records.size(); ++q) {
        const Record& record = *table.records[q];
        const auto& first = table.answers[q][static_cast<std::size_t>(cheap.front())];
        bool agree = first.has_value();
        for (int m : cheap) {
          e.train_cost += CostOf(record, m);
          const auto& a = table.answers[q][static_cast<std::size_t>(m)];
          agree = agree && a && prsm::AnswersAgree(*first, *a, env.format);
        }
        if (agree) {
          e.train_score += ScoreOf(record, cheap.front());
        } else {
          e.train_score += ScoreOf(record, final_model);
          e.train_cost += CostOf(record, final_model);
        }
      }
      e.train_score /= n;
      e.train_cost /= n;
      if (e.train_cost >= budget) continue;
      if (objective == EnsembleObjective::kScore) {
        if (Better(e, best)) best = e;
        continue;
      }
      double members = 0.0;
      for (int m : e.models)
        members = std::max(members, env.train_score[static_cast<std::size_t>(m)]);
      const double lift = e.train_score - members;
      if (lift <= 0.0) continue;
      if (!best || lift > best_lift || (lift == best_lift && Better(e, best))) {
        best = e;
        best_lift = lift;
      }
    }
  });
  return best;
}

std::optional<int> ChooseMiddleStage(const EvalEnv& env, int cheap) {
  const auto score = [&env](int m) { return env.train_score[static_cast<std::size_t>(m)]; };
  const auto cost = [&env](int m) { return env.train_cost[static_cast<std::size_t>(m)]; };
  const int models = static_cast<int>(env.specs.size());
  auto dominated = [&](int m) {
    for (int other = 0; other < models; ++other) {
      if (other == m) continue;
      if (score(other) >= score(m) && cost(other) <= cost(m) &&
          (score(other) > score(m) || cost(other) < cost(m))) {
        return true;
      }
    }
    return false;
  };
  std::optional<int> middle;
  for (int m = 0; m < models; ++m) {
    if (m == cheap || m == env.best) continue;
    if (!(cost(m) > cost(cheap) && cost(m) < cost(env.best) && score(m) > score(cheap))) continue;
    if (dominated(m)) continue;
    if (!middle || score(m) > score(*middle) ||
        (score(m) == score(*middle) && cost(m) < cost(*middle))) {
      middle = m;
    }
  }
  return middle;
}

}  // namespace prsm_eval
