#include "request_json.h"

#include <rapidjson/error/en.h>

namespace prsm::testing::fake {

std::string ParseRequestJson(std::string_view body, rapidjson::Document* doc) {
  doc->Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  if (!doc->HasParseError()) return {};
  return std::string(rapidjson::GetParseError_En(doc->GetParseError())) + " (at offset " +
         std::to_string(doc->GetErrorOffset()) + ")";
}

const rapidjson::Value* FindNonNull(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

Field ReadBool(const rapidjson::Value& object, const char* name, bool* out) {
  const rapidjson::Value* value = FindNonNull(object, name);
  if (value == nullptr) return Field::kAbsent;
  if (!value->IsBool()) return Field::kWrongType;
  *out = value->GetBool();
  return Field::kOk;
}

Field ReadString(const rapidjson::Value& object, const char* name, std::string* out) {
  const rapidjson::Value* value = FindNonNull(object, name);
  if (value == nullptr) return Field::kAbsent;
  if (!value->IsString()) return Field::kWrongType;
  out->assign(value->GetString(), value->GetStringLength());
  return Field::kOk;
}

bool IsJsonObjectText(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  return !doc.HasParseError() && doc.IsObject();
}

std::string_view ToolArgumentsObject(const ScriptedToolCall& call) {
  return IsJsonObjectText(call.arguments) ? std::string_view(call.arguments)
                                          : std::string_view("{}");
}

}  // namespace prsm::testing::fake
