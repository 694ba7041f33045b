// Evaluates one dataset; see evaluate.h.
#include "evaluate.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "answer_format.h"
#include "calibration.h"
#include "metrics.h"
#include "progress.h"
#include "runner.h"
#include "systems.h"

namespace prsm_eval {
namespace {

struct Split {
  std::vector<const Record*> train;
  std::vector<const Record*> test;
};

Split Partition(const Dataset& dataset) {
  Split split;
  for (const Record& record : dataset.records) {
    (record.test ? split.test : split.train).push_back(&record);
  }
  return split;
}

// Builds a system, turning a throwing placeholder into "not available".
std::optional<Setup> Build(const SystemDef& def, const EvalEnv& env, const Knobs& knobs,
                           std::string& why) {
  try {
    auto setup = def.make(env, knobs);
    if (setup && !setup->routing) {
      why = "routing factory returned null";
      return std::nullopt;
    }
    if (!setup) why = "not applicable to this dataset";
    return setup;
  } catch (const std::exception& e) {
    why = fmt::format("factory threw: {}", e.what());
  } catch (...) {
    why = "factory threw";
  }
  return std::nullopt;
}

struct Outcome2 {
  std::vector<QueryResult> results;
  CostCheck cost;
  std::set<int> called;
  std::string first_error;
};

// Runs `setup` over `records`; with `feedback`, reports each answer's score to the strategy.
std::optional<Outcome2> RunSplit(const EvalEnv& env, Setup setup,
                                 const std::vector<const Record*>& records, int strong,
                                 bool feedback, const std::optional<std::string>& state,
                                 std::optional<std::string>* saved, const std::string& label,
                                 std::vector<std::string>& notes) {
  auto session = Session::Create(env, std::move(setup));
  if (!session) {
    notes.push_back(fmt::format("{}: cannot build: {}", label, session.error().ToString()));
    return std::nullopt;
  }
  if (state) {
    if (auto loaded = (*session)->Load(*state); !loaded) {
      notes.push_back(
          fmt::format("{}: LoadRoutingState failed: {}", label, loaded.error().ToString()));
    }
  }
  Outcome2 out;
  std::size_t feedback_errors = 0;
  std::string feedback_error;
  Progress progress(label, records.size());
  for (const Record* record : records) {
    QueryResult r = (*session)->Ask(*record, strong);
    if (!r.answered && out.first_error.empty()) out.first_error = r.error;
    if (feedback && r.answered) {
      if (auto fed = (*session)->Feedback(r.request_id, r.score); !fed) {
        if (feedback_errors++ == 0) feedback_error = fed.error().ToString();
      }
    }
    out.results.push_back(std::move(r));
    progress.Tick();
  }
  progress.Finish();
  if (feedback_errors > 0) {
    notes.push_back(fmt::format("{}: {} Feedback() calls failed, first: {}", label, feedback_errors,
                                feedback_error));
  }
  if (saved != nullptr) {
    auto state_text = (*session)->Save();
    if (state_text) {
      *saved = std::move(*state_text);
    } else if (state_text.error().code() != prsm::ErrorCode::kUnimplemented) {
      notes.push_back(
          fmt::format("{}: SaveRoutingState failed: {}", label, state_text.error().ToString()));
    }
  }
  out.cost = (*session)->cost_check();
  out.called = (*session)->models_called();
  return out;
}

std::string PointName(const std::string& name, double point) {
  return fmt::format("{}@{:g}", name, point);
}

bool IsConsensusSystem(const std::string& name) {
  return name.rfind("vote", 0) == 0 || name.rfind("weighted", 0) == 0 ||
         name.rfind("cascade", 0) == 0 || name.rfind("expert", 0) == 0 ||
         name.find("consensus") != std::string::npos;
}

}  // namespace

DatasetReport EvaluateDataset(const Dataset& dataset, const std::vector<std::string>& systems,
                              std::uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  DatasetReport report;
  report.dataset = dataset.name;
  const EvalEnv env = Calibrate(dataset, seed);
  report.answer_format = std::string(AnswerFormatName(env.format));
  const Split split = Partition(dataset);
  const bool two_models = dataset.models.size() == 2;
  // The strong model of a two-model set: the better one on train (RouteLLM's GPT-4).
  const int strong = two_models ? env.best : -1;
  auto selected = [&](const std::string& name) {
    return systems.empty() || std::find(systems.begin(), systems.end(), name) != systems.end();
  };
  auto note_cost = [&](const CostCheck& check) {
    report.max_cost_dev_abs = std::max(report.max_cost_dev_abs, check.max_abs_usd);
    report.max_cost_dev_rel = std::max(report.max_cost_dev_rel, check.max_rel);
  };
  std::map<std::string, std::set<int>> called_by_row;

  // Single models: the reference rows.
  std::vector<double> model_test_score(dataset.models.size(), 0.0);
  for (std::size_t m = 0; m < dataset.models.size(); ++m) {
    Setup setup{prsm::MakeSingleModelRouting(), nullptr, {dataset.models[m].name}};
    auto out = RunSplit(env, std::move(setup), split.test, strong, false, std::nullopt, nullptr,
                        fmt::format("{} {}", dataset.name, dataset.models[m].name), report.notes);
    if (!out) continue;
    note_cost(out->cost);
    SystemRow row = Aggregate(dataset.name, dataset.models[m].name, SystemKind::kModel,
                              out->results, two_models);
    model_test_score[m] = row.score;
    report.rows.push_back(std::move(row));
  }
  report.rows.push_back(OracleRow(dataset));

  for (const SystemDef& def : BuiltInSystems()) {
    if (!selected(def.name)) continue;
    const std::string label = fmt::format("{} {}", dataset.name, def.name);
    std::optional<std::string> state;
    std::string why;
    // Trains an instance at `point` on the train split and keeps its saved state.
    auto train = [&](double point, const std::string& train_label) {
      state.reset();
      auto setup = Build(def, env, Knobs{point, true}, why);
      if (!setup) {
        report.notes.push_back(fmt::format("{}: {}", def.name, why));
        return false;
      }
      return RunSplit(env, std::move(*setup), split.train, strong, true, std::nullopt, &state,
                      train_label, report.notes)
          .has_value();
    };
    if (def.trains) {
      if (!train(def.default_point, label + " (train)")) continue;
      if (state) report.states[def.name] = *state;
    }
    std::vector<std::pair<std::string, double>> points = {{def.name, def.default_point}};
    for (double p : def.sweep) points.emplace_back(PointName(def.name, p), p);
    if (def.sweep_of) {
      for (double p : def.sweep_of(env)) points.emplace_back(PointName(def.name, p), p);
    }
    for (const auto& [row_name, point] : points) {
      if (def.trains && def.retrain_per_point && row_name != def.name &&
          !train(point, fmt::format("{} {} (train)", dataset.name, row_name))) {
        break;
      }
      auto setup = Build(def, env, Knobs{point, false}, why);
      if (!setup) {
        report.notes.push_back(fmt::format("{}: {}", row_name, why));
        break;
      }
      auto out = RunSplit(env, std::move(*setup), split.test, strong, false, state, nullptr,
                          fmt::format("{} {}", dataset.name, row_name), report.notes);
      if (!out) break;
      note_cost(out->cost);
      SystemRow row = Aggregate(dataset.name, row_name, def.kind, out->results, two_models);
      if (row.failed == row.queries) {
        report.notes.push_back(
            fmt::format("{}: every test query failed, first: {}", row_name, out->first_error));
        break;
      }
      if (row.failed > 0) {
        report.notes.push_back(fmt::format("{}: {} of {} test queries failed, first: {}", row_name,
                                           row.failed, row.queries, out->first_error));
      }
      if (row_name != def.name) row.family = def.name;
      called_by_row[row_name] = out->called;
      if (row_name == def.name) {
        for (int m : out->called) {
          report.models_used[row_name].push_back(dataset.models[static_cast<std::size_t>(m)].name);
        }
      }
      report.rows.push_back(std::move(row));
    }
  }

  // Cost as % of the best single model (best on test, ties cheaper).
  std::vector<CostScore> model_points;
  std::vector<const SystemRow*> model_rows;
  for (const SystemRow& row : report.rows) {
    if (row.kind == SystemKind::kModel) {
      model_points.push_back({row.usd_per_query, row.score});
      model_rows.push_back(&row);
    }
  }
  if (auto best = BestIndex(model_points)) {
    report.best_model = model_rows[*best]->system;
    report.best_score = model_rows[*best]->score;
    report.best_cost = model_rows[*best]->usd_per_query;
  }
  for (SystemRow& row : report.rows) {
    row.cost_pct_of_best = CostPercentOf(row.usd_per_query, report.best_cost);
  }

  // Cost at 95% of the best model's score, dominance, consensus.
  std::set<std::string> on_frontier;
  for (std::size_t i : ParetoFrontier(model_points)) on_frontier.insert(model_rows[i]->system);
  for (const SystemRow& row : report.rows) {
    if (row.kind != SystemKind::kPrsm) continue;
    if (row.score >= 0.95 * report.best_score &&
        (!report.at95_cost_pct || *row.cost_pct_of_best < *report.at95_cost_pct)) {
      report.at95_system = row.system;
      report.at95_cost_pct = row.cost_pct_of_best;
    }
    for (const SystemRow* model : model_rows) {
      if (row.score > model->score && row.usd_per_query < model->usd_per_query) {
        report.dominations.push_back(fmt::format("{} > {}", row.system, model->system));
        if (on_frontier.count(model->system) != 0) {
          report.frontier_dominations.push_back(fmt::format("{} > {}", row.system, model->system));
        }
      }
    }
    if (IsConsensusSystem(row.system) && row.usd_per_query < report.best_cost) {
      const auto& called = called_by_row[row.system];
      bool above_all = !called.empty();
      for (int m : called) {
        if (row.score <= model_test_score[static_cast<std::size_t>(m)]) above_all = false;
      }
      if (above_all) report.consensus_wins.push_back(row.system);
    }
  }

  // RouteLLM's curves on two-model data: each swept family, anchored at the two models.
  if (two_models) {
    const int weak = 1 - strong;
    const double weak_score = model_test_score[static_cast<std::size_t>(weak)];
    const double strong_score = model_test_score[static_cast<std::size_t>(strong)];
    report.weak_model = dataset.models[static_cast<std::size_t>(weak)].name;
    report.strong_model = dataset.models[static_cast<std::size_t>(strong)].name;
    std::map<std::string, std::vector<CurvePoint>> curves;
    for (const SystemRow& row : report.rows) {
      if (!row.family.empty() && row.strong_pct) {
        curves[row.family].push_back({*row.strong_pct, row.score});
      }
    }
    for (auto& [family, points] : curves) {
      points.push_back({0.0, weak_score});
      points.push_back({100.0, strong_score});
      RoutingCurve curve;
      curve.family = family;
      curve.points = points.size();
      curve.cpt50 = CallPercentAtPgr(points, weak_score, strong_score, 0.5);
      curve.cpt80 = CallPercentAtPgr(points, weak_score, strong_score, 0.8);
      curve.apgr = AveragePgr(points, weak_score, strong_score);
      report.curves.push_back(std::move(curve));
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace prsm_eval
