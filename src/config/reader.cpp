// The configuration walker (see reader.h).
#include "config/reader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "config/duration.h"
#include "json/json_read.h"

namespace prsm::config {

std::optional<std::string> LoadContext::GetEnv(std::string_view name) const {
  if (name.empty()) return std::nullopt;
  std::optional<std::string> value;
  if (options != nullptr && options->getenv) {
    value = options->getenv(name);
  } else if (const char* raw = std::getenv(std::string(name).c_str()); raw != nullptr) {
    value = std::string(raw);
  }
  if (value) {
    // Trailing newlines and spaces come with `export X=$(cat key.txt)`; never part of a value.
    const auto first = value->find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return std::nullopt;
    const auto last = value->find_last_not_of(" \t\r\n");
    *value = value->substr(first, last - first + 1);
  }
  return value;
}

Error ConfigError(const LoadContext& context, std::string_view path, std::string_view expected,
                  std::string_view got) {
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("{}: {}: expected {}, got {}", context.source, path, expected, got));
}

std::string Describe(const json::Value& value) {
  constexpr std::size_t kMaxQuoted = 60;
  switch (value.GetType()) {
    case json::rapidjson::kNullType:
      return "null";
    case json::rapidjson::kFalseType:
      return "false";
    case json::rapidjson::kTrueType:
      return "true";
    case json::rapidjson::kObjectType:
      return "an object";
    case json::rapidjson::kArrayType:
      return "an array";
    case json::rapidjson::kStringType: {
      std::string_view text = json::StringView(value);
      const bool cut = text.size() > kMaxQuoted;
      if (cut) text = text.substr(0, kMaxQuoted);
      return fmt::format("string \"{}{}\"", text, cut ? "..." : "");
    }
    case json::rapidjson::kNumberType:
      if (value.IsInt64()) return fmt::format("number {}", value.GetInt64());
      if (value.IsUint64()) return fmt::format("number {}", value.GetUint64());
      return fmt::format("number {}", value.GetDouble());
  }
  return "a value";
}

namespace {

bool IsIdentifier(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

}  // namespace

std::string MemberPath(std::string_view path, std::string_view key) {
  if (IsIdentifier(key)) return fmt::format("{}.{}", path, key);
  std::string quoted;
  for (char c : key) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return fmt::format("{}[\"{}\"]", path, quoted);
}

std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

bool Range::Contains(double value) const noexcept {
  if (!std::isfinite(value)) return false;
  const bool above = min_inclusive ? value >= min : value > min;
  const bool below = max_inclusive ? value <= max : value < max;
  return above && below;
}

Result<ObjectReader> ObjectReader::Open(const LoadContext& context, const json::Value& value,
                                        std::string path, std::vector<std::string_view> allowed) {
  if (!value.IsObject()) return ConfigError(context, path, "an object", Describe(value));
  for (auto member = value.MemberBegin(); member != value.MemberEnd(); ++member) {
    const std::string_view key = json::StringView(member->name);
    // RapidJSON keeps both copies of a repeated key and reads the first: the second would be
    // silently ignored.
    for (auto earlier = value.MemberBegin(); earlier != member; ++earlier) {
      if (json::StringView(earlier->name) == key) {
        return ConfigError(context, MemberPath(path, key), "each key once", "it a second time");
      }
    }
    if (key == "api_key") {
      return ConfigError(context, MemberPath(path, key),
                         "no key here (keys are never written in the file; name an environment "
                         "variable with api_key_env)",
                         "an api_key");
    }
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::vector<std::string_view> sorted = allowed;
      std::sort(sorted.begin(), sorted.end());
      return ConfigError(
          context, MemberPath(path, key),
          sorted.empty() ? std::string("no keys here") : "one of the keys " + JoinNames(sorted),
          fmt::format("unknown key \"{}\"", key));
    }
  }
  return ObjectReader(&context, &value, std::move(path));
}

const json::Value* ObjectReader::Find(std::string_view key) const {
  return json::FindMember(*value_, key);
}

Error ObjectReader::Fail(std::string_view key, std::string_view expected,
                         std::string_view got) const {
  return ConfigError(*context_, PathOf(key), expected, got);
}

Error ObjectReader::Fail(std::string_view key, std::string_view expected,
                         const json::Value& got) const {
  return Fail(key, expected, Describe(got));
}

Result<void> ObjectReader::Read(std::string_view key, std::string& out) const {
  const json::Value* value = Find(key);
  if (value == nullptr) return {};
  if (!value->IsString()) return Fail(key, "a string", *value);
  out = std::string(json::StringView(*value));
  return {};
}

Result<void> ObjectReader::Read(std::string_view key, bool& out) const {
  const json::Value* value = Find(key);
  if (value == nullptr) return {};
  if (!value->IsBool()) return Fail(key, "true or false", *value);
  out = value->GetBool();
  return {};
}

Result<void> ObjectReader::Read(std::string_view key, double& out, const Range& range) const {
  const json::Value* value = Find(key);
  if (value == nullptr) return {};
  if (!value->IsNumber() || !range.Contains(value->GetDouble())) {
    return Fail(key, range.expectation, *value);
  }
  out = value->GetDouble();
  return {};
}

Result<void> ObjectReader::Read(std::string_view key, std::optional<double>& out,
                                const Range& range) const {
  if (!Has(key)) return {};
  double value = 0.0;
  if (auto read = Read(key, value, range); !read) return read;
  out = value;
  return {};
}

Result<void> ObjectReader::ReadInteger(std::string_view key, std::int64_t& out, std::int64_t min,
                                       std::int64_t max) const {
  const json::Value* value = Find(key);
  if (value == nullptr) return {};
  if (!value->IsInt64() || value->GetInt64() < min || value->GetInt64() > max) {
    return Fail(key, fmt::format("an integer in [{}, {}]", min, max), *value);
  }
  out = value->GetInt64();
  return {};
}

Result<void> ObjectReader::Read(std::string_view key, std::chrono::milliseconds& out,
                                std::chrono::milliseconds min) const {
  const json::Value* value = Find(key);
  if (value == nullptr) return {};
  std::optional<std::chrono::milliseconds> parsed;
  if (value->IsString()) parsed = ParseDuration(json::StringView(*value));
  if (!parsed) return Fail(key, kDurationExpectation, *value);
  if (*parsed < min) {
    return Fail(key, fmt::format("a duration of at least {}ms", min.count()), *value);
  }
  out = *parsed;
  return {};
}

Result<void> ObjectReader::Read(std::string_view key, std::chrono::seconds& out) const {
  if (!Has(key)) return {};
  std::chrono::milliseconds ms{0};
  if (auto read = Read(key, ms); !read) return read;
  if (ms.count() < 1000 || ms.count() % 1000 != 0) {
    return Fail(key, "a whole number of seconds, at least \"1s\"", *Find(key));
  }
  out = std::chrono::duration_cast<std::chrono::seconds>(ms);
  return {};
}

Result<void> ObjectReader::Read(std::string_view key, std::vector<std::string>& out,
                                bool non_empty_items) const {
  const json::Value* value = Find(key);
  if (value == nullptr) return {};
  if (!value->IsArray()) return Fail(key, "an array of strings", *value);
  std::vector<std::string> items;
  const std::string path = PathOf(key);
  for (json::rapidjson::SizeType i = 0; i < value->Size(); ++i) {
    const json::Value& item = (*value)[i];
    if (!item.IsString() || (non_empty_items && item.GetStringLength() == 0)) {
      return ConfigError(*context_, fmt::format("{}[{}]", path, i),
                         non_empty_items ? "a non-empty string" : "a string", Describe(item));
    }
    items.emplace_back(json::StringView(item));
  }
  out = std::move(items);
  return {};
}

Result<void> ObjectReader::Read(std::string_view key,
                                std::vector<std::pair<std::string, std::string>>& out) const {
  const json::Value* value = Find(key);
  if (value == nullptr) return {};
  if (!value->IsObject()) return Fail(key, "an object of strings", *value);
  std::vector<std::pair<std::string, std::string>> items;
  const std::string path = PathOf(key);
  for (const auto& member : value->GetObject()) {
    const std::string_view name = json::StringView(member.name);
    if (!member.value.IsString()) {
      return ConfigError(*context_, MemberPath(path, name), "a string", Describe(member.value));
    }
    items.emplace_back(std::string(name), std::string(json::StringView(member.value)));
  }
  out = std::move(items);
  return {};
}

Result<void> ObjectReader::Read(std::string_view key, std::map<std::string, double>& out,
                                const Range& range) const {
  const json::Value* value = Find(key);
  if (value == nullptr) return {};
  if (!value->IsObject()) return Fail(key, "an object of numbers", *value);
  std::map<std::string, double> items;
  const std::string path = PathOf(key);
  for (const auto& member : value->GetObject()) {
    const std::string_view name = json::StringView(member.name);
    if (!member.value.IsNumber() || !range.Contains(member.value.GetDouble())) {
      return ConfigError(*context_, MemberPath(path, name), range.expectation,
                         Describe(member.value));
    }
    items[std::string(name)] = member.value.GetDouble();
  }
  out = std::move(items);
  return {};
}

Result<std::optional<ObjectReader>> ObjectReader::Object(
    std::string_view key, std::vector<std::string_view> allowed) const {
  const json::Value* value = Find(key);
  if (value == nullptr) return std::optional<ObjectReader>();
  auto opened = Open(*context_, *value, PathOf(key), std::move(allowed));
  if (!opened) return std::move(opened).error();
  return std::optional<ObjectReader>(std::move(*opened));
}

}  // namespace prsm::config
