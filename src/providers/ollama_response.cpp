// Ollama ChatResponse bodies and stream records → Record / Completion, and Ollama error bodies
// → Error. Every read is checked (json/json_read.h); see ollama_codec.h for the mapping
// decisions.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "json/json.h"
#include "json/json_read.h"
#include "providers/error_text.h"
#include "providers/ollama_codec.h"
#include "providers/response_util.h"

namespace prsm::ollama {
namespace {

using json::Path;
using json::Value;

using providers::Assign;

// Ollama's {"error": "..."}; also {"error": {"message": "..."}} as proxies in front of it write.
// nullopt when `root` has no usable error member.
std::optional<std::string> ReadVendorError(const Value& root) {
  const Value* error = json::FindMember(root, "error");
  if (error == nullptr) return std::nullopt;
  if (error->IsString()) return std::string(json::StringView(*error));
  if (const Value* message = json::FindMember(*error, "message"); message && message->IsString()) {
    return std::string(json::StringView(*message));
  }
  return std::nullopt;
}

Result<void> ReadToolCalls(const Value& calls, const Path& path, std::vector<ToolCall>& out) {
  out.reserve(calls.Size());
  return providers::ForEachObject(
      calls, path, [&](const Value& call, const Path& call_path) -> Result<void> {
        ToolCall& tool_call = out.emplace_back();
        PRSM_ASSIGN_OR_RETURN(tool_call.id, providers::OptionalText(call, "id", call_path));
        PRSM_ASSIGN_OR_RETURN(const Value* function,
                              json::RequiredObject(call, "function", call_path));
        const Path function_path = call_path.Member("function");
        PRSM_ASSIGN_OR_RETURN(const std::string_view name,
                              json::RequiredString(*function, "name", function_path));
        Assign(tool_call.name, name);
        const Value* arguments = json::FindMember(*function, "arguments");
        if (arguments == nullptr || arguments->IsNull()) {
          tool_call.arguments_json = "{}";
        } else if (arguments->IsObject()) {
          tool_call.arguments_json = providers::CompactJson(*arguments);
        } else if (arguments->IsString()) {  // some servers speaking this API send the JSON text
          Assign(tool_call.arguments_json, json::StringView(*arguments));
        } else {
          return json::TypeError(function_path.Member("arguments"), "an object", *arguments);
        }
        return {};
      });
}

Result<Record> ReadRecord(const Value& root) {
  const Path root_path;
  if (!root.IsObject()) return json::TypeError(root_path, "an object", root);
  Record record;
  // `done` is in every ChatResponse and ChatStreamEvent: what tells a record from other JSON.
  PRSM_ASSIGN_OR_RETURN(const std::optional<bool> done,
                        json::OptionalBool(root, "done", root_path));
  if (!done) return json::MissingError(root_path.Member("done"));
  record.done = *done;
  PRSM_ASSIGN_OR_RETURN(const Value* message, json::OptionalObject(root, "message", root_path));
  if (message != nullptr) {
    const Path message_path = root_path.Member("message");
    PRSM_ASSIGN_OR_RETURN(record.text, providers::OptionalText(*message, "content", message_path));
    PRSM_ASSIGN_OR_RETURN(const Value* calls,
                          json::OptionalArray(*message, "tool_calls", message_path));
    if (calls != nullptr) {
      Result<void> read =
          ReadToolCalls(*calls, message_path.Member("tool_calls"), record.tool_calls);
      if (!read) return std::move(read).error();
    }
  }
  PRSM_ASSIGN_OR_RETURN(record.done_reason,
                        providers::OptionalText(root, "done_reason", root_path));
  if (json::FindMember(root, "prompt_eval_count") || json::FindMember(root, "eval_count")) {
    Usage usage;
    PRSM_ASSIGN_OR_RETURN(usage.input_tokens,
                          providers::ReadCount(root, "prompt_eval_count", root_path));
    PRSM_ASSIGN_OR_RETURN(usage.output_tokens, providers::ReadCount(root, "eval_count", root_path));
    record.usage = usage;
  }
  PRSM_ASSIGN_OR_RETURN(const Value* logprobs, json::OptionalArray(root, "logprobs", root_path));
  if (logprobs != nullptr) {
    Result<void> read =
        providers::ReadTokenLogprobs(*logprobs, root_path.Member("logprobs"), record.logprobs);
    if (!read) return std::move(read).error();
  }
  PRSM_ASSIGN_OR_RETURN(record.model, providers::OptionalText(root, "model", root_path));
  return record;
}

// `whole_body`: the body, when `buffer` holds a whole response (see ReadVendorBody).
Result<Record> Parse(std::string& buffer, bool in_stream, std::string_view secret,
                     std::optional<std::string_view> whole_body) {
  // Ollama's errors carry no code; one after a 2xx is a failure while generating.
  const auto vendor_error = [&](const Value& root) -> std::optional<Error> {
    std::optional<std::string> vendor = ReadVendorError(root);
    if (!vendor) return std::nullopt;
    return Error(ErrorCode::kUnavailable,
                 fmt::format("{}: {}",
                             in_stream ? "error record in the stream"
                                       : "error object in a successful response",
                             providers::DescribeVendorError(*vendor, {}, secret)));
  };
  return providers::ReadVendorBody(buffer, in_stream ? "Ollama stream record" : "Ollama response",
                                   "a string", secret, whole_body, vendor_error, &ReadRecord);
}

}  // namespace

FinishReason MapDoneReason(std::string_view reason) noexcept {
  if (reason == "stop") return FinishReason::kStop;
  if (reason == "length") return FinishReason::kLength;
  return FinishReason::kUnknown;
}

Result<Record> ParseRecord(std::string& buffer, bool in_stream, std::string_view secret) {
  return Parse(buffer, in_stream, secret, std::nullopt);
}

Result<Completion> ParseResponseBody(std::string_view body, std::string_view secret) {
  // A 200 that is not JSON is usually a proxy's or portal's page, or a stream sent to a request
  // that asked for none: the error shows how the body starts.
  std::string buffer(body);
  PRSM_ASSIGN_OR_RETURN(Record record, Parse(buffer, /*in_stream=*/false, secret, body));
  if (!record.done) {
    return Error(ErrorCode::kDataLoss,
                 "malformed Ollama response: done: false (a partial answer, as a stream sends)");
  }
  Completion completion =
      providers::WholeAnswer(std::move(record.text), std::move(record.tool_calls), record.usage,
                             std::move(record.logprobs), std::move(record.model));
  completion.raw_finish_reason = std::move(record.done_reason);
  completion.finish_reason = completion.tool_calls.empty()
                                 ? MapDoneReason(completion.raw_finish_reason)
                                 : FinishReason::kToolCalls;
  return completion;
}

Error RefineHttpError(std::string_view body, const Error& mapped, std::string_view secret) {
  std::optional<providers::VendorDetail> detail;
  if (std::optional<std::string> vendor = providers::ReadJsonLeniently(body, &ReadVendorError)) {
    detail = providers::VendorDetail{providers::DescribeVendorError(*vendor, {}, secret),
                                     std::nullopt, std::nullopt};
  }
  return providers::RefineHttpErrorWith(body, mapped, std::move(detail), secret);
}

}  // namespace prsm::ollama
