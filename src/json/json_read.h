// json/json_read.h — parsing JSON and reading it without ever trusting its shape.
//
// Vendor responses are untrusted input. Every read here checks the type before it touches the
// value, and a mismatch is an `Error(kDataLoss, ...)` that names the place in the document
// ("choices[0].message: expected an object, got string"), never a RapidJSON assertion.
//
// Conventions of the member readers:
// - `Required*`: a missing or null member is an error ("usage.prompt_tokens: missing").
// - `Optional*`: a missing or null member is "absent" (nullopt / nullptr); vendors and
//   OpenAI-compatible servers write `null` and omit fields interchangeably.
// - A member of the wrong type is always an error, in both.
// - Integers must be JSON integers that fit in int64 (12.0 and "12" are rejected); doubles
//   accept any JSON number.
//
// Paths cost nothing until an error is reported: a `Path` is a chain of stack frames that is
// formatted only by the error constructors.
//
// Thread safety: stateless functions; distinct documents may be read from distinct threads.
#ifndef PRSM_JSON_JSON_READ_H_
#define PRSM_JSON_JSON_READ_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "json/json.h"
#include "prsm/status.h"

namespace prsm::json {

/// A location in a JSON document, for error messages. Build it on the stack while descending:
/// `path.Member("choices").Index(0)`. Each Path refers to its parent, so a Path must not outlive
/// the Paths it was derived from: pass `parent.Member("x")` straight to a call, or keep each
/// level in its own local variable; never `Path p = a.Member("x").Member("y");`.
class Path {
 public:
  /// The document root. Prints as "(root)"; its members print without a leading dot.
  constexpr Path() noexcept = default;
  /// A root with a name, e.g. Path("response").
  explicit constexpr Path(std::string_view name) noexcept : name_(name) {}

  Path Member(std::string_view name) const noexcept { return Path(this, name, 0, false); }
  Path Index(std::size_t index) const noexcept { return Path(this, {}, index, true); }

  /// "choices[0].message.content"; "(root)" for an unnamed root.
  std::string ToString() const;

 private:
  constexpr Path(const Path* parent, std::string_view name, std::size_t index,
                 bool is_index) noexcept
      : parent_(parent), name_(name), index_(index), is_index_(is_index) {}
  void AppendTo(std::string& out) const;

  const Path* parent_ = nullptr;
  std::string_view name_;
  std::size_t index_ = 0;
  bool is_index_ = false;
};

// --- parsing ---------------------------------------------------------------------------------

/// The byte offset of the first NUL byte or invalid UTF-8 sequence in `text` (overlong forms,
/// UTF-16 surrogates and code points above U+10FFFF are invalid), or nullopt when there is none.
std::optional<std::size_t> FindInvalidUtf8(std::string_view text) noexcept;

/// The byte offset of the first \u escape, in a string of the JSON text `text`, of a UTF-16
/// surrogate that is not half of a pair (a high one, \uD800-\uDBFF, directly followed by a low
/// one, \uDC00-\uDFFF), or nullopt when there is none. Such an escape would decode to invalid
/// UTF-8. Only escapes inside strings count; an escaped backslash ("\\uDC00") starts none.
std::optional<std::size_t> FindLoneSurrogate(std::string_view text) noexcept;

/// Parses `text` into `doc` (replacing its content). `text` need not be NUL-terminated; the
/// document copies its strings, so `text` may die afterwards. Errors (kDataLoss): NUL bytes or
/// invalid UTF-8 ("invalid UTF-8 at byte 17"), a \u escape of a lone UTF-16 surrogate ("invalid
/// JSON at byte 6: lone UTF-16 surrogate \uDDD0"), invalid JSON, truncated JSON and trailing
/// data ("invalid JSON at byte 42: The document root must not be followed by other values.").
Result<void> ParseJson(std::string_view text, Document& doc);

/// Like ParseJson, but parses in place: `buffer` is modified and `doc`'s strings point into it,
/// so `buffer` must outlive `doc` and must not be modified while `doc` is read.
Result<void> ParseJsonInsitu(std::string& buffer, Document& doc);

/// Writes `text` as a JSON string value (or key), escaped. False, with nothing written, when
/// `text` is not valid UTF-8 or is longer than RapidJSON's 4 GiB string limit. (A NUL byte is
/// valid here, written as \u0000.)
[[nodiscard]] bool WriteString(Writer& writer, std::string_view text);
[[nodiscard]] inline bool WriteKey(Writer& writer, std::string_view key) {
  return WriteString(writer, key);
}

/// Parses `text`, which must be one JSON object, and writes it compactly to `out` as the next
/// value (e.g. after `out.Key(...)`). Numbers are copied digit for digit. No DOM is built: the
/// parser's events go straight to the writer. On an error `out` holds a partial value and must be
/// discarded. Errors (kInvalidArgument, since the text comes from the caller): not valid UTF-8,
/// not valid JSON (a lone surrogate escape included, as in ParseJson), or not an object
/// ("expected a JSON object, got array").
Result<void> CopyJsonObject(std::string_view text, Writer& out);

// --- reading ---------------------------------------------------------------------------------

/// "null", "bool", "number", "string", "array" or "object".
std::string_view TypeName(const Value& value) noexcept;

/// kDataLoss "<path>: expected <expected>, got <TypeName(actual)>".
Error TypeError(const Path& path, std::string_view expected, const Value& actual);
/// kDataLoss "<path>: missing".
Error MissingError(const Path& path);
/// kDataLoss "<path>: <what>".
Error DataError(const Path& path, std::string_view what);

/// The member `key` of `object`, or nullptr when `object` is not an object or has no such
/// member. A member whose value is null is returned (it is present).
const Value* FindMember(const Value& object, std::string_view key);

/// `value` itself, checked. `path` names `value`.
Result<std::string_view> AsString(const Value& value, const Path& path);
Result<std::int64_t> AsInt64(const Value& value, const Path& path);
Result<double> AsDouble(const Value& value, const Path& path);
Result<bool> AsBool(const Value& value, const Path& path);
Result<const Value*> AsObject(const Value& value, const Path& path);
Result<const Value*> AsArray(const Value& value, const Path& path);

// Members of `object`. `path` names `object` (not the member), and `object` must be an object
// (checked: anything else is a TypeError at `path`).

Result<std::string_view> RequiredString(const Value& object, std::string_view key,
                                        const Path& path);
Result<std::int64_t> RequiredInt64(const Value& object, std::string_view key, const Path& path);
Result<double> RequiredDouble(const Value& object, std::string_view key, const Path& path);
Result<const Value*> RequiredObject(const Value& object, std::string_view key, const Path& path);
Result<const Value*> RequiredArray(const Value& object, std::string_view key, const Path& path);

Result<std::optional<std::string_view>> OptionalString(const Value& object, std::string_view key,
                                                       const Path& path);
Result<std::optional<std::int64_t>> OptionalInt64(const Value& object, std::string_view key,
                                                  const Path& path);
Result<std::optional<double>> OptionalDouble(const Value& object, std::string_view key,
                                             const Path& path);
Result<std::optional<bool>> OptionalBool(const Value& object, std::string_view key,
                                         const Path& path);
/// nullptr when absent.
Result<const Value*> OptionalObject(const Value& object, std::string_view key, const Path& path);
/// nullptr when absent.
Result<const Value*> OptionalArray(const Value& object, std::string_view key, const Path& path);

/// A view of a string value. Precondition: `value.IsString()` (checked by RapidJSON).
inline std::string_view StringView(const Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

}  // namespace prsm::json

#endif  // PRSM_JSON_JSON_READ_H_
