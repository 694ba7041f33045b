// Reading and writing the envelope of a strategy's saved state (see state_json.h).
#include "routing/state_json.h"

#include <cmath>

#include <fmt/format.h>

namespace prsm::routing {

Error StateError(const Error& error) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("invalid state: {}", error.message()));
}

Result<void> ParseState(std::string_view text, std::string_view format, std::int64_t version,
                        json::Document& doc) {
  // Saved numbers must read back bit for bit (a reloaded strategy plans exactly as the saved
  // one), so this parse asks RapidJSON for full precision, which json::ParseJson does not.
  // Iterative parsing bounds the stack whatever the nesting.
  if (const auto bad = json::FindInvalidUtf8(text)) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("invalid state: invalid UTF-8 or NUL at byte {}", *bad));
  }
  if (const auto lone = json::FindLoneSurrogate(text)) {
    // RapidJSON 1.1 lets a lone low surrogate through, decoding it to invalid UTF-8.
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("invalid state: a lone UTF-16 surrogate escape at byte {}", *lone));
  }
  constexpr unsigned kFlags =
      json::rapidjson::kParseFullPrecisionFlag | json::rapidjson::kParseIterativeFlag;
  doc.Parse<kFlags>(text.data(), text.size());
  if (doc.HasParseError()) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("invalid state: invalid JSON at byte {}: {}", doc.GetErrorOffset(),
                             json::rapidjson::GetParseError_En(doc.GetParseError())));
  }
  const json::Path root("state");
  if (!doc.IsObject()) return StateError(json::TypeError(root, "object", doc));
  auto found_format = json::RequiredString(doc, "format", root);
  if (!found_format) return StateError(found_format.error());
  if (*found_format != format) {
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("invalid state: format is '{}', expected '{}'", *found_format, format));
  }
  auto found_version = json::RequiredInt64(doc, "version", root);
  if (!found_version) return StateError(found_version.error());
  if (*found_version != version) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("invalid state: version {} of '{}' is not supported (expected {})",
                             *found_version, format, version));
  }
  return {};
}

Result<double> RequiredNumberIn(const json::Value& object, std::string_view key,
                                const json::Path& path, double low, double high) {
  auto value = json::RequiredDouble(object, key, path);
  if (!value) return StateError(value.error());
  if (!std::isfinite(*value) || *value < low || *value > high) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("invalid state: {}.{} = {} is outside [{}, {}]", path.ToString(), key,
                             *value, low, high));
  }
  return *value;
}

void BeginState(json::Writer& writer, std::string_view format, std::int64_t version) {
  writer.StartObject();
  writer.Key("format");
  writer.String(format.data(), static_cast<json::rapidjson::SizeType>(format.size()));
  writer.Key("version");
  writer.Int64(version);
}

void WriteStringMember(json::Writer& writer, std::string_view key, std::string_view value) {
  writer.Key(key.data(), static_cast<json::rapidjson::SizeType>(key.size()));
  (void)json::WriteString(writer, value);
}

std::string WriteState(std::string_view format, std::int64_t version,
                       const std::function<void(json::Writer&)>& write_members) {
  json::StringBuffer buffer;
  json::Writer writer(buffer);
  BeginState(writer, format, version);
  write_members(writer);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace prsm::routing
