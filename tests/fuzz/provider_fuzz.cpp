// The provider fuzz targets' bodies; see provider_fuzz.h.
#include "provider_fuzz.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "fuzz_check.h"
#include "net/error_map.h"
#include "prsm/provider.h"
#include "prsm/providers/anthropic.h"
#include "prsm/providers/gemini.h"
#include "prsm/providers/ollama.h"
#include "prsm/providers/openai.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::fuzz {
namespace {

// A key no golden file holds; the fuzzer may still build it (it learns from comparisons), which
// is the point: the codecs must redact it from every error wherever it shows up.
constexpr std::string_view kKey = "sk-fuzz-CANARY-7f3a9c";
constexpr std::string_view kBaseUrl = "http://127.0.0.1:9";

std::shared_ptr<const Provider> Make(Vendor vendor) {
  Result<std::shared_ptr<const Provider>> made = Error(ErrorCode::kInternal, "no vendor");
  switch (vendor) {
    case Vendor::kOpenAI: {
      OpenAIConfig config;
      config.api_key = std::string(kKey);
      config.base_url = std::string(kBaseUrl) + "/v1";
      made = MakeOpenAIProvider(std::move(config));
      break;
    }
    case Vendor::kAnthropic: {
      AnthropicConfig config;
      config.api_key = std::string(kKey);
      config.base_url = std::string(kBaseUrl);
      made = MakeAnthropicProvider(std::move(config));
      break;
    }
    case Vendor::kGemini: {
      GeminiConfig config;
      config.api_key = std::string(kKey);
      config.base_url = std::string(kBaseUrl);
      made = MakeGeminiProvider(std::move(config));
      break;
    }
    case Vendor::kOllama: {
      OllamaConfig config;
      config.api_key = std::string(kKey);
      config.base_url = std::string(kBaseUrl);
      made = MakeOllamaProvider(std::move(config));
      break;
    }
  }
  if (!made) {
    std::fprintf(stderr, "cannot make the provider: %s\n", made.error().ToString().c_str());
    std::abort();
  }
  return *std::move(made);
}

// One provider per vendor for the whole run: providers are immutable.
const Provider& ProviderFor(Vendor vendor) {
  static const std::shared_ptr<const Provider> providers[] = {
      Make(Vendor::kOpenAI), Make(Vendor::kAnthropic), Make(Vendor::kGemini),
      Make(Vendor::kOllama)};
  return *providers[static_cast<int>(vendor)];
}

void CheckProviderError(const Error& error, const Provider& provider, const char* where) {
  CheckError(error, kKey, where);
  PRSM_FUZZ_CHECK(error.provider() == provider.id(), error.ToString());
}

std::string Describe(const StreamEvent& event) {
  return fmt::format("{}|{}|{}:{}:{}:{}|{},{},{},{},{}|{}:{}\n", static_cast<int>(event.kind),
                     event.text, event.tool_call.index, event.tool_call.id, event.tool_call.name,
                     event.tool_call.arguments_delta, event.usage.input_tokens,
                     event.usage.output_tokens, event.usage.cached_input_tokens,
                     event.usage.cache_write_tokens, event.usage.reasoning_tokens,
                     ToString(event.finish_reason), event.raw_finish_reason);
}

std::string Describe(const Result<Completion>& result) {
  if (!result) return fmt::format("error {}", ToString(result.error().code()));
  const Completion& c = *result;
  std::string out = fmt::format(
      "{}|{}:{}|{},{},{},{},{}|{}|{}\n", c.text, ToString(c.finish_reason), c.raw_finish_reason,
      c.usage.input_tokens, c.usage.output_tokens, c.usage.cached_input_tokens,
      c.usage.cache_write_tokens, c.usage.reasoning_tokens, c.model, c.id);
  for (const ToolCall& call : c.tool_calls) {
    out +=
        fmt::format("call {}:{}:{}:{}\n", call.id, call.name, call.arguments_json, call.signature);
  }
  for (const TokenLogprob& logprob : c.logprobs) {
    out += fmt::format("logprob {}:{}:{}\n", logprob.token, logprob.logprob, logprob.top.size());
  }
  return out;
}

// What a decoder made of the pieces: its events (as text) and its outcome.
struct Run {
  std::string events;
  Result<Completion> outcome = Error(ErrorCode::kUnknown, "not run");
};

Run Decode(const Provider& provider, const std::vector<std::string_view>& pieces) {
  std::unique_ptr<StreamDecoder> decoder = provider.NewStreamDecoder();
  PRSM_FUZZ_CHECK(decoder != nullptr, provider.id());
  Run run;
  std::vector<StreamEvent> events;
  for (const std::string_view piece : pieces) {
    Result<void> fed = decoder->Feed(piece, events);
    if (fed) continue;
    CheckProviderError(fed.error(), provider, "Feed");
    for (const StreamEvent& event : events) run.events += Describe(event);
    run.outcome = std::move(fed).error();
    // The decoder is done: more bytes add nothing, and it cannot finish with an answer.
    const std::size_t before = events.size();
    Result<void> again = decoder->Feed("data: {}\n\n", events);
    PRSM_FUZZ_CHECK(!again, "Feed accepted bytes after an error");
    CheckProviderError(again.error(), provider, "Feed after an error");
    Result<Completion> finished = decoder->Finish(events);
    PRSM_FUZZ_CHECK(!finished, "Finish gave a completion after an error");
    CheckProviderError(finished.error(), provider, "Finish after an error");
    PRSM_FUZZ_CHECK(events.size() == before, "an event after an error");
    return run;
  }
  run.outcome = decoder->Finish(events);
  if (!run.outcome) CheckProviderError(run.outcome.error(), provider, "Finish");
  for (const StreamEvent& event : events) {
    PRSM_FUZZ_CHECK(event.kind != StreamEvent::Kind::kError, "a decoder emitted kError");
    run.events += Describe(event);
  }
  return run;
}

}  // namespace

void FuzzResponse(Vendor vendor, std::string_view body) {
  const Provider& provider = ProviderFor(vendor);
  HttpResponse response;
  response.status = 200;
  response.headers.push_back(HttpHeader{"Content-Type", "application/json"});
  response.body = std::string(body);
  Result<Completion> parsed = provider.ParseResponse(response);
  if (!parsed) CheckProviderError(parsed.error(), provider, "ParseResponse");

  static constexpr int kStatuses[] = {400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 529};
  const int status = kStatuses[Hash(body) % (sizeof kStatuses / sizeof kStatuses[0])];
  response.status = status;
  Error mapped = Error(net::ErrorCodeForHttpStatus(status), fmt::format("HTTP {}", status))
                     .WithHttpStatus(status);
  const Error refined = provider.ParseError(response, std::move(mapped));
  CheckProviderError(refined, provider, "ParseError");
  PRSM_FUZZ_CHECK(refined.http_status() == status, refined.ToString());
}

void FuzzStream(Vendor vendor, std::string_view body) {
  const Provider& provider = ProviderFor(vendor);
  const Run whole = Decode(provider, {body});
  const Run split = Decode(provider, SplitInput(body));
  PRSM_FUZZ_CHECK(whole.events == split.events,
                  "whole:\n" + whole.events + "split:\n" + split.events);
  const std::string whole_outcome = Describe(whole.outcome);
  const std::string split_outcome = Describe(split.outcome);
  PRSM_FUZZ_CHECK(whole_outcome == split_outcome,
                  "whole: " + whole_outcome + "\nsplit: " + split_outcome);
}

}  // namespace prsm::fuzz
