// The /api/chat stream decoder: NDJSON framing (stream/ndjson_splitter.h), one record per line,
// assembled into the Completion a plain response would give. The record with `done: true` is
// the end marker: it carries the finish reason and the token counts.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "providers/ollama_codec.h"
#include "providers/openai_codec.h"
#include "stream/ndjson_splitter.h"

namespace prsm::ollama {
namespace {

class OllamaStreamDecoder final : public StreamDecoder {
 public:
  OllamaStreamDecoder(std::string provider_id, std::string secret)
      : provider_id_(std::move(provider_id)), secret_(std::move(secret)) {}

  Result<void> Feed(std::string_view bytes, std::vector<StreamEvent>& events) override {
    if (closed_) return Closed();
    lines_.clear();
    if (Result<void> framed = splitter_.Feed(bytes, lines_); !framed) {
      return Fail(framed.error());
    }
    for (std::string& line : lines_) {
      if (Result<void> handled = OnRecord(line, events); !handled) {
        return Fail(handled.error());
      }
    }
    return {};
  }

  Result<Completion> Finish(std::vector<StreamEvent>& events) override {
    if (closed_) return Closed();
    // A last record without its newline still counts, events and all.
    if (std::string last = splitter_.TakeRemainder(); !last.empty()) {
      if (Result<void> handled = OnRecord(last, events); !handled) {
        return Fail(handled.error());
      }
    }
    if (!done_) {
      return Fail(Error(ErrorCode::kUnavailable, "the Ollama stream ended before its done record"));
    }
    closed_ = true;  // the completion is handed out once
    return std::move(completion_);
  }

 private:
  Error Closed() const {
    return Error(ErrorCode::kFailedPrecondition, "the stream decoder already failed or finished")
        .WithProvider(provider_id_);
  }

  // Every error leaves through here: it gets the provider id, and loses any copy of the key
  // that vendor text (an event type, a message) may have carried.
  Error Fail(const Error& error) {
    closed_ = true;
    std::string message = error.message();
    openai::RedactSecret(message, secret_);
    Error failed(error.code(), std::move(message));
    failed.WithProvider(error.provider().empty() ? provider_id_ : error.provider());
    if (const auto delay = error.retry_after()) failed.WithRetryAfter(*delay);
    return failed;
  }

  Result<void> OnRecord(std::string& line, std::vector<StreamEvent>& events) {
    Result<Record> record = ParseRecord(line, /*in_stream=*/true, secret_);
    if (!record) return std::move(record).error();
    if (done_) {
      return Error(ErrorCode::kDataLoss, "malformed Ollama stream: a record after the done record");
    }
    Apply(std::move(*record), events);
    return {};
  }

  void Apply(Record record, std::vector<StreamEvent>& events) {
    if (!record.model.empty() && completion_.model.empty()) completion_.model = record.model;
    if (!record.text.empty()) {
      completion_.text.append(record.text);
      StreamEvent& event = events.emplace_back();
      event.kind = StreamEvent::Kind::kTextDelta;
      event.text = std::move(record.text);
    }
    // Ollama sends each tool call whole: one delta carries all of it.
    for (ToolCall& call : record.tool_calls) {
      const std::size_t index = completion_.tool_calls.size();
      if (call.id.empty()) call.id = fmt::format("call_{}", index);
      StreamEvent& event = events.emplace_back();
      event.kind = StreamEvent::Kind::kToolCallDelta;
      event.tool_call.index = index;
      event.tool_call.id = call.id;
      event.tool_call.name = call.name;
      event.tool_call.arguments_delta = call.arguments_json;
      completion_.tool_calls.push_back(std::move(call));
    }
    for (TokenLogprob& token : record.logprobs) completion_.logprobs.push_back(std::move(token));
    if (!record.done) return;
    done_ = true;
    if (record.usage) completion_.usage = *record.usage;
    StreamEvent& usage = events.emplace_back();
    usage.kind = StreamEvent::Kind::kUsage;
    usage.usage = completion_.usage;
    completion_.raw_finish_reason = std::move(record.done_reason);
    completion_.finish_reason = completion_.tool_calls.empty()
                                    ? MapDoneReason(completion_.raw_finish_reason)
                                    : FinishReason::kToolCalls;
    StreamEvent& finish = events.emplace_back();
    finish.kind = StreamEvent::Kind::kFinish;
    finish.finish_reason = completion_.finish_reason;
    finish.raw_finish_reason = completion_.raw_finish_reason;
  }

  const std::string provider_id_;
  const std::string secret_;  // only to redact it from error messages; never printed
  stream::NdjsonSplitter splitter_;
  std::vector<std::string> lines_;  // scratch, reused across Feed calls
  Completion completion_;
  bool done_ = false;    // the done record arrived: the answer is complete
  bool closed_ = false;  // failed, or Finish() handed the completion out
};

}  // namespace

std::unique_ptr<StreamDecoder> NewStreamDecoder(std::string provider_id, std::string secret) {
  return std::make_unique<OllamaStreamDecoder>(std::move(provider_id), std::move(secret));
}

}  // namespace prsm::ollama
