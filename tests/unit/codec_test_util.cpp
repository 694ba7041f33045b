// Helpers shared by the codec tests; see codec_test_util.h.
#include "codec_test_util.h"

#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "json/json.h"
#include "json/json_read.h"

namespace prsm::test {

std::string ReadGolden(std::string_view vendor, std::string_view name) {
  std::string path = std::string(PRSM_TEST_DATA_DIR) + "/";
  path.append(vendor).append("/").append(name);
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void RequireSameJson(const std::string& actual, const std::string& expected) {
  json::Document actual_doc;
  json::Document expected_doc;
  INFO("actual:   " << actual);
  INFO("expected: " << expected);
  REQUIRE(json::ParseJson(actual, actual_doc).has_value());
  REQUIRE(json::ParseJson(expected, expected_doc).has_value());
  REQUIRE(actual_doc == expected_doc);
}

ScopedEnv::ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
  if (const char* old = std::getenv(name_.c_str())) old_ = old;
  if (value) {
    setenv(name_.c_str(), value->c_str(), 1);
  } else {
    unsetenv(name_.c_str());
  }
}

ScopedEnv::~ScopedEnv() {
  if (old_) {
    setenv(name_.c_str(), old_->c_str(), 1);
  } else {
    unsetenv(name_.c_str());
  }
}

std::shared_ptr<const Provider> RequireProvider(Result<std::shared_ptr<const Provider>> made) {
  if (!made) FAIL(made.error().ToString());
  return *made;
}

CompletionRequest UserRequest(std::string model, std::string text) {
  CompletionRequest request;
  request.model = std::move(model);
  request.messages.push_back(Message::User(std::move(text)));
  return request;
}

HttpRequest Built(const std::shared_ptr<const Provider>& provider,
                  const CompletionRequest& request) {
  Result<HttpRequest> http = provider->BuildRequest(request);
  if (!http) FAIL(http.error().ToString());
  return std::move(*http);
}

const std::string* FindHeader(const HttpRequest& request, std::string_view name) {
  for (const HttpHeader& header : request.headers) {
    if (header.name == name) return &header.value;
  }
  return nullptr;
}

namespace {

HttpResponse Response(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

Completion ParsedBody(const std::shared_ptr<const Provider>& provider, std::string body,
                      int status) {
  Result<Completion> completion = provider->ParseResponse(Response(status, std::move(body)));
  if (!completion) FAIL(completion.error().ToString());
  return *completion;
}

Error ParseFailure(const std::shared_ptr<const Provider>& provider, std::string body, int status) {
  return ErrorOf(provider->ParseResponse(Response(status, std::move(body))));
}

Error Refined(const std::shared_ptr<const Provider>& provider, int status, std::string body,
              Error mapped) {
  return provider->ParseError(Response(status, std::move(body)), std::move(mapped));
}

// --- streams ---------------------------------------------------------------------------------

Decoded Decode(const std::shared_ptr<const Provider>& provider,
               const std::vector<std::string_view>& pieces, bool finish_after_error) {
  std::unique_ptr<StreamDecoder> decoder = provider->NewStreamDecoder();
  REQUIRE(decoder != nullptr);
  Decoded decoded;
  for (const std::string_view piece : pieces) {
    decoded.fed = decoder->Feed(piece, decoded.events);
    if (!decoded.fed) break;
  }
  if (!decoded.fed && !finish_after_error) {
    decoded.completion = decoded.fed.error();
  } else {
    decoded.completion = decoder->Finish(decoded.events);
  }
  return decoded;
}

std::vector<std::string_view> CutAt(std::string_view stream, const std::vector<std::size_t>& cuts) {
  std::vector<std::string_view> pieces;
  std::size_t at = 0;
  for (const std::size_t cut : cuts) {
    pieces.push_back(stream.substr(at, cut - at));
    at = cut;
  }
  pieces.push_back(stream.substr(at));
  return pieces;
}

std::string Describe(const StreamEvent& event) {
  std::ostringstream out;
  out << "kind=" << static_cast<int>(event.kind) << " text=[" << event.text << "] call=("
      << event.tool_call.index << "," << event.tool_call.id << "," << event.tool_call.name << ","
      << event.tool_call.arguments_delta << ") usage=(" << event.usage.input_tokens << ","
      << event.usage.output_tokens << "," << event.usage.cached_input_tokens << ","
      << event.usage.cache_write_tokens << "," << event.usage.reasoning_tokens
      << ") finish=" << static_cast<int>(event.finish_reason) << "/" << event.raw_finish_reason;
  return out.str();
}

std::string Describe(const std::vector<StreamEvent>& events) {
  std::string out;
  for (const StreamEvent& event : events) out += Describe(event) + "\n";
  return out;
}

std::string Describe(const Completion& completion) {
  std::ostringstream out;
  out << "text=[" << completion.text << "] finish=" << static_cast<int>(completion.finish_reason)
      << "/" << completion.raw_finish_reason << " usage=(" << completion.usage.input_tokens << ","
      << completion.usage.output_tokens << "," << completion.usage.cached_input_tokens << ","
      << completion.usage.cache_write_tokens << "," << completion.usage.reasoning_tokens
      << ") model=" << completion.model << " id=" << completion.id << " calls=";
  for (const ToolCall& call : completion.tool_calls) {
    out << "(" << call.id << "," << call.name << "," << call.arguments_json << "," << call.signature
        << ")";
  }
  out << " logprobs=" << completion.logprobs.size();
  return out.str();
}

std::string Describe(const Result<Completion>& result) {
  return result ? Describe(*result) : result.error().ToString();
}

Decoded RequireSplitInvariant(const std::shared_ptr<const Provider>& provider,
                              const std::string& stream) {
  Decoded whole = Decode(provider, {stream});
  const std::string events = Describe(whole.events);
  const std::string completion = Describe(whole.completion);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    const Decoded split = Decode(provider, CutAt(stream, {cut}));
    INFO("split at byte " << cut);
    REQUIRE(Describe(split.events) == events);
    REQUIRE(Describe(split.completion) == completion);
  }
  std::vector<std::size_t> every_byte;
  for (std::size_t i = 1; i < stream.size(); ++i) every_byte.push_back(i);
  const Decoded by_byte = Decode(provider, CutAt(stream, every_byte));
  CHECK(Describe(by_byte.events) == events);
  CHECK(Describe(by_byte.completion) == completion);
  return whole;
}

// --- the API key ------------------------------------------------------------------------------

std::string Straddling(std::string_view key, std::size_t filler) {
  return std::string(filler, 'x') + std::string(key);
}

void CheckKeyNeverShown(const std::vector<Error>& errors, std::string_view key,
                        std::size_t prefix_bytes) {
  for (const Error& error : errors) {
    INFO(error.ToString());
    CHECK(error.ToString().find(key) == std::string::npos);
    CHECK(error.ToString().find(key.substr(0, prefix_bytes)) == std::string::npos);
  }
}

}  // namespace prsm::test
