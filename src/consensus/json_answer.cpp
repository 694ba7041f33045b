// A field of a JSON answer (see json_answer.h).
#include "consensus/json_answer.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "consensus/answer_text.h"
#include "consensus/math_answer.h"
#include "json/json.h"
#include "json/json_read.h"

namespace prsm::internal {

namespace {

using json::Value;

std::string CanonicalNumber(const Value& value) {
  std::string text;
  if (value.IsInt64()) {
    text = std::to_string(value.GetInt64());
  } else if (value.IsUint64()) {
    text = std::to_string(value.GetUint64());
  } else {
    text = fmt::format("{}", value.GetDouble());  // shortest round-trip form
  }
  auto number = NumberAt(text, 0);
  return number && number->end == text.size() ? number->canonical : text;
}

std::string CanonicalString(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (const char c : text) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(ToLowerAscii(c));
  }
  auto number = NumberAt(out, 0);
  if (number && number->end == out.size() && !out.empty()) return number->canonical;
  return out;
}

// Compact JSON with sorted object keys and canonical numbers. ParseJson bounded the depth.
void WriteCanonical(const Value& value, json::Writer& writer) {
  switch (value.GetType()) {
    case json::rapidjson::kNullType:
      writer.Null();
      break;
    case json::rapidjson::kFalseType:
    case json::rapidjson::kTrueType:
      writer.Bool(value.GetBool());
      break;
    case json::rapidjson::kNumberType: {
      const std::string number = CanonicalNumber(value);
      writer.RawValue(number.data(), number.size(), json::rapidjson::kNumberType);
      break;
    }
    case json::rapidjson::kStringType:
      // Valid UTF-8: ParseJson checked the whole document.
      static_cast<void>(
          json::WriteString(writer, std::string_view(value.GetString(), value.GetStringLength())));
      break;
    case json::rapidjson::kArrayType:
      writer.StartArray();
      for (const Value& element : value.GetArray()) WriteCanonical(element, writer);
      writer.EndArray();
      break;
    case json::rapidjson::kObjectType: {
      std::vector<const json::rapidjson::Value::Member*> members;
      for (const auto& member : value.GetObject()) members.push_back(&member);
      auto name = [](const json::rapidjson::Value::Member* m) {
        return std::string_view(m->name.GetString(), m->name.GetStringLength());
      };
      std::sort(members.begin(), members.end(),
                [&](const auto* a, const auto* b) { return name(a) < name(b); });
      writer.StartObject();
      for (const auto* member : members) {
        static_cast<void>(json::WriteKey(writer, name(member)));
        WriteCanonical(member->value, writer);
      }
      writer.EndObject();
      break;
    }
  }
}

std::optional<std::string> Canonical(const Value& value) {
  if (value.IsNull()) return std::nullopt;
  if (value.IsBool()) return std::string(value.GetBool() ? "true" : "false");
  if (value.IsNumber()) return CanonicalNumber(value);
  if (value.IsString()) {
    return CanonicalString(std::string_view(value.GetString(), value.GetStringLength()));
  }
  json::StringBuffer buffer;
  json::rapidjson::CrtAllocator allocator;
  json::Writer writer(buffer, &allocator);
  WriteCanonical(value, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

const Value* Lookup(const Value& root, std::string_view path) {
  const Value* node = &root;
  while (!path.empty()) {
    const std::size_t dot = path.find('.');
    const std::string_view segment = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (node->IsObject()) {
      auto member = node->FindMember(Value(json::rapidjson::StringRef(
          segment.data(), static_cast<json::rapidjson::SizeType>(segment.size()))));
      if (member == node->MemberEnd()) return nullptr;
      node = &member->value;
    } else if (node->IsArray()) {
      if (segment.empty() || segment.size() > 9 ||
          !std::all_of(segment.begin(), segment.end(), IsDigit)) {
        return nullptr;
      }
      const auto index = static_cast<json::rapidjson::SizeType>(std::stoul(std::string(segment)));
      if (index >= node->Size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

std::optional<std::string> FieldOf(std::string_view document, std::string_view path) {
  json::Document doc;
  if (!json::ParseJson(document, doc)) return std::nullopt;
  const Value* value = Lookup(doc, path);
  if (value == nullptr) return std::nullopt;
  return Canonical(*value);
}

// The contents of the ``` fenced blocks of `text`, last first.
std::vector<std::string_view> FencedBlocks(std::string_view text) {
  std::vector<std::string_view> blocks;
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = text.find("```", pos);
    if (open == std::string_view::npos) break;
    const std::size_t line_end = text.find('\n', open);  // after the info string ("json")
    if (line_end == std::string_view::npos) break;
    const std::size_t close = text.find("```", line_end);
    if (close == std::string_view::npos) break;
    blocks.push_back(text.substr(line_end + 1, close - line_end - 1));
    pos = close + 3;
  }
  std::reverse(blocks.begin(), blocks.end());
  return blocks;
}

}  // namespace

std::optional<std::string> ExtractJsonField(std::string_view text, std::string_view path) {
  if (auto value = FieldOf(text, path)) return value;
  for (std::string_view block : FencedBlocks(text)) {
    if (auto value = FieldOf(block, path)) return value;
  }
  const std::size_t first = text.find('{');
  const std::size_t last = text.rfind('}');
  if (first != std::string_view::npos && last != std::string_view::npos && first < last) {
    return FieldOf(text.substr(first, last - first + 1), path);
  }
  return std::nullopt;
}

}  // namespace prsm::internal
