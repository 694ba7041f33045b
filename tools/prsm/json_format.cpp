// JSON output; see json_format.h.
#include "json_format.h"

#include <cmath>
#include <cstdint>

namespace prsm_cli {

void WriteString(JsonWriter& out, std::string_view text) {
  out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void WriteUsage(JsonWriter& out, const prsm::Usage& usage) {
  out.StartObject();
  out.Key("input_tokens");
  out.Int64(usage.input_tokens);
  out.Key("output_tokens");
  out.Int64(usage.output_tokens);
  out.Key("cached_input_tokens");
  out.Int64(usage.cached_input_tokens);
  out.Key("cache_write_tokens");
  out.Int64(usage.cache_write_tokens);
  out.Key("reasoning_tokens");
  out.Int64(usage.reasoning_tokens);
  out.EndObject();
}

void WriteError(JsonWriter& out, const prsm::Error& error) {
  out.StartObject();
  out.Key("code");
  WriteString(out, prsm::ToString(error.code()));
  out.Key("message");
  WriteString(out, error.message());
  if (!error.provider().empty()) {
    out.Key("provider");
    WriteString(out, error.provider());
  }
  if (!error.model().empty()) {
    out.Key("model");
    WriteString(out, error.model());
  }
  if (error.http_status()) {
    out.Key("http_status");
    out.Int(*error.http_status());
  }
  out.EndObject();
}

void WriteNumber(JsonWriter& out, double value) {
  // RapidJSON writes nothing for NaN or infinity, which would break the document.
  out.Double(std::isfinite(value) ? value : 0.0);
}

double Milliseconds(std::chrono::microseconds duration) {
  return static_cast<double>(duration.count()) / 1000.0;
}

namespace {

void WriteStringList(JsonWriter& out, const std::vector<std::string>& items) {
  out.StartArray();
  for (const std::string& item : items) WriteString(out, item);
  out.EndArray();
}

void WriteAttempt(JsonWriter& out, const prsm::Attempt& attempt) {
  out.StartObject();
  out.Key("model");
  WriteString(out, attempt.model);
  out.Key("provider");
  WriteString(out, attempt.provider);
  out.Key("stage");
  out.Uint64(attempt.stage);
  out.Key("outcome");
  WriteString(out, prsm::ToString(attempt.outcome));
  out.Key("started_after_ms");
  WriteNumber(out, Milliseconds(attempt.started_after));
  out.Key("latency_ms");
  WriteNumber(out, Milliseconds(attempt.latency));
  out.Key("usage");
  WriteUsage(out, attempt.usage);
  out.Key("cost_usd");
  WriteNumber(out, attempt.cost_usd);
  if (attempt.error) {
    out.Key("error");
    WriteError(out, *attempt.error);
  }
  out.EndObject();
}

}  // namespace

std::string ResponseJson(const prsm::Result<prsm::Response>& result) {
  rapidjson::StringBuffer buffer;
  JsonWriter out(buffer);
  out.StartObject();
  if (!result) {
    out.Key("error");
    WriteError(out, result.error());
    out.EndObject();
    return buffer.GetString();
  }
  const prsm::Response& response = *result;
  out.Key("request_id");
  out.Uint64(response.request_id);
  out.Key("answer");
  WriteString(out, response.answer);
  out.Key("model");
  WriteString(out, response.model);
  out.Key("finish_reason");
  WriteString(out, prsm::ToString(response.completion.finish_reason));
  out.Key("cost_usd");
  WriteNumber(out, response.cost_usd);
  out.Key("latency_ms");
  WriteNumber(out, Milliseconds(response.latency));
  out.Key("usage");
  WriteUsage(out, response.usage);
  out.Key("route");
  out.StartObject();
  out.Key("strategy");
  WriteString(out, response.route.strategy);
  out.Key("stages");
  out.StartArray();
  for (const auto& stage : response.route.stages) WriteStringList(out, stage);
  out.EndArray();
  out.Key("explanation");
  WriteString(out, response.route.explanation);
  out.EndObject();
  out.Key("consensus");
  out.StartObject();
  out.Key("rule");
  WriteString(out, response.consensus.rule);
  out.Key("agreement");
  WriteNumber(out, response.consensus.agreement);
  out.Key("confidence");
  WriteNumber(out, response.consensus.confidence);
  out.Key("agreeing_models");
  WriteStringList(out, response.consensus.agreeing_models);
  out.Key("explanation");
  WriteString(out, response.consensus.explanation);
  out.EndObject();
  out.Key("attempts");
  out.StartArray();
  for (const prsm::Attempt& attempt : response.attempts) WriteAttempt(out, attempt);
  out.EndArray();
  out.EndObject();
  return buffer.GetString();
}

std::string BatchResultLine(std::string_view id, const prsm::Result<prsm::Response>& result,
                            std::chrono::microseconds measured) {
  rapidjson::StringBuffer buffer;
  JsonWriter out(buffer);
  out.StartObject();
  out.Key("id");
  WriteString(out, id);
  if (result) {
    out.Key("answer");
    WriteString(out, result->answer);
    out.Key("model");
    WriteString(out, result->model);
    out.Key("cost_usd");
    WriteNumber(out, result->cost_usd);
    out.Key("latency_ms");
    WriteNumber(out, Milliseconds(result->latency));
    out.Key("usage");
    WriteUsage(out, result->usage);
    out.Key("attempts");
    out.Uint64(result->attempts.size());
  } else {
    out.Key("answer");
    out.Null();
    out.Key("model");
    out.Null();
    out.Key("cost_usd");
    WriteNumber(out, 0.0);
    out.Key("latency_ms");
    WriteNumber(out, Milliseconds(measured));
    out.Key("usage");
    WriteUsage(out, prsm::Usage{});
    out.Key("error");
    WriteError(out, result.error());
  }
  out.EndObject();
  std::string line(buffer.GetString(), buffer.GetSize());
  line += '\n';
  return line;
}

}  // namespace prsm_cli
