// The Chat Completions stream decoder on golden streams, split at every byte offset.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "codec_test_util.h"
#include "prsm/providers/openai.h"

using prsm::Completion;
using prsm::ErrorCode;
using prsm::FinishReason;
using prsm::StreamEvent;
using prsm::test::Decoded;

namespace {

std::string Golden(const std::string& name) { return prsm::test::ReadGolden("openai", name); }

std::shared_ptr<const prsm::Provider> Provider(const std::string& key = "sk-test") {
  prsm::OpenAIConfig config;
  config.id = "openai-test";
  config.base_url = "http://127.0.0.1:1/v1";
  config.api_key = key;
  return prsm::test::RequireProvider(prsm::MakeOpenAIProvider(config));
}

// Feeds `stream` in pieces cut at `cuts` (byte offsets, ascending).
Decoded Decode(const std::shared_ptr<const prsm::Provider>& provider, std::string_view stream,
               const std::vector<std::size_t>& cuts = {}) {
  return prsm::test::Decode(provider, prsm::test::CutAt(stream, cuts));
}

std::string Describe(const std::vector<StreamEvent>& events) {
  std::string text;
  for (const StreamEvent& event : events) {
    text += std::to_string(static_cast<int>(event.kind)) + "|" + event.text + "|" +
            std::to_string(event.tool_call.index) + event.tool_call.id + event.tool_call.name +
            event.tool_call.arguments_delta + "|" + event.raw_finish_reason + "|" +
            std::to_string(event.usage.total_tokens()) + "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("OpenAI stream: text deltas, finish, usage, assembled completion", "[codec][stream]") {
  auto provider = Provider();
  const auto decoded = Decode(provider, Golden("stream_text.sse"));
  REQUIRE(decoded.fed);
  REQUIRE(decoded.completion);
  const Completion& completion = *decoded.completion;
  CHECK(completion.text == "Hello w\xC3\xB6rld");
  CHECK(completion.finish_reason == FinishReason::kStop);
  CHECK(completion.model == "gpt-4o-mini");
  CHECK(completion.id == "chatcmpl-123");
  CHECK(completion.usage.input_tokens == 9);
  CHECK(completion.usage.output_tokens == 3);
  CHECK(completion.usage.cached_input_tokens == 4);
  CHECK(completion.usage.reasoning_tokens == 1);
  // The empty first content ("") is not an event: it carries no text.
  std::vector<StreamEvent::Kind> kinds;
  for (const auto& event : decoded.events) kinds.push_back(event.kind);
  CHECK(kinds ==
        std::vector<StreamEvent::Kind>{StreamEvent::Kind::kTextDelta, StreamEvent::Kind::kTextDelta,
                                       StreamEvent::Kind::kFinish, StreamEvent::Kind::kUsage});
  CHECK(decoded.events[0].text == "Hello");
  CHECK(decoded.events[0].is_content());
  CHECK_FALSE(decoded.events[2].is_content());
}

TEST_CASE("OpenAI stream: tool-call fragments assemble into whole calls", "[codec][stream]") {
  auto provider = Provider();
  const auto decoded = Decode(provider, Golden("stream_tool_calls.sse"));
  REQUIRE(decoded.completion);
  const Completion& completion = *decoded.completion;
  CHECK(completion.finish_reason == FinishReason::kToolCalls);
  REQUIRE(completion.tool_calls.size() == 2);
  CHECK(completion.tool_calls[0].id == "call_abc123");
  CHECK(completion.tool_calls[0].name == "get_current_weather");
  CHECK(completion.tool_calls[0].arguments_json == "{\"location\": \"Boston, MA\"}");
  CHECK(completion.tool_calls[1].id == "call_def456");
  CHECK(completion.tool_calls[1].arguments_json == "{}");
  REQUIRE(decoded.events.size() >= 4);
  CHECK(decoded.events[0].kind == StreamEvent::Kind::kToolCallDelta);
  CHECK(decoded.events[0].tool_call.name == "get_current_weather");
  CHECK(decoded.events[1].tool_call.arguments_delta == "{\"location\":");
  CHECK(decoded.events[3].tool_call.index == 1);
}

TEST_CASE("OpenAI stream: every split at every byte offset decodes the same", "[codec][stream]") {
  auto provider = Provider();
  for (const char* name : {"stream_text.sse", "stream_tool_calls.sse"}) {
    const std::string stream = Golden(name);
    const auto whole = Decode(provider, stream);
    REQUIRE(whole.completion);
    const std::string expected = Describe(whole.events);
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
      INFO(name << " split at byte " << cut);
      const auto split = Decode(provider, stream, {cut});
      REQUIRE(split.completion);
      CHECK(Describe(split.events) == expected);
      CHECK(split.completion->text == whole.completion->text);
      CHECK(split.completion->tool_calls.size() == whole.completion->tool_calls.size());
      CHECK(split.completion->usage.total_tokens() == whole.completion->usage.total_tokens());
    }
    // And one byte at a time.
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
    const auto bytewise = Decode(provider, stream, every);
    REQUIRE(bytewise.completion);
    CHECK(Describe(bytewise.events) == expected);
  }
}

TEST_CASE("OpenAI stream: an error inside the stream is the vendor's error", "[codec][stream]") {
  auto provider = Provider("sk-canary-stream-key");
  const auto decoded = Decode(provider, Golden("stream_error.sse"));
  REQUIRE_FALSE(decoded.fed);
  CHECK(decoded.fed.error().code() == ErrorCode::kUnavailable);  // server_error
  CHECK(decoded.fed.error().provider() == "openai-test");
  CHECK(decoded.fed.error().message().find("server had an error") != std::string::npos);
  CHECK(decoded.events.size() == 1);  // the delta before the error still arrived
}

TEST_CASE("OpenAI stream: cut short, malformed or foreign streams are clear errors",
          "[codec][stream]") {
  auto provider = Provider("sk-canary-stream-key");
  const std::string stream = Golden("stream_text.sse");

  SECTION("ended before [DONE]") {
    const std::size_t done = stream.find("data: [DONE]");
    const auto decoded = Decode(provider, stream.substr(0, done));
    REQUIRE_FALSE(decoded.completion);
    CHECK(decoded.completion.error().code() == ErrorCode::kUnavailable);
    CHECK(decoded.completion.error().provider() == "openai-test");
  }
  SECTION("ended inside an event") {
    const auto decoded = Decode(provider, stream.substr(0, 40));
    REQUIRE_FALSE(decoded.completion);
    CHECK(decoded.completion.error().code() == ErrorCode::kDataLoss);
  }
  SECTION("valid JSON of the wrong shape") {
    const auto decoded = Decode(provider, "data: {\"choices\":{\"0\":1}}\n\n");
    REQUIRE_FALSE(decoded.fed);
    CHECK(decoded.fed.error().code() == ErrorCode::kDataLoss);
    CHECK(decoded.fed.error().message().find("choices") != std::string::npos);
  }
  SECTION("not JSON") {
    const auto decoded = Decode(provider, "data: <html>oops</html>\n\n");
    REQUIRE_FALSE(decoded.fed);
    CHECK(decoded.fed.error().code() == ErrorCode::kDataLoss);
  }
  SECTION("not UTF-8") {
    const auto decoded = Decode(
        provider, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xFF\xFE\"}}]}\n\n");
    REQUIRE_FALSE(decoded.fed);
    CHECK(decoded.fed.error().code() == ErrorCode::kDataLoss);
    CHECK(decoded.fed.error().provider() == "openai-test");
  }
  SECTION("an unknown event type") {
    const auto decoded = Decode(provider, "event: response.created\ndata: {}\n\n");
    REQUIRE_FALSE(decoded.fed);
    CHECK(decoded.fed.error().code() == ErrorCode::kDataLoss);
    CHECK(decoded.fed.error().message().find("response.created") != std::string::npos);
  }
  SECTION("data after [DONE]") {
    const auto decoded = Decode(provider, "data: [DONE]\n\ndata: {}\n\n");
    REQUIRE_FALSE(decoded.fed);
    CHECK(decoded.fed.error().code() == ErrorCode::kDataLoss);
  }
}

TEST_CASE("OpenAI stream requests ask for a stream and its usage", "[codec][stream]") {
  prsm::CompletionRequest request;
  request.model = "gpt-4o-mini";
  request.messages.push_back(prsm::Message::User("hi"));
  request.stream = true;
  auto http = Provider()->BuildRequest(request);
  REQUIRE(http);
  CHECK(http->body.find("\"stream\":true") != std::string::npos);
  CHECK(http->body.find("\"stream_options\":{\"include_usage\":true}") != std::string::npos);
  request.stream = false;
  CHECK(Provider()->BuildRequest(request)->body.find("stream") == std::string::npos);

  prsm::OpenAIConfig config;
  config.base_url = "http://127.0.0.1:1/v1";
  config.stream_usage = false;
  request.stream = true;
  auto without_usage = (*prsm::MakeOpenAIProvider(config))->BuildRequest(request);
  CHECK(without_usage->body.find("stream_options") == std::string::npos);
  CHECK(without_usage->body.find("\"stream\":true") != std::string::npos);
}
