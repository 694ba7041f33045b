// custom_provider.cpp — a host's own HTTP model server, plugged in with its own codec.
//
// prsm's providers are codecs: a prsm::Provider turns a request into an HTTP request and the
// HTTP response back into a Completion, and the orchestrator's event loop does the transfer,
// the timeouts, the retries and the accounting. So a model server with its own protocol needs
// only that codec. This one speaks a small in-house JSON protocol, unlike OpenAI's in every
// name:
//
//   POST {base}/generate  {"model", "input": [{"role", "text"}], "max_new_tokens", "temperature"}
//   200  {"id", "model", "output": "...", "stop": "end"|"length", "tokens": {"in", "out"}}
//   4xx/5xx {"failure": {"status", "reason"}}
//
// The codec builds and reads the JSON with RapidJSON (a host would use whatever JSON library it
// already has), adds the server's reason to HTTP errors, and leaves everything else to prsm.
// The model is then routed, retried, costed and raced against a vendor model like any other.
//
// The server is named by CUSTOM_MODEL_URL, the vendor model by OPENAI_BASE_URL: scripts/demo
// starts prsm's fake provider, which speaks this protocol too (tests/support/custom_protocol.h),
// and points both at it.
//
// Usage: scripts/demo custom_provider          (or: custom_provider)
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <prsm/prsm.h>

namespace {

int Fail(const prsm::Error& error) {
  std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
  return 1;
}

// The codec of the in-house protocol. Stateless after construction, so the orchestrator may
// call it from its loop thread for many requests (and other orchestrators may share it).
class HouseModelProvider final : public prsm::Provider {
 public:
  HouseModelProvider(std::string base_url, std::string token)
      : base_url_(std::move(base_url)), token_(std::move(token)) {}

  std::string_view id() const noexcept override { return "house"; }

  prsm::Result<prsm::HttpRequest> BuildRequest(
      const prsm::CompletionRequest& request) const override {
    if (request.stream) {
      return prsm::Error(prsm::ErrorCode::kUnimplemented, "the house server does not stream");
    }
    if (!request.tools.empty()) {
      return prsm::Error(prsm::ErrorCode::kInvalidArgument, "the house server has no tools");
    }
    rapidjson::StringBuffer body;
    rapidjson::Writer<rapidjson::StringBuffer> json(body);
    json.StartObject();
    json.Key("model");
    json.String(request.model.c_str());
    json.Key("input");
    json.StartArray();
    for (const prsm::Message& message : request.messages) {
      json.StartObject();
      json.Key("role");
      const std::string_view role = prsm::ToString(message.role);
      json.String(role.data(), static_cast<rapidjson::SizeType>(role.size()));
      json.Key("text");
      json.String(message.content.c_str(),
                  static_cast<rapidjson::SizeType>(message.content.size()));
      json.EndObject();
    }
    json.EndArray();
    if (request.max_tokens) {
      json.Key("max_new_tokens");
      json.Int(*request.max_tokens);
    }
    if (request.temperature) {
      json.Key("temperature");
      json.Double(*request.temperature);
    }
    json.EndObject();

    prsm::HttpRequest http;
    http.url = base_url_ + "/generate";
    http.headers.push_back({"Content-Type", "application/json"});
    // Header values may hold secrets: prsm never copies them into errors or logs.
    if (!token_.empty()) http.headers.push_back({"X-Api-Token", token_});
    http.body = body.GetString();
    return http;
  }

  prsm::Result<prsm::Completion> ParseResponse(const prsm::HttpResponse& response) const override {
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("output") ||
        !doc["output"].IsString()) {
      return prsm::Error(prsm::ErrorCode::kDataLoss, "the house server sent no output");
    }
    prsm::Completion completion;
    completion.text = doc["output"].GetString();
    if (doc.HasMember("stop") && doc["stop"].IsString()) {
      completion.raw_finish_reason = doc["stop"].GetString();
      completion.finish_reason = completion.raw_finish_reason == "length"
                                     ? prsm::FinishReason::kLength
                                     : prsm::FinishReason::kStop;
    }
    if (doc.HasMember("tokens") && doc["tokens"].IsObject()) {
      const rapidjson::Value& tokens = doc["tokens"];
      if (tokens.HasMember("in") && tokens["in"].IsInt64()) {
        completion.usage.input_tokens = tokens["in"].GetInt64();
      }
      if (tokens.HasMember("out") && tokens["out"].IsInt64()) {
        completion.usage.output_tokens = tokens["out"].GetInt64();
      }
    }
    if (doc.HasMember("model") && doc["model"].IsString())
      completion.model = doc["model"].GetString();
    if (doc.HasMember("id") && doc["id"].IsString()) completion.id = doc["id"].GetString();
    return completion;
  }

  // prsm has already mapped the status to a code (503 -> kUnavailable, retryable); add why.
  prsm::Error ParseError(const prsm::HttpResponse& response, prsm::Error mapped) const override {
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
    if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("failure") &&
        doc["failure"].IsObject() && doc["failure"].HasMember("reason") &&
        doc["failure"]["reason"].IsString()) {
      prsm::Error error(mapped.code(),
                        std::string("house server: ") + doc["failure"]["reason"].GetString());
      error.WithProvider(mapped.provider()).WithModel(mapped.model());
      if (mapped.http_status()) error.WithHttpStatus(*mapped.http_status());
      if (mapped.retry_after()) error.WithRetryAfter(*mapped.retry_after());
      return error;
    }
    return mapped;
  }

 private:
  std::string base_url_;
  std::string token_;
};

const char* Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

int main() {
  const std::string house_url = Env("CUSTOM_MODEL_URL");
  if (house_url.empty() || std::getenv("OPENAI_BASE_URL") == nullptr) {
    std::printf(
        "custom_provider needs CUSTOM_MODEL_URL (the house model server) and OPENAI_BASE_URL: "
        "run it with scripts/demo, which simulates both\n");
    return 0;
  }
  // Ask the house model and gpt-4 at once; the first good answer wins.
  prsm::OrchestratorOptions options;
  options.routing = prsm::MakeFanOutRouting(2);
  auto created = prsm::MultiLLMOrchestrator::Create(options);
  if (!created) return Fail(created.error());
  prsm::MultiLLMOrchestrator& orchestrator = **created;

  auto house = std::make_shared<HouseModelProvider>(house_url, Env("CUSTOM_MODEL_TOKEN"));
  if (auto added = orchestrator.AddProvider(std::shared_ptr<const prsm::Provider>(house)); !added) {
    return Fail(added.error());
  }
  auto openai = prsm::MakeOpenAIProvider();
  if (!openai) return Fail(openai.error());
  if (auto added = orchestrator.AddProvider(*openai); !added) return Fail(added.error());

  prsm::ModelSpec house_model;
  house_model.name = "house-7b";
  house_model.provider = "house";
  house_model.price.input_per_mtok = 0.05;  // what the GPUs cost the company, per token
  house_model.price.output_per_mtok = 0.10;
  prsm::ModelSpec gpt4;
  gpt4.name = "gpt-4";
  gpt4.provider = "openai";
  gpt4.price.input_per_mtok = 30.0;
  gpt4.price.output_per_mtok = 60.0;
  for (const prsm::ModelSpec& spec : {house_model, gpt4}) {
    if (auto added = orchestrator.AddModel(spec); !added) return Fail(added.error());
  }

  prsm::Query query = prsm::Query::FromText("What is our EUR hedging policy?");
  query.request.max_tokens = 100;
  auto response = orchestrator.ProcessAndWait(std::move(query));
  if (!response) return Fail(response.error());
  std::printf("Answer (from %s, $%.6f):\n  %s\n\n", response->model.c_str(), response->cost_usd,
              response->answer.c_str());
  for (const prsm::Attempt& attempt : response->attempts) {
    std::printf("  %-8s provider %-6s %-9s %4lld tokens  %.0f ms\n", attempt.model.c_str(),
                attempt.provider.c_str(), std::string(prsm::ToString(attempt.outcome)).c_str(),
                static_cast<long long>(attempt.usage.total_tokens()),
                static_cast<double>(attempt.latency.count()) / 1000.0);
  }
  return 0;
}
