// The request codecs' JSON writer; see body_writer.h.
#include "providers/body_writer.h"

#include <utility>

#include <fmt/format.h>

#include "json/json_read.h"
#include "providers/error_text.h"

namespace prsm::providers {

namespace rapidjson = json::rapidjson;

Error NotUtf8(std::string_view field) { return Invalid(fmt::format("{}: not valid UTF-8", field)); }

BodyWriter::BodyWriter(std::size_t capacity)
    : buffer_(&allocator_, capacity), writer_(buffer_, &allocator_) {}

void BodyWriter::Key(std::string_view key) {
  writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

bool BodyWriter::String(std::string_view text) { return json::WriteString(writer_, text); }

void BodyWriter::Member(std::string_view key, std::string_view text) {
  Key(key);
  (void)String(text);
}

Result<void> BodyWriter::StringMember(std::string_view key, std::string_view text,
                                      std::string_view field) {
  Key(key);
  if (!String(text)) return NotUtf8(field);
  return {};
}

void BodyWriter::OptionalDouble(std::string_view key, const std::optional<double>& value) {
  if (!value) return;
  Key(key);
  writer_.Double(*value);
}

void BodyWriter::OptionalInt(std::string_view key, const std::optional<std::int32_t>& value) {
  if (!value) return;
  Key(key);
  writer_.Int(*value);
}

void BodyWriter::OptionalInt64(std::string_view key, const std::optional<std::int64_t>& value) {
  if (!value) return;
  Key(key);
  writer_.Int64(*value);
}

void BodyWriter::Bool(std::string_view key, bool value) {
  Key(key);
  writer_.Bool(value);
}

Result<void> BodyWriter::StringArray(std::string_view key, const std::vector<std::string>& values,
                                     std::string_view field) {
  if (values.empty()) return {};
  Key(key);
  writer_.StartArray();
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!String(values[i])) return NotUtf8(fmt::format("{}[{}]", field, i));
  }
  writer_.EndArray();
  return {};
}

Result<void> BodyWriter::JsonObject(std::string_view object_json, std::string_view field) {
  if (Result<void> copied = json::CopyJsonObject(object_json, writer_); !copied) {
    return Invalid(fmt::format("{}: {}", field, copied.error().message()));
  }
  return {};
}

void BodyWriter::RawObject(std::string_view compact) {
  writer_.RawValue(compact.data(), compact.size(), rapidjson::kObjectType);
}

Result<void> WriteFunctionTool(BodyWriter& out, const ToolDefinition& tool, std::size_t index,
                               std::string_view default_parameters, std::string_view secret) {
  out.writer().StartObject();
  out.Member("type", "function");
  out.Key("function");
  out.writer().StartObject();
  out.Key("name");
  if (!out.String(tool.name)) return NotUtf8(fmt::format("tools[{}].name", index));
  if (!tool.description.empty()) {
    out.Key("description");
    if (!out.String(tool.description)) return NotUtf8(fmt::format("tools[{}].description", index));
  }
  const std::string_view parameters = tool.parameters_json_schema.empty()
                                          ? default_parameters
                                          : std::string_view(tool.parameters_json_schema);
  if (!parameters.empty()) {
    out.Key("parameters");
    if (Result<void> copied = out.JsonObject(parameters, "parameters"); !copied) {
      return Invalid(fmt::format("tools[{}] {}: {}", index, Quoted(tool.name, secret),
                                 copied.error().message()));
    }
  }
  out.writer().EndObject();
  out.writer().EndObject();
  return {};
}

bool HasSampling(const CompletionRequest& request) {
  return request.temperature || request.top_p || request.max_tokens || !request.stop.empty() ||
         request.seed;
}

Result<void> WriteSampling(BodyWriter& out, const CompletionRequest& request,
                           const SamplingKeys& keys) {
  if (!keys.temperature.empty()) out.OptionalDouble(keys.temperature, request.temperature);
  if (!keys.top_p.empty()) out.OptionalDouble(keys.top_p, request.top_p);
  if (!keys.max_tokens.empty()) out.OptionalInt(keys.max_tokens, request.max_tokens);
  if (!keys.stop.empty()) {
    if (Result<void> written = out.StringArray(keys.stop, request.stop, "stop"); !written) {
      return written;
    }
  }
  if (!keys.seed.empty()) out.OptionalInt64(keys.seed, request.seed);
  return {};
}

std::string_view ToolChoiceWord(ToolChoice::Mode mode, std::string_view auto_word,
                                std::string_view none_word, std::string_view required_word,
                                std::string_view named_word) {
  switch (mode) {
    case ToolChoice::Mode::kAuto:
      return auto_word;
    case ToolChoice::Mode::kNone:
      return none_word;
    case ToolChoice::Mode::kRequired:
      return required_word;
    case ToolChoice::Mode::kNamed:
      break;
  }
  return named_word;
}

Result<std::string> CompactJsonObject(std::string_view text) {
  rapidjson::CrtAllocator allocator;
  json::StringBuffer buffer(&allocator, text.size() + 16);
  json::Writer writer(buffer, &allocator);
  if (Result<void> copied = json::CopyJsonObject(text, writer); !copied) {
    return std::move(copied).error();
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::size_t EstimateBodySize(const CompletionRequest& request, std::size_t extra) {
  std::size_t size = 256 + request.model.size() + extra;
  for (const Message& message : request.messages) {
    size += 64 + message.content.size() + message.name.size() + message.tool_call_id.size();
    for (const ToolCall& call : message.tool_calls) {
      size += 96 + call.id.size() + call.name.size() + call.arguments_json.size() +
              call.signature.size();
    }
  }
  for (const std::string& stop : request.stop) size += 4 + stop.size();
  for (const ToolDefinition& tool : request.tools) {
    size += 128 + tool.name.size() + tool.description.size() + tool.parameters_json_schema.size();
  }
  size += request.response_format.name.size() + request.response_format.json_schema.size();
  return size + size / 8;
}

Error BuildAssertionError(const json::AssertionFailure& failure) {
  return Error(ErrorCode::kInternal, fmt::format("building the request: {}", failure.what()));
}

}  // namespace prsm::providers
