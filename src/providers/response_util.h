// providers/response_util.h — what the response codecs (openai_response.cpp,
// anthropic_response.cpp, gemini_response.cpp, ollama_response.cpp and the stream decoders)
// share when they read a vendor's body: PRSM_ASSIGN_OR_RETURN, token counts, compact JSON, the
// lenient reading of error bodies, and the refinement of an HTTP error with what the body says.
//
// Why a module: each codec had its own copy of the macro and of these readers, and the rules
// they implement are prsm's, not a vendor's: a 2xx body that is not JSON shows how it starts;
// an error message says what the vendor said, sanitised, with the API key redacted before
// anything is cut; a refined error keeps the mapped error's code, status, Retry-After, provider
// and model. Internal: includes RapidJSON through json/json.h.
#ifndef PRSM_PROVIDERS_RESPONSE_UTIL_H_
#define PRSM_PROVIDERS_RESPONSE_UTIL_H_

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json/json.h"
#include "json/json_read.h"
#include "prsm/status.h"
#include "prsm/types.h"

// Propagates the error of a Result expression, or assigns its value to `lhs` (which may be a
// declaration: `PRSM_ASSIGN_OR_RETURN(const Value* x, json::RequiredObject(...));`). For
// functions that return a Result.
#define PRSM_ASSIGN_OR_RETURN_CONCAT_INNER(a, b) a##b
#define PRSM_ASSIGN_OR_RETURN_CONCAT(a, b) PRSM_ASSIGN_OR_RETURN_CONCAT_INNER(a, b)
// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` is a declaration and cannot be parenthesised.
#define PRSM_ASSIGN_OR_RETURN(lhs, expr) \
  PRSM_ASSIGN_OR_RETURN_IMPL(PRSM_ASSIGN_OR_RETURN_CONCAT(result_, __LINE__), lhs, expr)
#define PRSM_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                               \
  if (!result) return std::move(result).error();      \
  lhs = std::move(*result)
// NOLINTEND(bugprone-macro-parentheses)

namespace prsm::providers {

/// `text` (a view into a document) copied into `out`.
inline void Assign(std::string& out, std::string_view text) {
  out.assign(text.data(), text.size());
}

/// The optional string member `key` of `object`, copied; "" when it is missing or null. Errors:
/// kDataLoss for a member that is not a string.
Result<std::string> OptionalText(const json::Value& object, std::string_view key,
                                 const json::Path& path);

/// Calls `read(element, element_path)` (returning Result<void>) for each element of `array`,
/// which must each be an object (kDataLoss "<path>[i]: expected an object, got ..."), and stops
/// at the first error.
template <typename Read>
Result<void> ForEachObject(const json::Value& array, const json::Path& path, const Read& read) {
  for (json::rapidjson::SizeType i = 0; i < array.Size(); ++i) {
    const json::Path element_path = path.Index(i);
    const json::Value& element = array[i];
    if (!element.IsObject()) return json::TypeError(element_path, "an object", element);
    if (Result<void> done = read(element, element_path); !done) return done;
  }
  return {};
}

/// Appends the tokens of an OpenAI-shaped logprobs array, which Ollama's copies: [{token, logprob,
/// top_logprobs: [{token, logprob}]}], top_logprobs optional. Errors: kDataLoss naming the path.
Result<void> ReadTokenLogprobs(const json::Value& tokens, const json::Path& path,
                               std::vector<TokenLogprob>& out);

/// A token count: nullopt when missing or null; kDataLoss "<path>.<key>: negative token count N"
/// for a negative one.
Result<std::optional<std::int64_t>> ReadOptionalCount(const json::Value& object,
                                                      std::string_view key, const json::Path& path);
/// A token count: missing or null is 0; see ReadOptionalCount.
Result<std::int64_t> ReadCount(const json::Value& object, std::string_view key,
                               const json::Path& path);

/// `value` written as compact JSON. Numbers are rewritten by RapidJSON (1.50 becomes 1.5), the
/// same way for a plain response and a stream.
std::string CompactJson(const json::Value& value);

/// A Completion for an answer a vendor sends whole with its tool calls (Gemini, Ollama): `text`,
/// `tool_calls` (each without a vendor id named "call_<n>", n its index, so that the same answer
/// always gets the same ids), `usage` when set, `logprobs` and `model`. The caller sets the
/// finish reason and what else its vendor sends.
Completion WholeAnswer(std::string text, std::vector<ToolCall> tool_calls,
                       const std::optional<Usage>& usage, std::vector<TokenLogprob> logprobs,
                       std::string model);

/// Error(error.code(), "malformed <what>: <error.message()>").
Error Malformed(std::string_view what, const Error& error);

/// kInternal "reading the response: <what>".
Error ReadAssertionError(const json::AssertionFailure& failure);

/// `read()`, with a RapidJSON assertion (unreachable unless a codec reads without checking; see
/// json/json.h) turned into ReadAssertionError.
template <typename Read>
auto GuardedRead(const Read& read) -> decltype(read()) {
  try {
    return read();
  } catch (const json::AssertionFailure& failure) {
    return ReadAssertionError(failure);
  }
}

/// kDataLoss "<message> (body starts: <the first 80 bytes of `body`>)", for a 2xx body that is
/// not JSON: it is usually a proxy's or a portal's page, and its start says which.
Error NotJsonError(std::string_view message, std::string_view body, std::string_view secret);

// --- error bodies ----------------------------------------------------------------------------

/// The member `key` of `object` when it is a string, else "": error bodies are read leniently,
/// since a field of an unexpected type should not turn one failure into two.
std::string_view StringMember(const json::Value& object, std::string_view key);

/// The member "error" of `root` when `root` is an object and the member is there and not null;
/// nullptr otherwise. What tells a vendor's error from an answer in a 2xx body.
const json::Value* ErrorMember(const json::Value& root);

/// `read(document)` for `body` parsed as JSON; nullopt when `body` is not JSON (or, unreachable,
/// when a read asserts): the caller then falls back to an excerpt of the body.
template <typename Read>
auto ReadJsonLeniently(std::string_view body, const Read& read)
    -> decltype(read(std::declval<const json::Value&>())) {
  json::PooledDocument pooled;
  try {
    if (json::ParseJson(body, pooled.doc())) return read(pooled.doc());
  } catch (const json::AssertionFailure&) {
  }
  return std::nullopt;
}

/// kDataLoss "malformed <what>: error: expected <shape>, got <type of error>", for an error
/// member the codec cannot read.
Error ErrorShapeError(std::string_view what, std::string_view shape, const json::Value& error);

/// `error` (from reading a body) as the codec reports it: Malformed(what, error) for kDataLoss
/// (the body had the wrong shape), the message alone for any other code (the vendor's verdict,
/// a blocked prompt say); `secret` redacted, since the message may quote vendor text.
Error ReadFailure(const Error& error, std::string_view what, std::string_view secret);

/// Reads one vendor body (a whole response, or one record of a stream), parsed in place in
/// `buffer` (modified; it must outlive what `read` returns):
/// - not JSON: Malformed(what, <the parser's error>); for a whole response (`whole_body`, the
///   body before parsing), NotJsonError, which shows how it starts;
/// - a body with an ErrorMember: `read_error(root)`, the vendor's error (an optional Error);
///   ErrorShapeError(what, error_shape, ...) when that gives nullopt;
/// - anything else: `read(root)`, a Result, its errors as ReadFailure makes them.
/// A RapidJSON assertion becomes ReadAssertionError.
template <typename ReadError, typename Read>
auto ReadVendorBody(std::string& buffer, std::string_view what, std::string_view error_shape,
                    std::string_view secret, std::optional<std::string_view> whole_body,
                    const ReadError& read_error, const Read& read)
    -> decltype(read(std::declval<const json::Value&>())) {
  using ResultType = decltype(read(std::declval<const json::Value&>()));
  return GuardedRead([&]() -> ResultType {
    json::PooledDocument pooled;  // its strings point into `buffer`
    json::Document& doc = pooled.doc();
    if (Result<void> parsed = json::ParseJsonInsitu(buffer, doc); !parsed) {
      const Error error = Malformed(what, parsed.error());
      if (!whole_body) return error;
      return NotJsonError(error.message(), *whole_body, secret);
    }
    // A failure reported with a 2xx status, or inside a stream: believe the body.
    if (const json::Value* error = ErrorMember(doc)) {
      std::optional<Error> vendor = read_error(doc);
      if (!vendor) return ErrorShapeError(what, error_shape, *error);
      return std::move(*vendor);
    }
    ResultType result = read(doc);
    if (!result) return ReadFailure(result.error(), what, secret);
    return result;
  });
}

/// "<message> (name=value, ...)": the vendor's message sanitised to 1024 bytes ("no message" when
/// it is empty), then each detail that is not empty sanitised to 64 bytes, `secret` redacted from
/// every piece before it is cut.
std::string DescribeVendorError(
    std::string_view message,
    std::initializer_list<std::pair<std::string_view, std::string_view>> details,
    std::string_view secret);

/// What a vendor's error body adds to a mapped HTTP error.
struct VendorDetail {
  std::string text;                                      // DescribeVendorError's, say
  std::optional<ErrorCode> code;                         // replaces the mapped code when set
  std::optional<std::chrono::milliseconds> retry_after;  // used when the mapped error has none
};

/// A copy of `mapped` with `code` and `message`, keeping its provider, model, HTTP status and
/// Retry-After.
Error WithMessage(const Error& mapped, ErrorCode code, std::string message);

/// `mapped` refined with `body`: "<prefix>: <detail>", where the prefix is mapped's message ("HTTP
/// <status>" when it has none) and the detail is `vendor`'s text or, without one, the first 200
/// bytes of the body, sanitised; just the prefix for an empty body. `secret` is redacted from the
/// prefix, the excerpt and the whole message.
Error RefineHttpErrorWith(std::string_view body, const Error& mapped,
                          std::optional<VendorDetail> vendor, std::string_view secret);

}  // namespace prsm::providers

#endif  // PRSM_PROVIDERS_RESPONSE_UTIL_H_
