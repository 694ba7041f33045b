// Tests of src/json: parsing untrusted text, checked readers, schema copying, and the
// RapidJSON assertion policy of json/json.h.
#include "json/json_read.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "json/json.h"

namespace prsm::json {
namespace {

using namespace std::string_literals;

Document Parsed(std::string_view text) {
  Document doc;
  const Result<void> parsed = ParseJson(text, doc);
  INFO(text);
  REQUIRE(parsed.has_value());
  return doc;
}

std::string Copied(std::string_view text) {
  rapidjson::CrtAllocator allocator;
  StringBuffer buffer(&allocator);
  Writer writer(buffer, &allocator);
  const Result<void> copied = CopyJsonObject(text, writer);
  INFO(text);
  REQUIRE(copied.has_value());
  return std::string(buffer.GetString(), buffer.GetSize());
}

Error CopyError(std::string_view text) {
  rapidjson::CrtAllocator allocator;
  StringBuffer buffer(&allocator);
  Writer writer(buffer, &allocator);
  Result<void> copied = CopyJsonObject(text, writer);
  INFO(text);
  REQUIRE_FALSE(copied.has_value());
  return copied.error();
}

Error ParseError(std::string_view text) {
  Document doc;
  Result<void> parsed = ParseJson(text, doc);
  INFO(text);
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error();
}

TEST_CASE("Path formats members and indices, and only when asked", "[json]") {
  const Path root;
  CHECK(root.ToString() == "(root)");
  const Path choices = root.Member("choices");
  const Path first = choices.Index(0);
  const Path message = first.Member("message");
  CHECK(message.ToString() == "choices[0].message");
  CHECK(message.Member("content").ToString() == "choices[0].message.content");
  CHECK(root.Index(3).ToString() == "[3]");
  const Path named("response");
  CHECK(named.Member("usage").ToString() == "response.usage");
}

TEST_CASE("ParseJson accepts a valid document and copies its strings", "[json]") {
  Document doc;
  {
    std::string text = R"({"a": "caf\u00e9", "b": [1, 2.5, true, null], "c": "日本"})";
    REQUIRE(ParseJson(text, doc).has_value());
    text.assign(text.size(), 'x');  // the document must not point into the text
  }
  REQUIRE(doc.IsObject());
  CHECK(StringView(*FindMember(doc, "a")) == "caf\xC3\xA9");
  CHECK(StringView(*FindMember(doc, "c")) == "日本");
  CHECK(FindMember(doc, "b")->Size() == 4);
}

TEST_CASE("ParseJson does not need a NUL-terminated view", "[json]") {
  const std::string text = R"({"a":1}GARBAGE)";
  Document doc;
  REQUIRE(ParseJson(std::string_view(text).substr(0, 7), doc).has_value());
  CHECK(FindMember(doc, "a")->GetInt() == 1);
}

TEST_CASE("ParseJson rejects truncated JSON with the offset", "[json]") {
  const Error error = ParseError(R"({"choices": [{"message": {"content": "hel)");
  CHECK(error.code() == ErrorCode::kDataLoss);
  CHECK_THAT(error.message(), Catch::Contains("invalid JSON at byte"));
  CHECK_THAT(error.message(), Catch::Contains("Missing a closing quotation mark"));
}

TEST_CASE("ParseJson rejects trailing garbage", "[json]") {
  const Error error = ParseError(R"({"a": 1} {"b": 2})");
  CHECK(error.code() == ErrorCode::kDataLoss);
  CHECK_THAT(error.message(), Catch::Contains("at byte 9"));
  CHECK_THAT(error.message(), Catch::Contains("must not be followed by other values"));
}

TEST_CASE("ParseJson rejects an empty body", "[json]") {
  const Error error = ParseError("");
  CHECK(error.code() == ErrorCode::kDataLoss);
  CHECK_THAT(error.message(), Catch::Contains("document is empty"));
}

TEST_CASE("ParseJson rejects a NUL byte, even after a complete value", "[json]") {
  const Error error = ParseError("{\"a\":1}\0{\"b\":2}"s);
  CHECK(error.code() == ErrorCode::kDataLoss);
  CHECK_THAT(error.message(), Catch::Contains("NUL byte at byte 7"));
}

TEST_CASE("ParseJson rejects invalid UTF-8 with the offset", "[json]") {
  SECTION("a Latin-1 byte") {
    const Error error = ParseError("{\"a\": \"caf\xE9\"}");
    CHECK(error.code() == ErrorCode::kDataLoss);
    CHECK(error.message() == "invalid UTF-8 at byte 10");
  }
  SECTION("an overlong encoding of '/'") {
    CHECK(ParseError("[\"\xC0\xAF\"]").message() == "invalid UTF-8 at byte 2");
  }
  SECTION("an encoded UTF-16 surrogate") {
    CHECK(ParseError("[\"\xED\xA0\x80\"]").message() == "invalid UTF-8 at byte 2");
  }
  SECTION("beyond U+10FFFF") {
    CHECK(ParseError("[\"\xF4\x90\x80\x80\"]").message() == "invalid UTF-8 at byte 2");
  }
  SECTION("a truncated sequence at the end") {
    CHECK(ParseError("[\"ok\"]\xE2\x82").message() == "invalid UTF-8 at byte 6");
  }
  SECTION("after a long ASCII run (the word-at-a-time path)") {
    const std::string text = "[\"" + std::string(37, 'a') + "\x80\"]";
    CHECK(ParseError(text).message() == "invalid UTF-8 at byte 39");
  }
}

TEST_CASE("ParseJson rejects a \\u escape of a lone UTF-16 surrogate", "[json]") {
  // RapidJSON 1.1.0 decodes a lone low surrogate into invalid UTF-8 (found by fuzz_json).
  SECTION("a lone low surrogate") {
    const Error error = ParseError(R"({"a":"\uDDD0"})");
    CHECK(error.code() == ErrorCode::kDataLoss);
    CHECK(error.message() == R"(invalid JSON at byte 6: lone UTF-16 surrogate \uDDD0)");
    CHECK(ParseError(R"(["ok", "x\udc00y"])").message() ==
          R"(invalid JSON at byte 9: lone UTF-16 surrogate \udc00)");
    CHECK_THAT(ParseError(R"({"\uDFFF": 1})").message(), Catch::Contains("byte 2"));
    // The fuzzer's input: a low surrogate followed by digits.
    CHECK_THAT(ParseError(R"({"a":"\uDDD00DDD775807,"})").message(), Catch::Contains("byte 6"));
  }
  SECTION("a lone high surrogate at the end of a string") {
    CHECK(ParseError(R"({"a":"x\uD800"})").message() ==
          R"(invalid JSON at byte 7: lone UTF-16 surrogate \uD800)");
  }
  SECTION("a high surrogate followed by something other than a low one") {
    CHECK_THAT(ParseError(R"(["\uD800x"])").message(), Catch::Contains("byte 2"));
    CHECK_THAT(ParseError(R"(["\uD800\n"])").message(), Catch::Contains("byte 2"));
    CHECK_THAT(ParseError(R"(["\uD800\u0041"])").message(), Catch::Contains("byte 2"));
    CHECK_THAT(ParseError(R"(["\uDBFF\uDBFF\uDC00"])").message(), Catch::Contains("byte 2"));
    CHECK_THAT(ParseError(R"(["\uD800\""])").message(), Catch::Contains("byte 2"));
  }
  SECTION("a low surrogate before a high one (a reversed pair)") {
    CHECK_THAT(ParseError(R"(["\uDC00\uD800"])").message(),
               Catch::Contains("lone UTF-16 surrogate \\uDC00"));
  }
  SECTION("a surrogate escape after an escaped quote, which does not end the string") {
    CHECK_THAT(ParseError(R"(["\"\uDC00"])").message(), Catch::Contains("byte 4"));
    CHECK_THAT(ParseError(R"(["a\\", "\\\uDC00"])").message(), Catch::Contains("byte 11"));
  }
}

TEST_CASE("ParseJson accepts surrogate pairs and backslashes that only look like escapes",
          "[json]") {
  SECTION("valid pairs decode to one code point") {
    CHECK(StringView(Parsed(R"("\uD83D\uDE00")")) == "\xF0\x9F\x98\x80");
    CHECK(StringView(Parsed(R"("\ud83d\ude00")")) == "\xF0\x9F\x98\x80");
    CHECK(StringView(Parsed(R"("\uDBFF\uDFFF\uD800\uDC00")")) ==
          "\xF4\x8F\xBF\xBF\xF0\x90\x80\x80");
    CHECK(StringView(Parsed(R"("\\\uD83D\uDE00\"")")) == "\\\xF0\x9F\x98\x80\"");
  }
  SECTION("the code points either side of the surrogates") {
    CHECK(StringView(Parsed(R"("\uD7FF\uE000")")) == "\xED\x9F\xBF\xEE\x80\x80");
  }
  SECTION("an escaped backslash before 'u' starts no escape") {
    CHECK(StringView(*FindMember(Parsed(R"({"a":"\\uDC00"})"), "a")) == R"(\uDC00)");
    CHECK(StringView(*FindMember(Parsed(R"({"a":"\\\\uD800"})"), "a")) == R"(\\uD800)");
  }
  SECTION("surrogate-like text outside strings' escapes") {
    const Document doc = Parsed(R"({"uDC00": "DC00", "b": "\u0041uDC00"})");
    CHECK(StringView(*FindMember(doc, "b")) == "AuDC00");
  }
}

TEST_CASE("FindLoneSurrogate reads escapes only inside strings, left to right", "[json]") {
  CHECK_FALSE(FindLoneSurrogate("").has_value());
  CHECK_FALSE(FindLoneSurrogate(R"({"a": "no escapes", "b": 1})").has_value());
  CHECK(FindLoneSurrogate(R"("\uDC00")") == std::optional<std::size_t>(1));
  CHECK(FindLoneSurrogate(R"("\\\uDC00")") == std::optional<std::size_t>(3));
  CHECK_FALSE(FindLoneSurrogate(R"("\\uDC00")").has_value());
  // A long run of escapes before the closing quote, then a lone surrogate in the next string.
  std::string many = "[\"";
  for (int i = 0; i < 10000; ++i) many += "\\n\\\"\\uD83D\\uDE00";
  many += "\", \"\\uDC01\"]";
  CHECK(FindLoneSurrogate(many) == std::optional<std::size_t>(many.size() - 8));
  // Malformed or unterminated escapes are left to the parser.
  CHECK_FALSE(FindLoneSurrogate(R"("\uDC")").has_value());
  CHECK_FALSE(FindLoneSurrogate(R"("\uDC00)").has_value());
}

TEST_CASE("ParseJsonInsitu and CopyJsonObject reject a lone surrogate escape too", "[json]") {
  std::string buffer = R"({"a":"\uDDD0"})";
  Document doc;
  const Result<void> parsed = ParseJsonInsitu(buffer, doc);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().code() == ErrorCode::kDataLoss);
  CHECK_THAT(parsed.error().message(), Catch::Contains("lone UTF-16 surrogate"));

  const Error copy = CopyError(R"({"type": "string", "pattern": "\uD800"})");
  CHECK(copy.code() == ErrorCode::kInvalidArgument);
  CHECK(copy.message() == R"(invalid JSON at byte 31: lone UTF-16 surrogate \uD800)");
  CHECK(Copied(R"({"a": "\\uDC00\uD83D\uDE00"})") == R"({"a":"\\uDC00)"
                                                     "\xF0\x9F\x98\x80\"}");
}

TEST_CASE("FindInvalidUtf8 accepts every valid sequence length", "[json]") {
  CHECK_FALSE(FindInvalidUtf8("").has_value());
  CHECK_FALSE(FindInvalidUtf8("plain ascii that is longer than eight bytes").has_value());
  CHECK_FALSE(
      FindInvalidUtf8("\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF").has_value());
  CHECK(FindInvalidUtf8("abc\x80") == std::optional<std::size_t>(3));
  CHECK(FindInvalidUtf8("0123456789\0"s) == std::optional<std::size_t>(10));
}

TEST_CASE("JSON nested deep enough to overflow a recursive parser is rejected, not parsed",
          "[json]") {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  Document doc;
  const Result<void> parsed = ParseJson(deep, doc);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().code() == ErrorCode::kDataLoss);
  CHECK(parsed.error().message().find("deeper") != std::string::npos);
  std::string buffer = deep;
  CHECK_FALSE(ParseJsonInsitu(buffer, doc).has_value());

  // At the limit it parses; brackets inside strings do not count.
  const std::size_t limit = prsm::json::kMaxNestingDepth;
  CHECK(ParseJson(std::string(limit, '[') + std::string(limit, ']'), doc).has_value());
  CHECK_FALSE(
      ParseJson(std::string(limit + 1, '[') + std::string(limit + 1, ']'), doc).has_value());
  const std::string quoted = "[\"" + std::string(1000, '[') + "\\\"\"]";
  CHECK(ParseJson(quoted, doc).has_value());
}

TEST_CASE("ParseJsonInsitu parses in place and rejects what ParseJson rejects", "[json]") {
  std::string buffer = R"({"content": "a\nb", "n": 3})";
  Document doc;
  REQUIRE(ParseJsonInsitu(buffer, doc).has_value());
  CHECK(StringView(*FindMember(doc, "content")) == "a\nb");

  std::string hidden = "{\"a\":1}\0garbage"s;
  Document other;
  const Result<void> parsed = ParseJsonInsitu(hidden, other);
  REQUIRE_FALSE(parsed.has_value());
  CHECK_THAT(parsed.error().message(), Catch::Contains("NUL byte"));

  std::string trailing = R"({"a":1} x)";
  Document third;
  CHECK_FALSE(ParseJsonInsitu(trailing, third).has_value());
}

TEST_CASE("TypeName names every JSON type", "[json]") {
  const Document doc = Parsed(R"([null, true, false, 1, 1.5, "s", [], {}])");
  CHECK(TypeName(doc[0]) == "null");
  CHECK(TypeName(doc[1]) == "bool");
  CHECK(TypeName(doc[2]) == "bool");
  CHECK(TypeName(doc[3]) == "number");
  CHECK(TypeName(doc[4]) == "number");
  CHECK(TypeName(doc[5]) == "string");
  CHECK(TypeName(doc[6]) == "array");
  CHECK(TypeName(doc[7]) == "object");
}

TEST_CASE("FindMember finds by length, not by NUL termination", "[json]") {
  const Document doc = Parsed(R"({"ab": 1, "a\u0000b": 2, "n": null})");
  REQUIRE(FindMember(doc, "ab") != nullptr);
  CHECK(FindMember(doc, "ab")->GetInt() == 1);
  REQUIRE(FindMember(doc, "a\0b"s) != nullptr);
  CHECK(FindMember(doc, "a\0b"s)->GetInt() == 2);
  CHECK(FindMember(doc, "a") == nullptr);
  REQUIRE(FindMember(doc, "n") != nullptr);  // present, with a null value
  CHECK(FindMember(doc, "n")->IsNull());
  const Document array = Parsed("[1]");
  CHECK(FindMember(array, "ab") == nullptr);
}

TEST_CASE("Required readers: missing, null and wrong types are errors naming the path", "[json]") {
  const Document doc = Parsed(R"({"s": "text", "i": 42, "d": 2.5, "o": {}, "a": [], "n": null})");
  const Path path("usage");

  CHECK(*RequiredString(doc, "s", path) == "text");
  CHECK(*RequiredInt64(doc, "i", path) == 42);
  CHECK(*RequiredDouble(doc, "d", path) == 2.5);
  CHECK(*RequiredDouble(doc, "i", path) == 42.0);  // an integer is a number
  CHECK((*RequiredObject(doc, "o", path))->IsObject());
  CHECK((*RequiredArray(doc, "a", path))->IsArray());

  const Result<std::string_view> missing = RequiredString(doc, "x", path);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code() == ErrorCode::kDataLoss);
  CHECK(missing.error().message() == "usage.x: missing");

  const Result<std::int64_t> null = RequiredInt64(doc, "n", path);
  REQUIRE_FALSE(null.has_value());
  CHECK(null.error().message() == "usage.n: missing");

  const Result<std::int64_t> as_string = RequiredInt64(doc, "s", path);
  REQUIRE_FALSE(as_string.has_value());
  CHECK(as_string.error().message() == "usage.s: expected an integer, got string");

  const Result<const Value*> not_object = RequiredObject(doc, "a", path);
  REQUIRE_FALSE(not_object.has_value());
  CHECK(not_object.error().message() == "usage.a: expected an object, got array");

  const Result<const Value*> not_array = RequiredArray(doc, "o", path);
  REQUIRE_FALSE(not_array.has_value());
  CHECK(not_array.error().message() == "usage.o: expected an array, got object");

  const Result<double> not_number = RequiredDouble(doc, "s", path);
  REQUIRE_FALSE(not_number.has_value());
  CHECK(not_number.error().message() == "usage.s: expected a number, got string");
}

TEST_CASE("Member readers refuse a container that is not an object", "[json]") {
  const Document doc = Parsed(R"(["not", "an", "object"])");
  const Result<std::optional<std::string_view>> read = OptionalString(doc, "k", Path("message"));
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().message() == "message: expected an object, got array");
}

TEST_CASE("Optional readers: missing and null are absent, wrong types are errors", "[json]") {
  const Document doc =
      Parsed(R"({"s": "text", "i": -7, "d": 0.25, "b": true, "o": {}, "a": [1], "n": null})");
  const Path path;

  CHECK(*OptionalString(doc, "s", path) == std::optional<std::string_view>("text"));
  CHECK_FALSE(OptionalString(doc, "missing", path)->has_value());
  CHECK_FALSE(OptionalString(doc, "n", path)->has_value());
  CHECK(*OptionalInt64(doc, "i", path) == std::optional<std::int64_t>(-7));
  CHECK_FALSE(OptionalInt64(doc, "n", path)->has_value());
  CHECK(*OptionalDouble(doc, "d", path) == std::optional<double>(0.25));
  CHECK(*OptionalBool(doc, "b", path) == std::optional<bool>(true));
  CHECK((*OptionalObject(doc, "o", path)) != nullptr);
  CHECK((*OptionalObject(doc, "n", path)) == nullptr);
  CHECK((*OptionalObject(doc, "missing", path)) == nullptr);
  CHECK((*OptionalArray(doc, "a", path))->Size() == 1);
  CHECK((*OptionalArray(doc, "n", path)) == nullptr);

  const Result<std::optional<std::string_view>> wrong = OptionalString(doc, "i", path);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().code() == ErrorCode::kDataLoss);
  CHECK(wrong.error().message() == "i: expected a string, got number");

  const Result<std::optional<bool>> not_bool = OptionalBool(doc, "s", path);
  REQUIRE_FALSE(not_bool.has_value());
  CHECK(not_bool.error().message() == "s: expected a bool, got string");

  const Result<const Value*> not_object = OptionalObject(doc, "a", path);
  REQUIRE_FALSE(not_object.has_value());
  CHECK(not_object.error().message() == "a: expected an object, got array");
}

TEST_CASE("Int64 readers take only integers that fit", "[json]") {
  const Document doc = Parsed(
      R"({"max": 9223372036854775807, "min": -9223372036854775808, "big": 9223372036854775808,
          "fraction": 12.5, "whole_double": 12.0, "text": "12", "flag": true})");
  const Path path;
  CHECK(*RequiredInt64(doc, "max", path) == INT64_MAX);
  CHECK(*RequiredInt64(doc, "min", path) == INT64_MIN);

  const Result<std::int64_t> big = RequiredInt64(doc, "big", path);
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error().message() == "big: integer out of range");

  const Result<std::int64_t> fraction = RequiredInt64(doc, "fraction", path);
  REQUIRE_FALSE(fraction.has_value());
  CHECK(fraction.error().message() == "fraction: expected an integer, got 12.5");

  CHECK_FALSE(RequiredInt64(doc, "whole_double", path).has_value());
  CHECK_FALSE(RequiredInt64(doc, "text", path).has_value());
  CHECK_FALSE(RequiredInt64(doc, "flag", path).has_value());
}

TEST_CASE("Value readers check the value itself", "[json]") {
  const Document doc = Parsed(R"(["s", 1, 1.5, false, {}, []])");
  const Path path = Path("list");
  CHECK(*AsString(doc[0], path.Index(0)) == "s");
  CHECK(*AsInt64(doc[1], path.Index(1)) == 1);
  CHECK(*AsDouble(doc[2], path.Index(2)) == 1.5);
  CHECK(*AsBool(doc[3], path.Index(3)) == false);
  CHECK(*AsObject(doc[4], path.Index(4)) == &doc[4]);
  CHECK(*AsArray(doc[5], path.Index(5)) == &doc[5]);
  const Result<std::string_view> wrong = AsString(doc[1], path.Index(1));
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().message() == "list[1]: expected a string, got number");
}

TEST_CASE("Error helpers build kDataLoss messages", "[json]") {
  const Path path("choices");
  const Document doc = Parsed("\"x\"");
  CHECK(TypeError(path.Index(0), "an object", doc).message() ==
        "choices[0]: expected an object, got string");
  CHECK(MissingError(path).message() == "choices: missing");
  CHECK(DataError(path, "empty").message() == "choices: empty");
  CHECK(DataError(path, "empty").code() == ErrorCode::kDataLoss);
}

TEST_CASE("CopyJsonObject writes a schema compactly and keeps numbers digit for digit", "[json]") {
  const std::string copied = Copied(R"({
      "type": "object",
      "properties": {"n": {"type": "number", "minimum": 0.10, "maximum": 1e3,
                           "multipleOf": 12345678901234567890123}},
      "required": ["n"],
      "description": "caf\u00e9 \"quoted\"",
      "additionalProperties": false, "x": null
    })");
  CHECK(
      copied ==
      R"({"type":"object","properties":{"n":{"type":"number","minimum":0.10,"maximum":1e3,)"
      R"("multipleOf":12345678901234567890123}},"required":["n"],)"
      "\"description\":\"caf\xC3\xA9 \\\"quoted\\\"\",\"additionalProperties\":false,\"x\":null}");
}

TEST_CASE("CopyJsonObject writes the object as the next value of an enclosing writer", "[json]") {
  rapidjson::CrtAllocator allocator;
  StringBuffer buffer(&allocator);
  Writer writer(buffer, &allocator);
  writer.StartObject();
  REQUIRE(WriteKey(writer, "schema"));
  REQUIRE(CopyJsonObject(R"({"a": [1, {"b": 2}]})", writer).has_value());
  REQUIRE(WriteKey(writer, "strict"));
  writer.Bool(true);
  writer.EndObject();
  CHECK(std::string(buffer.GetString()) == R"({"schema":{"a":[1,{"b":2}]},"strict":true})");
  CHECK(writer.IsComplete());
}

TEST_CASE("CopyJsonObject rejects text that is not one JSON object", "[json]") {
  CHECK(CopyError("[1, 2]").message() == "expected a JSON object, got array");
  CHECK(CopyError("\"schema\"").message() == "expected a JSON object, got string");
  CHECK(CopyError("42").message() == "expected a JSON object, got number");
  CHECK(CopyError("null").message() == "expected a JSON object, got null");
  CHECK(CopyError("true").message() == "expected a JSON object, got bool");

  const Error invalid = CopyError(R"({"type": "object",})");
  CHECK(invalid.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(invalid.message(), Catch::StartsWith("invalid JSON at byte 18"));

  CHECK_THAT(CopyError(R"({"a": 1} {"b": 2})").message(),
             Catch::Contains("must not be followed by other values"));
  CHECK_THAT(CopyError("").message(), Catch::Contains("document is empty"));
  CHECK(CopyError("{\"a\": \"\xFF\"}").message() == "invalid UTF-8 at byte 7");
  CHECK_THAT(CopyError("{}\0{}"s).message(), Catch::Contains("NUL byte"));
}

TEST_CASE("WriteString refuses invalid UTF-8 instead of writing it", "[json]") {
  rapidjson::CrtAllocator allocator;
  StringBuffer buffer(&allocator);
  Writer writer(buffer, &allocator);
  writer.StartArray();
  CHECK(WriteString(writer, "caf\xC3\xA9"));
  CHECK(WriteString(writer, "a\0b"s));
  // A lead byte at the very end: RapidJSON's own validation would read past the string here.
  CHECK_FALSE(WriteString(writer, std::string_view("caf\xE9", 4)));
  CHECK_FALSE(WriteString(writer, "\xFF"));
  writer.EndArray();
  CHECK(std::string(buffer.GetString(), buffer.GetSize()) == "[\"caf\xC3\xA9\",\"a\\u0000b\"]");
}

TEST_CASE("A RapidJSON assertion throws instead of aborting the host", "[json]") {
  const Document doc = Parsed(R"({"n": 1})");
  const Value& number = *FindMember(doc, "n");
  CHECK_THROWS_AS(number.GetString(), AssertionFailure);
  CHECK_THROWS_WITH(number.GetString(), Catch::Contains("IsString()"));

  rapidjson::CrtAllocator allocator;
  StringBuffer buffer(&allocator);
  Writer writer(buffer, &allocator);
  writer.StartObject();
  CHECK_THROWS_AS(writer.Int(1), AssertionFailure);  // a value where a key belongs
}

}  // namespace
}  // namespace prsm::json
