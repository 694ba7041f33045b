// prsm CLI: reads a batch input file — JSON lines
//   {"id": "q1", "query": "...", "context": {"domain": "finance"}, "models": ["gpt-4"]}
// where only "query" is required: "id" (a string or an integer) defaults to the line number,
// "context" values are strings, numbers or booleans (kept as text, the QueryContext
// attributes), "models" restricts the query to those models. Blank lines are skipped (they
// still count for line numbers). The whole file is checked before anything is sent.
//
// Thread safety: pure function. Errors: a message naming the file and line ("in.jsonl:7:
// \"query\": expected a non-empty string"), also for duplicate ids (naming both lines).
#ifndef PRSM_CLI_BATCH_INPUT_H_
#define PRSM_CLI_BATCH_INPUT_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace prsm_cli {

struct BatchItem {
  std::size_t line = 0;  ///< 1-based line number in the input.
  std::string id;
  std::string query;
  std::map<std::string, std::string> context;
  std::vector<std::string> models;
};

/// Reads `path` ("-" = standard input). On failure returns false and sets `*error`.
bool ReadBatchInput(const std::string& path, std::vector<BatchItem>* items, std::string* error);

/// Parses one line (without its newline); `where` prefixes error messages ("in.jsonl:7").
/// Returns false for a line that is not a valid item. A line without "id" gets
/// `std::to_string(line_number)`.
bool ParseBatchItem(const std::string& text, std::size_t line_number, const std::string& where,
                    BatchItem* item, std::string* error);

}  // namespace prsm_cli

#endif  // PRSM_CLI_BATCH_INPUT_H_
