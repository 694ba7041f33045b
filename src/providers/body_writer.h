// providers/body_writer.h — the JSON writer every request codec streams its body into, and its
// field errors.
//
// Why a module: the four request writers (openai_request.cpp, anthropic_request.cpp,
// gemini_request.cpp, ollama_request.cpp) each had a copy of this class and of the code that
// embeds caller-supplied JSON. A body is written straight into a RapidJSON Writer, no DOM; the
// caller's JSON (schemas, tool arguments) is validated and compacted by piping the parser's
// events into the same writer. Internal: includes RapidJSON through json/json.h.
#ifndef PRSM_PROVIDERS_BODY_WRITER_H_
#define PRSM_PROVIDERS_BODY_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json/json.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::providers {

/// kInvalidArgument "<field>: not valid UTF-8".
Error NotUtf8(std::string_view field);

/// Owns the output buffer and the writer. The allocator is passed explicitly because RapidJSON
/// otherwise heap-allocates one for the buffer and one for the writer's level stack.
class BodyWriter {
 public:
  /// `capacity`: the bytes the body is expected to need, reserved once.
  explicit BodyWriter(std::size_t capacity);

  json::Writer& writer() { return writer_; }

  /// Keys are prsm's own ASCII literals: they cannot fail.
  void Key(std::string_view key);
  /// False, with nothing written, when `text` is not valid UTF-8.
  [[nodiscard]] bool String(std::string_view text);
  /// `key` and `text`, which prsm knows to be valid UTF-8: a literal of its own, or text that
  /// was written (and so checked) once already.
  void Member(std::string_view key, std::string_view text);
  /// `key` and `text`. Errors: NotUtf8(field) when `text` is not valid UTF-8.
  Result<void> StringMember(std::string_view key, std::string_view text, std::string_view field);

  /// `key` and the number, when `value` is set; nothing otherwise.
  void OptionalDouble(std::string_view key, const std::optional<double>& value);
  void OptionalInt(std::string_view key, const std::optional<std::int32_t>& value);
  void OptionalInt64(std::string_view key, const std::optional<std::int64_t>& value);
  void Bool(std::string_view key, bool value);

  /// `key`: an array of `values`, when there are any; nothing otherwise. Errors:
  /// NotUtf8("<field>[i]") for a value that is not UTF-8.
  Result<void> StringArray(std::string_view key, const std::vector<std::string>& values,
                           std::string_view field);

  /// The caller's JSON `object_json` as the next value, compacted. Errors: kInvalidArgument
  /// "<field>: <problem>" when it is not one valid JSON object (the body is then unusable).
  Result<void> JsonObject(std::string_view object_json, std::string_view field);

  /// `compact`, a JSON object CompactJsonObject checked, as the next value.
  void RawObject(std::string_view compact);

  std::string Take() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  json::rapidjson::CrtAllocator allocator_;  // first: the buffer and writer point to it
  json::StringBuffer buffer_;
  json::Writer writer_;
};

/// The names a vendor gives the sampling fields of a request; a field with an empty name is not
/// sent.
struct SamplingKeys {
  std::string_view temperature;
  std::string_view top_p;
  std::string_view max_tokens;
  std::string_view stop;
  std::string_view seed;
};

/// True when the request sets any sampling field (temperature, top_p, max_tokens, stop, seed).
bool HasSampling(const CompletionRequest& request);

/// Those of temperature, top_p, max_tokens, stop and seed that the request sets, in that order,
/// under `keys`' names. Errors: NotUtf8("stop[i]").
Result<void> WriteSampling(BodyWriter& out, const CompletionRequest& request,
                           const SamplingKeys& keys);

/// The vendor's word for a tool_choice mode, given in the order kAuto, kNone, kRequired, kNamed.
std::string_view ToolChoiceWord(ToolChoice::Mode mode, std::string_view auto_word,
                                std::string_view none_word, std::string_view required_word,
                                std::string_view named_word);

/// `tools[index]` in the function-tool shape of OpenAI's API, which Ollama's copies:
/// {"type": "function", "function": {"name", "description" (when not empty), "parameters"}}.
/// Empty parameters are `default_parameters`, or left out when that is empty too. Errors:
/// NotUtf8 naming the field; kInvalidArgument "tools[i] '<name>': parameters: <problem>" for
/// parameters that are not a JSON object, the name quoted with `secret` redacted.
Result<void> WriteFunctionTool(BodyWriter& out, const ToolDefinition& tool, std::size_t index,
                               std::string_view default_parameters, std::string_view secret);

/// `text` as one compact JSON object, or CopyJsonObject's error when it is not one. Written into
/// a scratch buffer, so that a caller can fall back without a half-written value in its body.
Result<std::string> CompactJsonObject(std::string_view text);

/// Bytes a body for `request` will need, give or take escaping, plus `extra`: the output buffer
/// is sized once from it. It may still grow once: RapidJSON's writer reserves 6 bytes per input
/// byte before each string (room for \u00XX escapes); reserving that headroom up front as well
/// measured no faster, and overshoots for long prompts.
std::size_t EstimateBodySize(const CompletionRequest& request, std::size_t extra = 0);

/// kInternal "building the request: <what>".
Error BuildAssertionError(const json::AssertionFailure& failure);

/// The body for `request`: `valid`'s error, else one JSON object, compact, whose members
/// `write(BodyWriter&)` writes (it returns Result<void>), in a buffer of EstimateBodySize(request,
/// extra). A RapidJSON assertion (unreachable unless a codec misuses the writer; see json/json.h)
/// becomes BuildAssertionError.
template <typename Write>
Result<std::string> BuildBody(const CompletionRequest& request, Result<void> valid,
                              const Write& write, std::size_t extra = 0) {
  if (!valid) return std::move(valid).error();
  try {
    BodyWriter out(EstimateBodySize(request, extra));
    out.writer().StartObject();
    if (Result<void> written = write(out); !written) return std::move(written).error();
    out.writer().EndObject();
    return out.Take();
  } catch (const json::AssertionFailure& failure) {
    return BuildAssertionError(failure);
  }
}

}  // namespace prsm::providers

#endif  // PRSM_PROVIDERS_BODY_WRITER_H_
