// Unit tests of the CLI's parsing and of the resumable output file (tools/prsm).
#include <catch2/catch.hpp>

#include "batch_input.h"
#include "batch_output.h"
#include "cli_args.h"
#include "cli_test_util.h"
#include "explain.h"

using prsm_cli_test::AppendFile;
using prsm_cli_test::ReadFile;
using prsm_cli_test::TempDir;
using prsm_cli_test::WriteFile;

TEST_CASE("ParseDuration reads the config file's duration forms", "[cli][unit]") {
  using std::chrono::milliseconds;
  CHECK(prsm_cli::ParseDuration("250ms") == milliseconds(250));
  CHECK(prsm_cli::ParseDuration("30s") == milliseconds(30'000));
  CHECK(prsm_cli::ParseDuration("1.5m") == milliseconds(90'000));
  CHECK(prsm_cli::ParseDuration("2h") == milliseconds(7'200'000));
  for (const char* bad : {"", "30", "s", "1.s", ".5s", "1..5s", "0s", "-1s", "3 s", "5d"}) {
    INFO(bad);
    CHECK_FALSE(prsm_cli::ParseDuration(bad));
  }
}

TEST_CASE("ParseArgs: values, repeats, flags, -- and errors", "[cli][unit]") {
  const std::vector<prsm_cli::OptionSpec> specs = {
      {"--model", true}, {"--json", false}, {"--help", false}};
  prsm_cli::ParsedArgs parsed;
  REQUIRE_FALSE(prsm_cli::ParseArgs(
      {"why?", "--model", "a", "--model=b", "--json", "--", "--not-an-option"}, specs, &parsed));
  CHECK(parsed.positionals == std::vector<std::string>{"why?", "--not-an-option"});
  CHECK(parsed.All("--model") == std::vector<std::string>{"a", "b"});
  CHECK(parsed.Has("--json"));
  CHECK(parsed.Last("--model") == "b");

  prsm_cli::ParsedArgs help;
  REQUIRE_FALSE(prsm_cli::ParseArgs({"-h"}, specs, &help));
  CHECK(help.Has("--help"));

  prsm_cli::ParsedArgs bad;
  CHECK(prsm_cli::ParseArgs({"--bogus"}, specs, &bad) == std::string("unknown option '--bogus'"));
  CHECK(prsm_cli::ParseArgs({"--model"}, specs, &bad) ==
        std::string("option --model needs a value"));
  CHECK(prsm_cli::ParseArgs({"--json=1"}, specs, &bad) ==
        std::string("option --json takes no value"));
}

TEST_CASE("Batch input lines: defaults, context, models, and errors naming the line",
          "[cli][unit]") {
  prsm_cli::BatchItem item;
  std::string error;
  REQUIRE(prsm_cli::ParseBatchItem(
      R"({"query": "q", "context": {"domain": "finance", "n": 3, "b": true}, "models": ["m"]})", 7,
      "in:7", &item, &error));
  CHECK(item.id == "7");  // no id: the line number
  CHECK(item.context ==
        std::map<std::string, std::string>{{"domain", "finance"}, {"n", "3"}, {"b", "true"}});
  CHECK(item.models == std::vector<std::string>{"m"});
  REQUIRE(prsm_cli::ParseBatchItem(R"({"id": 42, "query": "q"})", 1, "in:1", &item, &error));
  CHECK(item.id == "42");

  CHECK_FALSE(prsm_cli::ParseBatchItem(R"({"id": "x"})", 3, "in:3", &item, &error));
  CHECK(error == "in:3: \"query\" is missing");
  CHECK_FALSE(prsm_cli::ParseBatchItem(R"({"query": ""})", 3, "in:3", &item, &error));
  CHECK(error == "in:3: \"query\": expected a non-empty string, got a string");
  CHECK_FALSE(prsm_cli::ParseBatchItem(R"({"query": "q", "prompt": 1})", 3, "in:3", &item, &error));
  CHECK(error == "in:3: unknown key \"prompt\" (allowed: id, query, context, models)");
  CHECK_FALSE(prsm_cli::ParseBatchItem(R"({"query": "q")", 3, "in:3", &item, &error));
  CHECK(error.rfind("in:3: not JSON", 0) == 0);

  TempDir dir;
  WriteFile(dir.File("in.jsonl"), "{\"query\": \"a\"}\n\n{\"id\": \"1\", \"query\": \"b\"}\n");
  std::vector<prsm_cli::BatchItem> items;
  CHECK_FALSE(prsm_cli::ReadBatchInput(dir.File("in.jsonl"), &items, &error));
  CHECK(error.find("in.jsonl:3: id \"1\" is also on line 1") != std::string::npos);
}

TEST_CASE("BatchOutput: resumes from complete lines and truncates a torn last line",
          "[cli][unit]") {
  TempDir dir;
  const std::string path = dir.File("out.jsonl");
  WriteFile(path,
            "{\"id\":\"a\",\"answer\":\"x\"}\n"
            "{\"id\":\"b\",\"answer\":null,\"error\":{\"code\":\"Unavailable\"}}\n"
            "{\"id\":\"c\",\"ans");
  std::string error;
  {
    auto output = prsm_cli::BatchOutput::Open(path, &error);
    REQUIRE(output);
    const prsm_cli::ExistingOutput& existing = output->existing();
    CHECK(existing.lines == 2);
    CHECK(existing.done == std::unordered_set<std::string>{"a", "b"});
    CHECK(existing.failed == std::unordered_set<std::string>{"b"});
    CHECK(existing.torn_bytes == std::string("{\"id\":\"c\",\"ans").size());
    // Two batches on one file would interleave: the second is refused while the first runs.
    CHECK_FALSE(prsm_cli::BatchOutput::Open(path, &error));
    CHECK(error == path + " is being written by another prsm batch");
    REQUIRE(output->Append("{\"id\":\"c\",\"answer\":\"y\"}\n", &error));
  }
  CHECK(ReadFile(path) ==
        "{\"id\":\"a\",\"answer\":\"x\"}\n"
        "{\"id\":\"b\",\"answer\":null,\"error\":{\"code\":\"Unavailable\"}}\n"
        "{\"id\":\"c\",\"answer\":\"y\"}\n");

  // A complete line that is not a result is not ours to repair: the file is refused.
  AppendFile(path, "not json\n");
  CHECK_FALSE(prsm_cli::BatchOutput::Open(path, &error));
  CHECK(error.find("out.jsonl:4: not a prsm batch result") != std::string::npos);
}

TEST_CASE("FormatUsd shows three significant digits", "[cli][unit]") {
  CHECK(prsm_cli::FormatUsd(0.0) == "$0");
  CHECK(prsm_cli::FormatUsd(0.00012) == "$0.00012");
  CHECK(prsm_cli::FormatUsd(0.004213) == "$0.00421");
  CHECK(prsm_cli::FormatUsd(1.25) == "$1.25");
  CHECK(prsm_cli::FormatUsd(12.0) == "$12.00");
}
