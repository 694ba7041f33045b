// libFuzzer target: the JSON readers (json/json_read.h), which every codec puts between the
// network and the rest of prsm. Invariants:
// - ParseJson fails exactly when FindInvalidUtf8 finds something or RapidJSON rejects the text,
//   with kDataLoss and a message; a parsed document's every value can be read with every
//   reader, whose errors name a path;
// - CopyJsonObject of a parsed object succeeds and its output parses to the same document, as
//   does ParseJsonInsitu;
// - WriteString accepts exactly the valid UTF-8 texts (NUL allowed), and what it writes parses
//   back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "json/json.h"
#include "json/json_read.h"

namespace {

using prsm::json::Path;
using prsm::json::Value;

template <typename T>
void CheckRead(const prsm::Result<T>& read) {
  if (!read) {
    prsm::fuzz::CheckError(read.error(), {}, "a JSON reader");
    PRSM_FUZZ_CHECK(read.error().code() == prsm::ErrorCode::kDataLoss, read.error().ToString());
  }
}

// Reads `value` every way there is, then its members and elements. ParseJson bounds the depth.
void Walk(const Value& value, const Path& path) {
  CheckRead(prsm::json::AsString(value, path));
  CheckRead(prsm::json::AsInt64(value, path));
  CheckRead(prsm::json::AsDouble(value, path));
  CheckRead(prsm::json::AsBool(value, path));
  CheckRead(prsm::json::AsObject(value, path));
  CheckRead(prsm::json::AsArray(value, path));
  PRSM_FUZZ_CHECK(!prsm::json::TypeName(value).empty(), "a type without a name");
  if (value.IsArray()) {
    for (prsm::json::rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      Walk(value[i], path.Index(i));
    }
    return;
  }
  if (!value.IsObject()) return;
  for (auto member = value.MemberBegin(); member != value.MemberEnd(); ++member) {
    const std::string_view key = prsm::json::StringView(member->name);
    PRSM_FUZZ_CHECK(prsm::json::FindMember(value, key) != nullptr, key);
    CheckRead(prsm::json::OptionalString(value, key, path));
    CheckRead(prsm::json::OptionalInt64(value, key, path));
    CheckRead(prsm::json::OptionalDouble(value, key, path));
    CheckRead(prsm::json::OptionalBool(value, key, path));
    CheckRead(prsm::json::OptionalObject(value, key, path));
    CheckRead(prsm::json::OptionalArray(value, key, path));
    CheckRead(prsm::json::RequiredString(value, key, path));
    CheckRead(prsm::json::RequiredInt64(value, key, path));
    CheckRead(prsm::json::RequiredDouble(value, key, path));
    CheckRead(prsm::json::RequiredObject(value, key, path));
    CheckRead(prsm::json::RequiredArray(value, key, path));
    Walk(member->value, path.Member(key));
  }
}

// `value` written compactly. Documents are compared so rather than with ==, which looks members
// up by name and so finds a document with a duplicated key unequal to itself.
std::string Written(const Value& value) {
  prsm::json::rapidjson::CrtAllocator allocator;
  prsm::json::StringBuffer buffer;
  prsm::json::Writer writer(buffer, &allocator);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

void CheckCopy(std::string_view text, const prsm::json::Document& doc) {
  prsm::json::rapidjson::CrtAllocator allocator;
  prsm::json::StringBuffer buffer;
  prsm::json::Writer writer(buffer, &allocator);
  const prsm::Result<void> copied = prsm::json::CopyJsonObject(text, writer);
  if (!doc.IsObject()) {
    PRSM_FUZZ_CHECK(!copied, "CopyJsonObject accepted a non-object");
    prsm::fuzz::CheckError(copied.error(), {}, "CopyJsonObject");
    return;
  }
  PRSM_FUZZ_CHECK(copied, copied.error().ToString());
  prsm::json::Document copy;
  const std::string_view out(buffer.GetString(), buffer.GetSize());
  PRSM_FUZZ_CHECK(prsm::json::ParseJson(out, copy), out);
  PRSM_FUZZ_CHECK(Written(copy) == Written(doc), out);
}

void CheckWriteString(std::string_view text) {
  prsm::json::rapidjson::CrtAllocator allocator;
  prsm::json::StringBuffer buffer;
  prsm::json::Writer writer(buffer, &allocator);
  const bool written = prsm::json::WriteString(writer, text);
  if (!written) {
    // Only invalid UTF-8 is refused (a NUL alone is not: it is written as \u0000).
    PRSM_FUZZ_CHECK(prsm::json::FindInvalidUtf8(text), "WriteString refused valid UTF-8");
    return;
  }
  prsm::json::Document doc;
  const std::string_view out(buffer.GetString(), buffer.GetSize());
  PRSM_FUZZ_CHECK(prsm::json::ParseJson(out, doc), out);
  PRSM_FUZZ_CHECK(doc.IsString() && prsm::json::StringView(doc) == text, out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = prsm::fuzz::AsText(data, size);
  prsm::json::Document doc;
  const prsm::Result<void> parsed = prsm::json::ParseJson(text, doc);
  if (!parsed) {
    prsm::fuzz::CheckError(parsed.error(), {}, "ParseJson");
    PRSM_FUZZ_CHECK(parsed.error().code() == prsm::ErrorCode::kDataLoss, parsed.error().ToString());
  } else {
    PRSM_FUZZ_CHECK(!prsm::json::FindInvalidUtf8(text), "ParseJson accepted invalid UTF-8");
    Walk(doc, Path("fuzz"));
    CheckCopy(text, doc);
    // The in-place parse must agree with the copying one.
    std::string buffer(text);
    prsm::json::Document insitu;
    PRSM_FUZZ_CHECK(prsm::json::ParseJsonInsitu(buffer, insitu), "ParseJsonInsitu disagrees");
    PRSM_FUZZ_CHECK(Written(insitu) == Written(doc), "ParseJsonInsitu parsed another document");
  }
  CheckWriteString(text);
  return 0;
}
