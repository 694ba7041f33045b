// consensus/json_answer.h — a field of a JSON answer (AnswerFormat::kJsonField).
//
// Models wrap JSON in prose and code fences, so the document is looked for in turn as the
// whole text, as each ```json (or bare ```) fenced block from the last, and as the span from
// the first '{' to the last '}'; the first that parses and holds the field wins.
//
// The canonical value: a string is trimmed, lower-cased (ASCII) and its whitespace collapsed,
// or the canonical number when it holds just a number ("42.0" → "42"); a number is canonical
// ("42.0" → "42"); true/false are "true"/"false"; an object or array is compact JSON with
// object keys sorted, so key order does not matter. A missing field or `null` is no answer.
//
// Thread safety: stateless. Errors: none; nullopt means "no answer".
#ifndef PRSM_CONSENSUS_JSON_ANSWER_H_
#define PRSM_CONSENSUS_JSON_ANSWER_H_

#include <optional>
#include <string>
#include <string_view>

namespace prsm::internal {

/// The canonical value at `path` ("answer", "result.label", "items.0.id": a segment that is a
/// decimal index selects an array element; an empty path is the whole document) of the JSON
/// in `text`, or nullopt.
std::optional<std::string> ExtractJsonField(std::string_view text, std::string_view path);

}  // namespace prsm::internal

#endif  // PRSM_CONSENSUS_JSON_ANSWER_H_
