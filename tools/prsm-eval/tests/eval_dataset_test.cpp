// The prsm-replay-1 reader: the crafted dataset reads as written; every kind of bad input is a
// kInvalidArgument/kNotFound naming file, line and field, never a crash.
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "answer_format.h"
#include "dataset.h"

namespace {

namespace fs = std::filesystem;
using prsm_eval::ReadDataset;

const std::string kModels = R"({"format":"prsm-replay-1","dataset":"bad","cost":"measured",
  "models":[{"name":"a","input_usd_per_mtok":1,"output_usd_per_mtok":2},
            {"name":"b","input_usd_per_mtok":null,"output_usd_per_mtok":null}]})";
const std::string kGoodLine =
    R"({"id":"q1","split":"test","category":"x","prompt":"p","gold":"A","outcomes":{"a":{"score":1,"answer":"A","response":"Answer: A","input_tokens":3,"output_tokens":4,"cost_usd":0.5}}})";

// A fresh folder under the test's temp dir with the given files.
fs::path MakeDataset(const std::string& name, const std::string& models,
                     const std::string& queries) {
  const fs::path dir = fs::temp_directory_path() / ("prsm-eval-test-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  if (!models.empty()) std::ofstream(dir / "models.json") << models;
  std::ofstream(dir / "queries.jsonl") << queries;
  return dir;
}

std::string ErrorOf(const fs::path& dir) {
  auto dataset = ReadDataset(dir.string());
  REQUIRE_FALSE(dataset.has_value());
  return dataset.error().message();
}

}  // namespace

TEST_CASE("the crafted dataset reads as written", "[eval][dataset]") {
  auto dataset = ReadDataset(std::string(PRSM_EVAL_TEST_DATA) + "/tiny");
  REQUIRE(dataset.has_value());
  CHECK(dataset->name == "tiny");
  CHECK(dataset->cost_kind == "estimated");
  REQUIRE(dataset->models.size() == 2);
  CHECK(dataset->models[1].name == "strong");
  CHECK(*dataset->models[1].output_usd_per_mtok == 30.0);
  REQUIRE(dataset->records.size() == 8);
  const prsm_eval::Record& first = dataset->records[0];
  CHECK(first.id == "t-train-1");
  CHECK_FALSE(first.test);
  CHECK_FALSE(first.category.has_value());
  CHECK(*first.gold == "A");
  REQUIRE(first.outcomes.size() == 2);
  REQUIRE(first.outcomes[0].has_value());
  CHECK(first.outcomes[0]->score == 0.0);
  CHECK(*first.outcomes[0]->answer == "B");
  CHECK(*first.outcomes[1]->cost_usd == Approx(0.04));
  CHECK(*first.outcomes[1]->input_tokens == 1000);
  CHECK(dataset->records[4].test);
  CHECK(dataset->ModelIndex("cheap") == 0);
  CHECK(dataset->ModelIndex("nobody") == -1);
}

TEST_CASE("null prices, missing outcomes and samples are read", "[eval][dataset]") {
  const std::string line =
      R"({"id":"q1","split":"train","category":null,"prompt":"p","gold":null,"outcomes":{"b":{"score":0.5,"answer":null,"response":null,"input_tokens":null,"output_tokens":null,"cost_usd":null,"samples":[{"variant":"v","answer":"1","score":1,"input_tokens":1,"output_tokens":2,"cost_usd":0.1}]}}})";
  auto dataset = ReadDataset(MakeDataset("nulls", kModels, line + "\n\n").string());
  REQUIRE(dataset.has_value());
  CHECK_FALSE(dataset->models[1].input_usd_per_mtok.has_value());
  REQUIRE(dataset->records.size() == 1);
  CHECK_FALSE(dataset->records[0].outcomes[0].has_value());
  REQUIRE(dataset->records[0].outcomes[1].has_value());
  CHECK_FALSE(dataset->records[0].outcomes[1]->cost_usd.has_value());
  REQUIRE(dataset->records[0].outcomes[1]->samples.size() == 1);
  CHECK(*dataset->records[0].outcomes[1]->samples[0].answer == "1");
}

TEST_CASE("bad models.json is named with its field", "[eval][dataset]") {
  CHECK(ErrorOf(MakeDataset("nomodels", "", kGoodLine)).find("models.json") != std::string::npos);
  CHECK(ReadDataset(MakeDataset("nomodels2", "", kGoodLine).string()).error().code() ==
        prsm::ErrorCode::kNotFound);
  CHECK_THAT(ErrorOf(MakeDataset("notjson", "{\"format\":", kGoodLine)),
             Catch::Contains("models.json: not valid JSON"));
  CHECK_THAT(
      ErrorOf(MakeDataset("format", R"({"format":"other","dataset":"x","models":[]})", kGoodLine)),
      Catch::Contains("models.json: format"));
  CHECK_THAT(
      ErrorOf(MakeDataset("nolist", R"({"format":"prsm-replay-1","dataset":"x"})", kGoodLine)),
      Catch::Contains("models.json: models: missing"));
  CHECK_THAT(ErrorOf(MakeDataset("price", R"({"format":"prsm-replay-1","dataset":"x",
      "models":[{"name":"a","input_usd_per_mtok":-1,"output_usd_per_mtok":1}]})",
                                 kGoodLine)),
             Catch::Contains("models[0].input_usd_per_mtok"));
  CHECK_THAT(ErrorOf(MakeDataset("dupmodel", R"({"format":"prsm-replay-1","dataset":"x",
      "models":[{"name":"a"},{"name":"a"}]})",
                                 kGoodLine)),
             Catch::Contains("models[1].name: duplicate"));
}

TEST_CASE("bad queries.jsonl lines are named with line and field", "[eval][dataset]") {
  auto error_with_line2 = [](const std::string& name, const std::string& line) {
    return ErrorOf(MakeDataset(name, kModels, kGoodLine + "\n" + line + "\n"));
  };
  CHECK_THAT(error_with_line2("json", "{\"id\":"),
             Catch::Contains("queries.jsonl line 2: not valid JSON"));
  CHECK_THAT(error_with_line2("array", "[1]"), Catch::Contains("queries.jsonl line 2"));
  CHECK_THAT(error_with_line2("dupid", kGoodLine),
             Catch::Contains("queries.jsonl line 2: id: duplicate id \"q1\""));
  CHECK_THAT(error_with_line2("split", R"({"id":"q2","split":"dev","prompt":"p","outcomes":{}})"),
             Catch::Contains("line 2: split: expected \"train\" or \"test\""));
  CHECK_THAT(error_with_line2("prompt", R"({"id":"q2","split":"test","prompt":3,"outcomes":{}})"),
             Catch::Contains("line 2: prompt: expected a string"));
  CHECK_THAT(
      error_with_line2("score",
                       R"({"id":"q2","split":"test","prompt":"p","outcomes":{"a":{"score":1.5}}})"),
      Catch::Contains("line 2: outcomes.a.score: expected a number in [0, 1]"));
  CHECK_THAT(
      error_with_line2("noscore", R"({"id":"q2","split":"test","prompt":"p","outcomes":{"a":{}}})"),
      Catch::Contains("line 2: outcomes.a.score: missing"));
  CHECK_THAT(
      error_with_line2("model",
                       R"({"id":"q2","split":"test","prompt":"p","outcomes":{"z":{"score":1}}})"),
      Catch::Contains("line 2: outcomes.z: model not listed in models.json"));
  CHECK_THAT(
      error_with_line2(
          "tokens",
          R"({"id":"q2","split":"test","prompt":"p","outcomes":{"a":{"score":1,"input_tokens":1.5}}})"),
      Catch::Contains("line 2: outcomes.a.input_tokens: expected an integer >= 0 or null"));
  CHECK_THAT(
      error_with_line2(
          "cost",
          R"({"id":"q2","split":"test","prompt":"p","outcomes":{"a":{"score":1,"cost_usd":"1"}}})"),
      Catch::Contains("line 2: outcomes.a.cost_usd"));
  CHECK_THAT(error_with_line2("nooutcomes", R"({"id":"q2","split":"test","prompt":"p"})"),
             Catch::Contains("line 2: outcomes: missing"));
  CHECK_THAT(ErrorOf(MakeDataset("empty", kModels, "\n")), Catch::Contains("no queries"));
}

TEST_CASE("dataset folders are found in a folder of them", "[eval][dataset]") {
  const fs::path root = fs::temp_directory_path() / "prsm-eval-test-root";
  fs::remove_all(root);
  fs::create_directories(root / "b-set");
  fs::create_directories(root / "a-set");
  fs::create_directories(root / "not-a-set");
  std::ofstream(root / "a-set" / "models.json") << kModels;
  std::ofstream(root / "b-set" / "models.json") << kModels;
  auto dirs = prsm_eval::FindDatasetDirs(root.string());
  REQUIRE(dirs.has_value());
  REQUIRE(dirs->size() == 2);
  CHECK(fs::path((*dirs)[0]).filename() == "a-set");
  auto one = prsm_eval::FindDatasetDirs((root / "a-set").string());
  REQUIRE(one.has_value());
  CHECK(one->size() == 1);
  CHECK(prsm_eval::FindDatasetDirs((root / "not-a-set").string()).error().code() ==
        prsm::ErrorCode::kNotFound);
  CHECK_FALSE(prsm_eval::FindDatasetDirs((root / "missing").string()).has_value());
}

TEST_CASE("the answer format is inferred from golds, answers or prompts", "[eval][format]") {
  using Kind = prsm::AnswerFormat::Kind;
  CHECK(prsm_eval::InferAnswerFormatFrom({"A", "(B)", "C.", "D"}, {}).kind == Kind::kChoice);
  CHECK(prsm_eval::InferAnswerFormatFrom({"42", "$1,234$", "-3.5", "\\frac{1}{2}"}, {}).kind ==
        Kind::kNumber);
  // LiveMathBench-style golds: half numbers, half LaTeX formulas.
  CHECK(prsm_eval::InferAnswerFormatFrom({"$12$", "$\\frac{3}{4}$", "$2\\sqrt{2}$", "x^2"}, {})
            .kind == Kind::kNumber);
  CHECK(prsm_eval::InferAnswerFormatFrom({"12", "x+1", "y-2", "a or b"}, {}).kind ==
        Kind::kSimilarText);
  CHECK(prsm_eval::InferAnswerFormatFrom(
            {"The answer is $x$ because the value is known", "Let $a$ be the first one", "3"}, {})
            .kind == Kind::kSimilarText);
  CHECK(prsm_eval::InferAnswerFormatFrom({"The White House is white."}, {}).kind ==
        Kind::kSimilarText);
  CHECK(prsm_eval::InferAnswerFormatFrom({}, {"Q?\nA. x\nB. y\nAnswer:"}).kind == Kind::kChoice);
  CHECK(prsm_eval::InferAnswerFormatFrom({}, {"Write a poem."}).kind == Kind::kSimilarText);
  auto tiny = ReadDataset(std::string(PRSM_EVAL_TEST_DATA) + "/tiny");
  REQUIRE(tiny.has_value());
  CHECK(prsm_eval::InferAnswerFormat(*tiny).kind == Kind::kChoice);
}
