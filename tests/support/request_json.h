// request_json.h — the JSON checks every protocol makes, spelled once.
//
// Vendors validate request bodies field by field and name the field in their error; these
// helpers do the type checks (RapidJSON's Get* would assert on a wrong type) and leave the
// wording of the error to each protocol.
#ifndef PRSM_TESTS_SUPPORT_REQUEST_JSON_H_
#define PRSM_TESTS_SUPPORT_REQUEST_JSON_H_

#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "fake_provider_server.h"

namespace prsm::testing::fake {

/// Parses `body` as JSON, validating UTF-8 (so every string echoed back is valid UTF-8).
/// Returns an empty string on success, else a description such as
/// "Invalid value. (at offset 0)".
std::string ParseRequestJson(std::string_view body, rapidjson::Document* doc);

/// The member `name` of `object` (an object), or nullptr when absent or null.
const rapidjson::Value* FindNonNull(const rapidjson::Value& object, const char* name);

/// Result of reading an optional member.
enum class Field { kAbsent, kOk, kWrongType };

/// Reads an optional boolean member (absent or null: kAbsent, `*out` untouched).
Field ReadBool(const rapidjson::Value& object, const char* name, bool* out);

/// Reads an optional string member (absent or null: kAbsent, `*out` untouched).
Field ReadString(const rapidjson::Value& object, const char* name, std::string* out);

/// True if `text` is the text of one JSON object (surrounding whitespace allowed).
bool IsJsonObjectText(std::string_view text);

/// A scripted tool call's arguments for the vendors that send them as a JSON object (Anthropic,
/// Gemini, Ollama): the script's text if it is one, else "{}" (so the body stays valid JSON).
std::string_view ToolArgumentsObject(const ScriptedToolCall& call);

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_REQUEST_JSON_H_
