// prsm-eval: one dataset in the prsm-replay-1 format (../shared/data/FORMAT.md), read strictly.
//
// A dataset folder holds `models.json` (metadata and the model list with prices) and
// `queries.jsonl` (one query per line with every model's recorded outcome). The reader checks
// every field it uses and reports the first problem as kInvalidArgument naming the file, the
// line (for queries.jsonl) and the field, e.g.
// "queries.jsonl line 12: outcomes.gpt-4.score: expected a number in [0, 1]". It never throws.
//
// Thread safety: plain values; read once, then shared read-only.
#ifndef PRSM_EVAL_DATASET_H_
#define PRSM_EVAL_DATASET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "prsm/status.h"

namespace prsm_eval {

/// One model of the dataset, with its list prices (nullopt: the data has no price table).
struct ModelInfo {
  std::string name;
  std::optional<double> input_usd_per_mtok;
  std::optional<double> output_usd_per_mtok;
};

/// One extra stored sample of a model on a query (mot-date style data).
struct Sample {
  std::optional<std::string> answer;
  double score = 0.0;
  std::optional<std::int64_t> input_tokens;
  std::optional<std::int64_t> output_tokens;
  std::optional<double> cost_usd;
};

/// One model's recorded answer to one query: the primary call.
struct Outcome {
  double score = 0.0;
  std::optional<std::string> answer;
  std::optional<std::string> response;
  std::optional<std::int64_t> input_tokens;
  std::optional<std::int64_t> output_tokens;
  std::optional<std::int64_t> thinking_tokens;
  std::optional<double> cost_usd;
  std::vector<Sample> samples;
};

/// One query.
struct Record {
  std::string id;
  bool test = false;  ///< split == "test"; otherwise "train".
  std::optional<std::string> category;
  std::string prompt;
  std::optional<std::string> gold;
  /// Indexed like Dataset::models; nullopt where the model has no outcome for this query.
  std::vector<std::optional<Outcome>> outcomes;
};

/// A whole dataset folder.
struct Dataset {
  std::string name;  ///< models.json "dataset".
  std::string dir;
  std::string cost_kind;  ///< "measured" or "estimated".
  std::vector<ModelInfo> models;
  std::vector<Record> records;

  /// Index of the model called `name`, or -1.
  int ModelIndex(const std::string& name) const;
};

/// Reads `dir`/models.json and `dir`/queries.jsonl. Errors: kNotFound for a missing file,
/// kInvalidArgument for bad content (file, line and field named).
prsm::Result<Dataset> ReadDataset(const std::string& dir);

/// The dataset folders under `dir`: `dir` itself when it holds a models.json, else each
/// immediate subfolder that holds one, sorted by name. Errors: kNotFound when there are none.
prsm::Result<std::vector<std::string>> FindDatasetDirs(const std::string& dir);

}  // namespace prsm_eval

#endif  // PRSM_EVAL_DATASET_H_
