// providers/stream_util.h — what the four stream decoders (openai_stream.cpp,
// anthropic_stream.cpp, gemini_stream.cpp, ollama_stream.cpp) share: a base class holding the
// provider id and the key, the StreamEvents they emit, the tool call that arrives whole, and the
// error a decoder hands out.
//
// Why a module: every decoder built the same events field by field and finished its errors the
// same way; the rules now live once. An error leaving a decoder names the provider and never
// carries the API key: event names and vendor messages are the server's bytes, and a server may
// echo the key.
#ifndef PRSM_PROVIDERS_STREAM_UTIL_H_
#define PRSM_PROVIDERS_STREAM_UTIL_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prsm/provider.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::providers {

/// `error` as a decoder returns it: `secret` redacted from its message (code, provider, model,
/// HTTP status and Retry-After kept), and `provider_id` as its provider when it names none.
Error StreamError(const Error& error, std::string_view provider_id, std::string_view secret);

/// kFailedPrecondition "the stream decoder already failed or finished", from `provider_id`.
Error ClosedDecoderError(std::string_view provider_id);

/// Appends a kTextDelta carrying `text`.
void EmitText(std::vector<StreamEvent>& events, std::string text);
/// Appends a kUsage carrying `usage`.
void EmitUsage(std::vector<StreamEvent>& events, const Usage& usage);
/// Appends a kFinish.
void EmitFinish(std::vector<StreamEvent>& events, FinishReason reason, std::string raw_reason);
/// Appends a kToolCallDelta.
void EmitToolCallDelta(std::vector<StreamEvent>& events, std::size_t index, std::string id,
                       std::string name, std::string arguments_delta);

/// A tool call that arrives whole (Gemini and Ollama send them so): it gets "call_<n>" when it
/// has no id, n its index among `completion`'s calls, one kToolCallDelta carries all of it, and
/// it joins `completion`.
void AddWholeToolCall(ToolCall call, Completion& completion, std::vector<StreamEvent>& events);

/// What a piece of a Gemini or Ollama stream (a chunk, a record) adds to `completion`: its `text`
/// (a kTextDelta, when not empty), its whole `tool_calls` (AddWholeToolCall) and its `logprobs`.
void AddStreamedPiece(std::string text, std::vector<ToolCall> tool_calls,
                      std::vector<TokenLogprob> logprobs, Completion& completion,
                      std::vector<StreamEvent>& events);

/// The base of every decoder: the provider it speaks for, and the key it keeps out of its errors.
class DecoderBase : public StreamDecoder {
 public:
  DecoderBase(std::string provider_id, std::string secret)
      : provider_id_(std::move(provider_id)), secret_(std::move(secret)) {}

 protected:
  /// `error` as this decoder hands it out (StreamError).
  Error Failed(const Error& error) const { return StreamError(error, provider_id_, secret_); }

  const std::string provider_id_;
  const std::string secret_;  // only to redact it from error messages; never printed
};

/// A decoder that closes at its first error, or when Finish hands its completion out (once):
/// every later call is ClosedDecoderError. Gemini's and Ollama's decoders are such.
class ClosingDecoder : public DecoderBase {
 public:
  using DecoderBase::DecoderBase;

 protected:
  bool closed() const noexcept { return closed_; }
  Error Closed() const { return ClosedDecoderError(provider_id_); }

  /// Closes the decoder and returns Failed(error): every error leaves through here.
  Error Fail(const Error& error) {
    closed_ = true;
    return Failed(error);
  }

  /// Closes the decoder and hands `completion` out.
  Completion HandOut(Completion& completion) {
    closed_ = true;
    return std::move(completion);
  }

  /// Fails with `framed`'s error (the framer's, for the bytes just fed), else hands each of the
  /// framed `items` to `handle` (returning Result<void>) and fails at the first error.
  template <typename Items, typename Handle>
  Result<void> HandleFramed(const Result<void>& framed, Items& items, const Handle& handle) {
    if (!framed) return Fail(framed.error());
    for (auto& item : items) {
      if (Result<void> handled = handle(item); !handled) return Fail(handled.error());
    }
    return {};
  }

 private:
  bool closed_ = false;
};

}  // namespace prsm::providers

#endif  // PRSM_PROVIDERS_STREAM_UTIL_H_
