// Parsing and checked reading of JSON (see json_read.h), and RapidJSON's assertion handler.
#include "json/json_read.h"

#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>

#include <fmt/format.h>

namespace prsm::json {

void ThrowAssertionFailure(const char* expression) {
  throw AssertionFailure(fmt::format("RapidJSON precondition failed: {}", expression));
}

// --- Path ------------------------------------------------------------------------------------

void Path::AppendTo(std::string& out) const {
  if (parent_ != nullptr) parent_->AppendTo(out);
  if (is_index_) {
    fmt::format_to(std::back_inserter(out), "[{}]", index_);
    return;
  }
  if (!out.empty() && !name_.empty()) out.push_back('.');
  out.append(name_);
}

std::string Path::ToString() const {
  std::string out;
  AppendTo(out);
  if (out.empty()) out = "(root)";
  return out;
}

// --- parsing ---------------------------------------------------------------------------------

namespace {

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
constexpr std::uint64_t kLowBits = 0x0101010101010101ULL;

// True when one of the eight bytes of `word` is zero (the classic bit trick: only a zero byte
// borrows into its own high bit while its high bit was clear).
constexpr bool HasZeroByte(std::uint64_t word) { return ((word - kLowBits) & ~word & kHighBits); }

// Length of the valid UTF-8 sequence at `p` (1..4), or 0 when it is invalid (or a NUL byte and
// `nul_is_invalid`).
std::size_t Utf8SequenceLength(const unsigned char* p, std::size_t available,
                               bool nul_is_invalid) noexcept {
  const unsigned char lead = p[0];
  if (lead < 0x80) return lead == 0 && nul_is_invalid ? 0 : 1;
  std::size_t length;
  std::uint32_t code_point;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07u;
  } else {
    return 0;  // a continuation byte, an overlong 2-byte lead (C0, C1), or beyond U+10FFFF
  }
  if (available < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((p[i] & 0xC0u) != 0x80u) return 0;
    code_point = (code_point << 6) | (p[i] & 0x3Fu);
  }
  if (length == 3 && (code_point < 0x800 || (code_point >= 0xD800 && code_point <= 0xDFFF))) {
    return 0;  // overlong, or a UTF-16 surrogate
  }
  if (length == 4 && (code_point < 0x10000 || code_point > 0x10FFFF)) return 0;
  return length;
}

Error InvalidJsonError(ErrorCode code, rapidjson::ParseErrorCode parse_error, std::size_t offset) {
  return Error(code, fmt::format("invalid JSON at byte {}: {}", offset,
                                 rapidjson::GetParseError_En(parse_error)));
}

Error InvalidUtf8Error(ErrorCode code, std::string_view text, std::size_t offset) {
  return Error(code, text[offset] == '\0' ? fmt::format("invalid JSON: NUL byte at byte {}", offset)
                                          : fmt::format("invalid UTF-8 at byte {}", offset));
}

// Forwards a Reader's events to a Writer, checking that the root is an object. RapidJSON 1.1.0's
// Writer::RawNumber writes its argument as a quoted string, so numbers go through RawValue.
class CopyHandler {
 public:
  explicit CopyHandler(Writer& out) : out_(out) {}

  /// The type of a root that is not an object, or empty.
  std::string_view wrong_root() const { return wrong_root_; }

  bool Null() { return Root("null") && out_.Null(); }
  bool Bool(bool b) { return Root("bool") && out_.Bool(b); }
  // Unused with kParseNumbersAsStringsFlag, but the Reader's templates name them.
  bool Int(int i) { return Root("number") && out_.Int(i); }
  bool Uint(unsigned u) { return Root("number") && out_.Uint(u); }
  bool Int64(std::int64_t i) { return Root("number") && out_.Int64(i); }
  bool Uint64(std::uint64_t u) { return Root("number") && out_.Uint64(u); }
  bool Double(double d) { return Root("number") && out_.Double(d); }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    return Root("number") && out_.RawValue(text, length, rapidjson::kNumberType);
  }
  bool String(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    return Root("string") && out_.String(text, length);
  }
  bool StartObject() {
    ++depth_;
    return out_.StartObject();
  }
  bool Key(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    return out_.Key(text, length);
  }
  bool EndObject(rapidjson::SizeType count) {
    --depth_;
    return out_.EndObject(count);
  }
  bool StartArray() {
    if (!Root("array")) return false;
    ++depth_;
    return out_.StartArray();
  }
  bool EndArray(rapidjson::SizeType count) {
    --depth_;
    return out_.EndArray(count);
  }

 private:
  bool Root(std::string_view type) {
    if (depth_ > 0) return true;
    wrong_root_ = type;
    return false;
  }

  Writer& out_;
  std::size_t depth_ = 0;
  std::string_view wrong_root_;
};

}  // namespace

namespace {

std::optional<std::size_t> FindInvalid(std::string_view text, bool nul_is_invalid) noexcept {
  const auto* const begin = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = begin + text.size();
  const unsigned char* p = begin;
  while (p < end) {
    // Fast path: eight ASCII bytes at a time (LLM responses are mostly ASCII).
    while (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, sizeof word);
      if ((word & kHighBits) != 0 || HasZeroByte(word)) break;
      p += 8;
    }
    if (p == end) break;
    const std::size_t length =
        Utf8SequenceLength(p, static_cast<std::size_t>(end - p), nul_is_invalid);
    if (length == 0) return static_cast<std::size_t>(p - begin);
    p += length;
  }
  return std::nullopt;
}

}  // namespace

namespace {

// Whether `text` nests objects and arrays deeper than kMaxNestingDepth, brackets inside strings
// not counted. A linear scan, far cheaper than RapidJSON's iterative parser, which is the other
// way to keep hostile nesting from overflowing the stack.
bool NestsTooDeep(std::string_view text) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  std::size_t depth = 0;
  while (p < end) {
    const char c = *p++;
    if (c == '"') {
      // Jump to the closing quote with memchr (most of a body is string content); a quote
      // preceded by an odd run of backslashes is escaped and does not close the string.
      for (;;) {
        const void* quote = std::memchr(p, '"', static_cast<std::size_t>(end - p));
        if (quote == nullptr) return false;  // unterminated: the parser will say so
        const char* q = static_cast<const char*>(quote);
        std::size_t backslashes = 0;
        for (const char* b = q; b > p && b[-1] == '\\'; --b) ++backslashes;
        p = q + 1;
        if (backslashes % 2 == 0) break;
      }
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNestingDepth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

Error TooDeepError(ErrorCode code) {
  return Error(code, fmt::format("JSON nests deeper than {} levels", kMaxNestingDepth));
}

// The UTF-16 code unit of the four hex digits at `p`, or -1 when fewer than four hex digits
// come before `end` (a bad escape, which the parser reports itself).
int Hex4(const char* p, const char* end) noexcept {
  if (end - p < 4) return -1;
  int unit = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return -1;
    }
    unit = unit * 16 + digit;
  }
  return unit;
}

constexpr bool IsHighSurrogate(int unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
constexpr bool IsLowSurrogate(int unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

Error LoneSurrogateError(ErrorCode code, std::string_view text, std::size_t offset) {
  return Error(code, fmt::format("invalid JSON at byte {}: lone UTF-16 surrogate {}", offset,
                                 text.substr(offset, 6)));
}

}  // namespace

std::optional<std::size_t> FindInvalidUtf8(std::string_view text) noexcept {
  return FindInvalid(text, /*nul_is_invalid=*/true);
}

// RapidJSON 1.1.0 rejects a high surrogate without its low half but decodes a lone low surrogate
// into an encoded surrogate: invalid UTF-8 that FindInvalidUtf8 cannot see before parsing and
// that writers would then copy into JSON that does not parse. Both halves are checked here, so
// the rule does not depend on the RapidJSON version. Linear and allocation-free: memchr jumps to
// quotes and backslashes, and escapes are read left to right, so in "\\uDC00" the backslash is
// escaped and "uDC00" is plain text.
std::optional<std::size_t> FindLoneSurrogate(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;  // data() may be null, which memchr must not get
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin;
  for (;;) {
    const void* open = std::memchr(p, '"', static_cast<std::size_t>(end - p));
    if (open == nullptr) return std::nullopt;
    p = static_cast<const char*>(open) + 1;
    // Inside a string, which ends at the first quote that no escape consumes.
    for (bool in_string = true; in_string;) {
      const void* found = std::memchr(p, '"', static_cast<std::size_t>(end - p));
      if (found == nullptr) return std::nullopt;  // unterminated: the parser will say so
      const char* const quote = static_cast<const char*>(found);
      in_string = false;
      // Every escape below ends at or before `quote` (hex digits, 'u' and '\' are not quotes),
      // except \" , which consumes it.
      while (const void* slash = std::memchr(p, '\\', static_cast<std::size_t>(quote - p))) {
        const char* const escape = static_cast<const char*>(slash);
        p = escape + 2;
        if (escape[1] == '"') {
          in_string = true;  // that quote is content; look for the next one
          break;
        }
        if (escape[1] != 'u') continue;
        const int unit = Hex4(escape + 2, quote);
        if (unit < 0) continue;
        p = escape + 6;
        if (IsLowSurrogate(unit)) return static_cast<std::size_t>(escape - begin);
        if (!IsHighSurrogate(unit)) continue;
        if (quote - p < 6 || p[0] != '\\' || p[1] != 'u' || !IsLowSurrogate(Hex4(p + 2, quote))) {
          return static_cast<std::size_t>(escape - begin);
        }
        p += 6;
      }
      if (!in_string) p = quote + 1;
    }
  }
}

Result<void> ParseJson(std::string_view text, Document& doc) {
  if (const auto bad = FindInvalidUtf8(text)) {
    return InvalidUtf8Error(ErrorCode::kDataLoss, text, *bad);
  }
  if (NestsTooDeep(text)) return TooDeepError(ErrorCode::kDataLoss);
  if (const auto lone = FindLoneSurrogate(text)) {
    return LoneSurrogateError(ErrorCode::kDataLoss, text, *lone);
  }
  // Parse(pointer, length) reads through a bounds-checked MemoryStream, so `text` needs no NUL.
  doc.Parse<kParseFlags>(text.data(), text.size());
  if (doc.HasParseError()) {
    return InvalidJsonError(ErrorCode::kDataLoss, doc.GetParseError(), doc.GetErrorOffset());
  }
  return {};
}

Result<void> ParseJsonInsitu(std::string& buffer, Document& doc) {
  if (const auto bad = FindInvalidUtf8(buffer)) {
    return InvalidUtf8Error(ErrorCode::kDataLoss, buffer, *bad);
  }
  // FindInvalidUtf8 rejected NUL bytes, so the terminator std::string keeps after the last
  // byte is the parser's only end mark and trailing data cannot hide behind an early NUL.
  if (NestsTooDeep(buffer)) return TooDeepError(ErrorCode::kDataLoss);
  if (const auto lone = FindLoneSurrogate(buffer)) {
    return LoneSurrogateError(ErrorCode::kDataLoss, buffer, *lone);
  }
  doc.ParseInsitu<kParseFlags>(buffer.data());
  if (doc.HasParseError()) {
    return InvalidJsonError(ErrorCode::kDataLoss, doc.GetParseError(), doc.GetErrorOffset());
  }
  return {};
}

bool WriteString(Writer& writer, std::string_view text) {
  if (text.size() > std::numeric_limits<rapidjson::SizeType>::max()) return false;
  if (FindInvalid(text, /*nul_is_invalid=*/false)) return false;  // NUL is written as \u0000
  return writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

Result<void> CopyJsonObject(std::string_view text, Writer& out) {
  if (const auto bad = FindInvalidUtf8(text)) {
    return InvalidUtf8Error(ErrorCode::kInvalidArgument, text, *bad);
  }
  if (NestsTooDeep(text)) return TooDeepError(ErrorCode::kInvalidArgument);
  if (const auto lone = FindLoneSurrogate(text)) {
    return LoneSurrogateError(ErrorCode::kInvalidArgument, text, *lone);
  }
  rapidjson::CrtAllocator allocator;
  rapidjson::Reader reader(&allocator);
  rapidjson::MemoryStream memory(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(memory);
  CopyHandler handler(out);
  reader.Parse<kParseFlags | rapidjson::kParseNumbersAsStringsFlag>(stream, handler);
  if (!handler.wrong_root().empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("expected a JSON object, got {}", handler.wrong_root()));
  }
  if (reader.HasParseError()) {
    return InvalidJsonError(ErrorCode::kInvalidArgument, reader.GetParseErrorCode(),
                            reader.GetErrorOffset());
  }
  return {};
}

// --- reading ---------------------------------------------------------------------------------

std::string_view TypeName(const Value& value) noexcept {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "bool";
    case rapidjson::kObjectType:
      return "object";
    case rapidjson::kArrayType:
      return "array";
    case rapidjson::kStringType:
      return "string";
    case rapidjson::kNumberType:
      return "number";
  }
  return "unknown";
}

Error TypeError(const Path& path, std::string_view expected, const Value& actual) {
  return Error(ErrorCode::kDataLoss,
               fmt::format("{}: expected {}, got {}", path.ToString(), expected, TypeName(actual)));
}

Error MissingError(const Path& path) {
  return Error(ErrorCode::kDataLoss, fmt::format("{}: missing", path.ToString()));
}

Error DataError(const Path& path, std::string_view what) {
  return Error(ErrorCode::kDataLoss, fmt::format("{}: {}", path.ToString(), what));
}

const Value* FindMember(const Value& object, std::string_view key) {
  if (!object.IsObject()) return nullptr;
  // MemberBegin/End and the name comparison below never assert; FindMember(const char*) would
  // need a NUL-terminated key.
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const Value& name = it->name;
    if (name.GetStringLength() == key.size() &&
        std::memcmp(name.GetString(), key.data(), key.size()) == 0) {
      return &it->value;
    }
  }
  return nullptr;
}

Result<std::string_view> AsString(const Value& value, const Path& path) {
  if (!value.IsString()) return TypeError(path, "a string", value);
  return StringView(value);
}

Result<std::int64_t> AsInt64(const Value& value, const Path& path) {
  if (!value.IsInt64()) {
    if (value.IsUint64()) return DataError(path, "integer out of range");
    if (value.IsNumber()) {
      return DataError(path, fmt::format("expected an integer, got {}", value.GetDouble()));
    }
    return TypeError(path, "an integer", value);
  }
  return value.GetInt64();
}

Result<double> AsDouble(const Value& value, const Path& path) {
  if (!value.IsNumber()) return TypeError(path, "a number", value);
  return value.GetDouble();
}

Result<bool> AsBool(const Value& value, const Path& path) {
  if (!value.IsBool()) return TypeError(path, "a bool", value);
  return value.GetBool();
}

Result<const Value*> AsObject(const Value& value, const Path& path) {
  if (!value.IsObject()) return TypeError(path, "an object", value);
  return &value;
}

Result<const Value*> AsArray(const Value& value, const Path& path) {
  if (!value.IsArray()) return TypeError(path, "an array", value);
  return &value;
}

namespace {

// The member, nullptr when missing or null, or an error when `object` is not an object.
Result<const Value*> Lookup(const Value& object, std::string_view key, const Path& path) {
  if (!object.IsObject()) return TypeError(path, "an object", object);
  const Value* member = FindMember(object, key);
  if (member == nullptr || member->IsNull()) return static_cast<const Value*>(nullptr);
  return member;
}

template <typename T, typename Convert>
Result<T> Required(const Value& object, std::string_view key, const Path& path, Convert convert) {
  Result<const Value*> member = Lookup(object, key, path);
  if (!member) return std::move(member).error();
  if (*member == nullptr) return MissingError(path.Member(key));
  return convert(**member, path.Member(key));
}

template <typename T, typename Convert>
Result<std::optional<T>> Optional(const Value& object, std::string_view key, const Path& path,
                                  Convert convert) {
  Result<const Value*> member = Lookup(object, key, path);
  if (!member) return std::move(member).error();
  if (*member == nullptr) return std::optional<T>();
  Result<T> value = convert(**member, path.Member(key));
  if (!value) return std::move(value).error();
  return std::optional<T>(std::move(*value));
}

}  // namespace

Result<std::string_view> RequiredString(const Value& object, std::string_view key,
                                        const Path& path) {
  return Required<std::string_view>(object, key, path, AsString);
}

Result<std::int64_t> RequiredInt64(const Value& object, std::string_view key, const Path& path) {
  return Required<std::int64_t>(object, key, path, AsInt64);
}

Result<double> RequiredDouble(const Value& object, std::string_view key, const Path& path) {
  return Required<double>(object, key, path, AsDouble);
}

Result<const Value*> RequiredObject(const Value& object, std::string_view key, const Path& path) {
  return Required<const Value*>(object, key, path, AsObject);
}

Result<const Value*> RequiredArray(const Value& object, std::string_view key, const Path& path) {
  return Required<const Value*>(object, key, path, AsArray);
}

Result<std::optional<std::string_view>> OptionalString(const Value& object, std::string_view key,
                                                       const Path& path) {
  return Optional<std::string_view>(object, key, path, AsString);
}

Result<std::optional<std::int64_t>> OptionalInt64(const Value& object, std::string_view key,
                                                  const Path& path) {
  return Optional<std::int64_t>(object, key, path, AsInt64);
}

Result<std::optional<double>> OptionalDouble(const Value& object, std::string_view key,
                                             const Path& path) {
  return Optional<double>(object, key, path, AsDouble);
}

Result<std::optional<bool>> OptionalBool(const Value& object, std::string_view key,
                                         const Path& path) {
  return Optional<bool>(object, key, path, AsBool);
}

Result<const Value*> OptionalObject(const Value& object, std::string_view key, const Path& path) {
  Result<const Value*> member = Lookup(object, key, path);
  if (!member || *member == nullptr) return member;
  return AsObject(**member, path.Member(key));
}

Result<const Value*> OptionalArray(const Value& object, std::string_view key, const Path& path) {
  Result<const Value*> member = Lookup(object, key, path);
  if (!member || *member == nullptr) return member;
  return AsArray(**member, path.Member(key));
}

}  // namespace prsm::json
