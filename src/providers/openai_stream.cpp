// The Chat Completions stream decoder: SSE framing (stream/sse_parser.h), one JSON chunk per
// event, assembled into the same Completion a plain response would give.
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "json/json.h"
#include "json/json_read.h"
#include "providers/error_text.h"
#include "providers/openai_codec.h"
#include "providers/openai_wire.h"
#include "providers/response_util.h"
#include "providers/stream_util.h"
#include "stream/sse_parser.h"

namespace prsm::openai {
namespace {

using json::Path;
using json::Value;

class ChatStreamDecoder final : public providers::DecoderBase {
 public:
  using DecoderBase::DecoderBase;

  Result<void> Feed(std::string_view bytes, std::vector<StreamEvent>& events) override {
    if (failed_) return Fail(Error(ErrorCode::kFailedPrecondition, "the stream already failed"));
    sse_events_.clear();
    if (auto framed = sse_.Feed(bytes, sse_events_); !framed) return Fail(framed.error());
    for (const stream::SseEvent& event : sse_events_) {
      if (auto handled = OnEvent(event, events); !handled) return Fail(handled.error());
    }
    return {};
  }

  Result<Completion> Finish(std::vector<StreamEvent>& /*events*/) override {
    if (failed_) return Fail(Error(ErrorCode::kFailedPrecondition, "the stream already failed"));
    if (!done_) {
      return Fail(sse_.mid_event()
                      ? Error(ErrorCode::kDataLoss, "the stream ended inside an event")
                      : Error(ErrorCode::kUnavailable, "the stream ended before [DONE]"));
    }
    if (refused_ && completion_.finish_reason == FinishReason::kStop) {
      completion_.finish_reason = FinishReason::kContentFilter;  // as a plain refusal reads
    }
    return std::move(completion_);
  }

 private:
  // Every error leaves through here: it gets the provider id, and loses any copy of the key
  // that vendor text may have carried.
  Error Fail(const Error& error) {
    failed_ = true;
    return Failed(error);
  }

  Result<void> OnEvent(const stream::SseEvent& event, std::vector<StreamEvent>& events) {
    if (event.type != "message") {
      return Error(ErrorCode::kDataLoss, fmt::format("unknown stream event type {}",
                                                     providers::Quoted(event.type, secret_, 40)));
    }
    if (done_) return Error(ErrorCode::kDataLoss, "stream data after [DONE]");
    if (event.data == "[DONE]") {
      done_ = true;
      return {};
    }
    json::PooledDocument pooled;
    json::Document& doc = pooled.doc();
    try {
      if (auto parsed = json::ParseJson(event.data, doc); !parsed) {
        return Error(ErrorCode::kDataLoss,
                     fmt::format("malformed stream chunk: {}", parsed.error().message()));
      }
      if (std::optional<Error> error = ErrorInBody(doc, "error event in the stream", secret_)) {
        return std::move(*error);
      }
      if (auto read = ReadChunk(doc, events); !read) {
        return Error(read.error().code(),
                     fmt::format("malformed stream chunk: {}", read.error().message()));
      }
    } catch (const json::AssertionFailure& failure) {
      return Error(ErrorCode::kInternal, fmt::format("reading a stream chunk: {}", failure.what()));
    }
    return {};
  }

  Result<void> ReadChunk(const Value& chunk, std::vector<StreamEvent>& events) {
    const Path root;
    if (!chunk.IsObject()) return json::TypeError(root, "an object", chunk);
    auto id = json::OptionalString(chunk, "id", root);
    if (!id) return std::move(id).error();
    if (*id && completion_.id.empty()) completion_.id = std::string(**id);
    auto model = json::OptionalString(chunk, "model", root);
    if (!model) return std::move(model).error();
    if (*model && completion_.model.empty()) completion_.model = std::string(**model);

    auto choices = json::OptionalArray(chunk, "choices", root);
    if (!choices) return std::move(choices).error();
    if (*choices != nullptr) {
      for (json::rapidjson::SizeType i = 0; i < (*choices)->Size(); ++i) {
        if (auto read = ReadChoice((**choices)[i], root.Member("choices").Index(i), events);
            !read) {
          return read;
        }
      }
    }
    auto usage = json::OptionalObject(chunk, "usage", root);
    if (!usage) return std::move(usage).error();
    if (*usage != nullptr) {
      if (auto read = ReadUsage(**usage, root.Member("usage"), completion_.usage); !read) {
        return read;
      }
      providers::EmitUsage(events, completion_.usage);
    }
    return {};
  }

  Result<void> ReadChoice(const Value& choice, const Path& path, std::vector<StreamEvent>& events) {
    if (!choice.IsObject()) return json::TypeError(path, "an object", choice);
    auto index = json::OptionalInt64(choice, "index", path);
    if (!index) return std::move(index).error();
    if (index->value_or(0) != 0) return {};  // prsm asks for one choice; ignore any other

    auto delta = json::OptionalObject(choice, "delta", path);
    if (!delta) return std::move(delta).error();
    if (*delta != nullptr) {
      if (auto read = ReadDelta(**delta, path.Member("delta"), events); !read) return read;
    }
    auto logprobs = json::OptionalObject(choice, "logprobs", path);
    if (!logprobs) return std::move(logprobs).error();
    if (*logprobs != nullptr) {
      auto content = json::OptionalArray(**logprobs, "content", path.Member("logprobs"));
      if (!content) return std::move(content).error();
      if (*content != nullptr) {
        auto read = providers::ReadTokenLogprobs(
            **content, path.Member("logprobs").Member("content"), completion_.logprobs);
        if (!read) return read;
      }
    }
    auto finish = json::OptionalString(choice, "finish_reason", path);
    if (!finish) return std::move(finish).error();
    if (*finish) {
      completion_.raw_finish_reason = std::string(**finish);
      completion_.finish_reason = MapFinishReason(**finish);
      providers::EmitFinish(events, completion_.finish_reason, completion_.raw_finish_reason);
    }
    return {};
  }

  Result<void> ReadDelta(const Value& delta, const Path& path, std::vector<StreamEvent>& events) {
    for (const char* key : {"content", "refusal"}) {
      auto text = json::OptionalString(delta, key, path);
      if (!text) return std::move(text).error();
      if (!*text || (*text)->empty()) continue;
      if (std::string_view(key) == "refusal") refused_ = true;
      completion_.text.append(**text);
      providers::EmitText(events, std::string(**text));
    }
    auto calls = json::OptionalArray(delta, "tool_calls", path);
    if (!calls) return std::move(calls).error();
    if (*calls == nullptr) return {};
    for (json::rapidjson::SizeType i = 0; i < (*calls)->Size(); ++i) {
      if (auto read = ReadToolCallDelta((**calls)[i], path.Member("tool_calls").Index(i), events);
          !read) {
        return read;
      }
    }
    return {};
  }

  Result<void> ReadToolCallDelta(const Value& call, const Path& path,
                                 std::vector<StreamEvent>& events) {
    if (!call.IsObject()) return json::TypeError(path, "an object", call);
    auto index = json::RequiredInt64(call, "index", path);
    if (!index) return std::move(index).error();
    if (*index < 0 || *index > 1024) {
      return json::DataError(path.Member("index"), fmt::format("implausible index {}", *index));
    }
    auto id = json::OptionalString(call, "id", path);
    if (!id) return std::move(id).error();
    auto function = json::OptionalObject(call, "function", path);
    if (!function) return std::move(function).error();
    std::optional<std::string_view> name;
    std::optional<std::string_view> arguments;
    if (*function != nullptr) {
      auto read_name = json::OptionalString(**function, "name", path.Member("function"));
      if (!read_name) return std::move(read_name).error();
      auto read_arguments = json::OptionalString(**function, "arguments", path.Member("function"));
      if (!read_arguments) return std::move(read_arguments).error();
      name = *read_name;
      arguments = *read_arguments;
    }
    const auto slot = static_cast<std::size_t>(*index);
    if (completion_.tool_calls.size() <= slot) completion_.tool_calls.resize(slot + 1);
    ToolCall& assembled = completion_.tool_calls[slot];
    if (*id) assembled.id = std::string(**id);
    if (name && !name->empty()) assembled.name.append(*name);
    if (arguments) assembled.arguments_json.append(*arguments);
    providers::EmitToolCallDelta(events, slot, *id ? assembled.id : std::string(),
                                 name ? std::string(*name) : std::string(),
                                 arguments ? std::string(*arguments) : std::string());
    return {};
  }

  stream::SseParser sse_;
  std::vector<stream::SseEvent> sse_events_;  // scratch, reused across Feed calls
  Completion completion_;
  bool done_ = false;
  bool refused_ = false;
  bool failed_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> NewChatStreamDecoder(std::string provider_id, std::string secret) {
  return std::make_unique<ChatStreamDecoder>(std::move(provider_id), std::move(secret));
}

}  // namespace prsm::openai
