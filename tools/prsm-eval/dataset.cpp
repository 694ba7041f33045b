// Strict reader of prsm-replay-1 folders. Every check names file, line and field, because the
// harness will be pointed at datasets we have never seen: a bad file must say where it is bad.
#include "dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace prsm_eval {
namespace {

namespace fs = std::filesystem;
using prsm::Error;
using prsm::ErrorCode;
using prsm::Result;
using rapidjson::Value;

// Where a value sits, for messages: "queries.jsonl line 12" plus a field path.
struct Where {
  std::string place;

  Error Bad(const std::string& field, const std::string& what) const {
    return Error(ErrorCode::kInvalidArgument, fmt::format("{}: {}: {}", place, field, what));
  }
};

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kNotFound, fmt::format("cannot open {}", path.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error(ErrorCode::kDataLoss, fmt::format("cannot read {}", path.string()));
  return text.str();
}

Result<std::string> RequiredString(const Value& object, const char* key, const Where& where,
                                   const std::string& prefix = "") {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd()) return where.Bad(prefix + key, "missing");
  if (!it->value.IsString()) return where.Bad(prefix + key, "expected a string");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// A string or null; an absent field counts as null.
Result<std::optional<std::string>> NullableString(const Value& object, const char* key,
                                                  const Where& where,
                                                  const std::string& prefix = "") {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return std::optional<std::string>();
  if (!it->value.IsString()) return where.Bad(prefix + key, "expected a string or null");
  return std::optional<std::string>(
      std::string(it->value.GetString(), it->value.GetStringLength()));
}

Result<std::optional<double>> NullableNonNegative(const Value& object, const char* key,
                                                  const Where& where,
                                                  const std::string& prefix = "") {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return std::optional<double>();
  if (!it->value.IsNumber() || !std::isfinite(it->value.GetDouble()) ||
      it->value.GetDouble() < 0.0) {
    return where.Bad(prefix + key, "expected a number >= 0 or null");
  }
  return std::optional<double>(it->value.GetDouble());
}

Result<std::optional<std::int64_t>> NullableCount(const Value& object, const char* key,
                                                  const Where& where,
                                                  const std::string& prefix = "") {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return std::optional<std::int64_t>();
  if (!it->value.IsInt64() || it->value.GetInt64() < 0) {
    return where.Bad(prefix + key, "expected an integer >= 0 or null");
  }
  return std::optional<std::int64_t>(it->value.GetInt64());
}

Result<double> Score(const Value& object, const Where& where, const std::string& prefix) {
  auto it = object.FindMember("score");
  if (it == object.MemberEnd()) return where.Bad(prefix + "score", "missing");
  if (!it->value.IsNumber() || !std::isfinite(it->value.GetDouble()) ||
      it->value.GetDouble() < 0.0 || it->value.GetDouble() > 1.0) {
    return where.Bad(prefix + "score", "expected a number in [0, 1]");
  }
  return it->value.GetDouble();
}

Result<Sample> ReadSample(const Value& value, const Where& where, const std::string& prefix) {
  if (!value.IsObject()) return where.Bad(prefix, "expected an object");
  Sample sample;
  auto answer = NullableString(value, "answer", where, prefix);
  if (!answer) return answer.error();
  sample.answer = std::move(*answer);
  auto score = Score(value, where, prefix);
  if (!score) return score.error();
  sample.score = *score;
  auto input = NullableCount(value, "input_tokens", where, prefix);
  if (!input) return input.error();
  sample.input_tokens = *input;
  auto output = NullableCount(value, "output_tokens", where, prefix);
  if (!output) return output.error();
  sample.output_tokens = *output;
  auto cost = NullableNonNegative(value, "cost_usd", where, prefix);
  if (!cost) return cost.error();
  sample.cost_usd = *cost;
  return sample;
}

Result<Outcome> ReadOutcome(const Value& value, const Where& where, const std::string& prefix) {
  if (!value.IsObject())
    return where.Bad(prefix.substr(0, prefix.size() - 1), "expected an object");
  Outcome outcome;
  auto score = Score(value, where, prefix);
  if (!score) return score.error();
  outcome.score = *score;
  auto answer = NullableString(value, "answer", where, prefix);
  if (!answer) return answer.error();
  outcome.answer = std::move(*answer);
  auto response = NullableString(value, "response", where, prefix);
  if (!response) return response.error();
  outcome.response = std::move(*response);
  auto input = NullableCount(value, "input_tokens", where, prefix);
  if (!input) return input.error();
  outcome.input_tokens = *input;
  auto output = NullableCount(value, "output_tokens", where, prefix);
  if (!output) return output.error();
  outcome.output_tokens = *output;
  auto thinking = NullableCount(value, "thinking_tokens", where, prefix);
  if (!thinking) return thinking.error();
  outcome.thinking_tokens = *thinking;
  auto cost = NullableNonNegative(value, "cost_usd", where, prefix);
  if (!cost) return cost.error();
  outcome.cost_usd = *cost;
  if (auto it = value.FindMember("samples"); it != value.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsArray()) return where.Bad(prefix + "samples", "expected an array");
    for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
      auto sample = ReadSample(it->value[i], where, fmt::format("{}samples[{}].", prefix, i));
      if (!sample) return sample.error();
      outcome.samples.push_back(std::move(*sample));
    }
  }
  return outcome;
}

Result<void> ReadModels(const fs::path& path, Dataset& dataset) {
  auto text = ReadFile(path);
  if (!text) return text.error();
  const Where where{path.filename().string()};
  rapidjson::Document doc;
  doc.Parse(text->c_str(), text->size());
  if (doc.HasParseError()) {
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("{}: not valid JSON at offset {}: {}", where.place, doc.GetErrorOffset(),
                    rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) return where.Bad("(top level)", "expected an object");
  auto format = RequiredString(doc, "format", where);
  if (!format) return format.error();
  if (*format != "prsm-replay-1") {
    return where.Bad("format", fmt::format("expected \"prsm-replay-1\", got \"{}\"", *format));
  }
  auto name = RequiredString(doc, "dataset", where);
  if (!name) return name.error();
  if (name->empty()) return where.Bad("dataset", "empty");
  dataset.name = std::move(*name);
  auto cost = NullableString(doc, "cost", where);
  if (!cost) return cost.error();
  dataset.cost_kind = cost->value_or("");
  auto models = doc.FindMember("models");
  if (models == doc.MemberEnd()) return where.Bad("models", "missing");
  if (!models->value.IsArray() || models->value.Empty()) {
    return where.Bad("models", "expected a non-empty array");
  }
  std::set<std::string> names;
  for (rapidjson::SizeType i = 0; i < models->value.Size(); ++i) {
    const Value& model = models->value[i];
    const std::string prefix = fmt::format("models[{}].", i);
    if (!model.IsObject()) return where.Bad(fmt::format("models[{}]", i), "expected an object");
    ModelInfo info;
    auto model_name = RequiredString(model, "name", where, prefix);
    if (!model_name) return model_name.error();
    if (model_name->empty()) return where.Bad(prefix + "name", "empty");
    if (!names.insert(*model_name).second) {
      return where.Bad(prefix + "name", fmt::format("duplicate model \"{}\"", *model_name));
    }
    info.name = std::move(*model_name);
    auto input = NullableNonNegative(model, "input_usd_per_mtok", where, prefix);
    if (!input) return input.error();
    info.input_usd_per_mtok = *input;
    auto output = NullableNonNegative(model, "output_usd_per_mtok", where, prefix);
    if (!output) return output.error();
    info.output_usd_per_mtok = *output;
    dataset.models.push_back(std::move(info));
  }
  return {};
}

Result<Record> ReadRecord(const std::string& line, const Where& where, const Dataset& dataset) {
  rapidjson::Document doc;
  doc.Parse(line.c_str(), line.size());
  if (doc.HasParseError()) {
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("{}: not valid JSON at column {}: {}", where.place, doc.GetErrorOffset() + 1,
                    rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) return where.Bad("(line)", "expected an object");
  Record record;
  auto id = RequiredString(doc, "id", where);
  if (!id) return id.error();
  if (id->empty()) return where.Bad("id", "empty");
  record.id = std::move(*id);
  auto split = RequiredString(doc, "split", where);
  if (!split) return split.error();
  if (*split != "train" && *split != "test") {
    return where.Bad("split", fmt::format("expected \"train\" or \"test\", got \"{}\"", *split));
  }
  record.test = *split == "test";
  auto category = NullableString(doc, "category", where);
  if (!category) return category.error();
  record.category = std::move(*category);
  auto prompt = RequiredString(doc, "prompt", where);
  if (!prompt) return prompt.error();
  record.prompt = std::move(*prompt);
  auto gold = NullableString(doc, "gold", where);
  if (!gold) return gold.error();
  record.gold = std::move(*gold);
  auto outcomes = doc.FindMember("outcomes");
  if (outcomes == doc.MemberEnd()) return where.Bad("outcomes", "missing");
  if (!outcomes->value.IsObject()) return where.Bad("outcomes", "expected an object");
  record.outcomes.resize(dataset.models.size());
  for (auto it = outcomes->value.MemberBegin(); it != outcomes->value.MemberEnd(); ++it) {
    const std::string model(it->name.GetString(), it->name.GetStringLength());
    const int index = dataset.ModelIndex(model);
    if (index < 0) {
      return where.Bad("outcomes." + model, "model not listed in models.json");
    }
    auto outcome = ReadOutcome(it->value, where, "outcomes." + model + ".");
    if (!outcome) return outcome.error();
    record.outcomes[static_cast<std::size_t>(index)] = std::move(*outcome);
  }
  return record;
}

}  // namespace

int Dataset::ModelIndex(const std::string& model_name) const {
  for (std::size_t i = 0; i < models.size(); ++i) {
    if (models[i].name == model_name) return static_cast<int>(i);
  }
  return -1;
}

Result<Dataset> ReadDataset(const std::string& dir) {
  Dataset dataset;
  dataset.dir = dir;
  if (auto models = ReadModels(fs::path(dir) / "models.json", dataset); !models) {
    return models.error();
  }
  const fs::path queries_path = fs::path(dir) / "queries.jsonl";
  std::ifstream in(queries_path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kNotFound, fmt::format("cannot open {}", queries_path.string()));
  }
  std::set<std::string> ids;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const Where where{fmt::format("queries.jsonl line {}", line_number)};
    auto record = ReadRecord(line, where, dataset);
    if (!record) return record.error();
    if (!ids.insert(record->id).second) {
      return where.Bad("id", fmt::format("duplicate id \"{}\"", record->id));
    }
    dataset.records.push_back(std::move(*record));
  }
  if (in.bad()) {
    return Error(ErrorCode::kDataLoss, fmt::format("cannot read {}", queries_path.string()));
  }
  if (dataset.records.empty()) {
    return Error(ErrorCode::kInvalidArgument, "queries.jsonl: no queries");
  }
  return dataset;
}

Result<std::vector<std::string>> FindDatasetDirs(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error(ErrorCode::kNotFound, fmt::format("{} is not a directory", dir));
  }
  if (fs::exists(fs::path(dir) / "models.json", ec)) return std::vector<std::string>{dir};
  std::vector<std::string> dirs;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec) && fs::exists(entry.path() / "models.json", ec)) {
      dirs.push_back(entry.path().string());
    }
  }
  if (dirs.empty()) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("no dataset (a folder with models.json) in {}", dir));
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

}  // namespace prsm_eval
