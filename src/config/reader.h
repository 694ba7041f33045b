// config/reader.h — walking a configuration document: every read checks the value's type and
// range, every object refuses keys it does not know, and every error names the file, the JSON
// path and what was expected:
//   "prsm.json: $.models[2].price.input_per_mtok: expected a number >= 0, got string "2.5""
//
// Why not json/json_read.h's readers: those read untrusted vendor responses (kDataLoss, lenient
// about nulls and unknown members); a configuration is the host's own input, where a typo must
// be an error (kInvalidArgument) that says exactly where.
//
// Thread safety: none needed; a reader lives on the stack of one ParseConfig call.
// Lifetime: an ObjectReader points into the document and the LoadContext; both outlive it.
#ifndef PRSM_CONFIG_READER_H_
#define PRSM_CONFIG_READER_H_

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "json/json.h"
#include "prsm/config.h"
#include "prsm/status.h"

namespace prsm::config {

/// What every section reader shares: the source name and the environment.
struct LoadContext {
  std::string source;
  const ConfigLoadOptions* options = nullptr;

  /// The variable's value through options->getenv (std::getenv when unset); nullopt when the
  /// name is empty, or the variable is unset or empty.
  std::optional<std::string> GetEnv(std::string_view name) const;
};

/// kInvalidArgument "<source>: <path>: expected <expected>, got <got>".
Error ConfigError(const LoadContext& context, std::string_view path, std::string_view expected,
                  std::string_view got);

/// How a value is named after "got": `string "abc"` (quoted, cut after 60 bytes), `number 12`,
/// `true`, `null`, `an array`, `an object`.
std::string Describe(const json::Value& value);

/// `path` followed by the member `key`: "$.models[0].price", or `$.providers["my id"]` for a key
/// that is not a plain identifier.
std::string MemberPath(std::string_view path, std::string_view key);

/// "a, b and c".
std::string JoinNames(const std::vector<std::string_view>& names);

/// An inclusive or exclusive bound on a number, for range checks.
struct Range {
  double min = 0.0;
  double max = 0.0;
  bool min_inclusive = true;
  bool max_inclusive = true;
  std::string_view expectation;  ///< e.g. "a number in [0, 1]"

  bool Contains(double value) const noexcept;
};

inline constexpr Range kNonNegative{0.0, 1e300, true, true, "a number >= 0"};
inline constexpr Range kUnitInterval{0.0, 1.0, true, true, "a number in [0, 1]"};
inline constexpr Range kOpenUnitInterval{0.0, 1.0, false, true, "a number in (0, 1]"};

/// One JSON object of the file: its path and the keys it may hold.
class ObjectReader {
 public:
  /// Errors: `value` is not an object; it has a key not in `allowed` (the message lists them).
  static Result<ObjectReader> Open(const LoadContext& context, const json::Value& value,
                                   std::string path, std::vector<std::string_view> allowed);

  const LoadContext& context() const noexcept { return *context_; }
  const std::string& path() const noexcept { return path_; }
  const json::Value& value() const noexcept { return *value_; }
  std::string PathOf(std::string_view key) const { return MemberPath(path_, key); }
  /// The member, or nullptr when absent.
  const json::Value* Find(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  /// ConfigError at this object's member `key`.
  Error Fail(std::string_view key, std::string_view expected, std::string_view got) const;
  Error Fail(std::string_view key, std::string_view expected, const json::Value& got) const;

  // Each Read sets `out` when the key is present and leaves it alone when absent.
  Result<void> Read(std::string_view key, std::string& out) const;
  Result<void> Read(std::string_view key, bool& out) const;
  Result<void> Read(std::string_view key, double& out, const Range& range = kNonNegative) const;
  Result<void> Read(std::string_view key, std::optional<double>& out,
                    const Range& range = kNonNegative) const;
  /// A JSON integer in [min, max].
  Result<void> ReadInteger(std::string_view key, std::int64_t& out, std::int64_t min,
                           std::int64_t max) const;
  template <typename Int, typename = std::enable_if_t<std::is_integral_v<Int>>>
  Result<void> Read(std::string_view key, Int& out, std::int64_t min = 0,
                    std::int64_t max = std::numeric_limits<std::int64_t>::max()) const {
    constexpr auto kLimit = static_cast<std::uint64_t>(std::numeric_limits<Int>::max());
    if (max > 0 && kLimit < static_cast<std::uint64_t>(max))
      max = static_cast<std::int64_t>(kLimit);
    if (!Has(key)) return {};  // absent: `out` keeps its default
    std::int64_t value = 0;
    if (auto read = ReadInteger(key, value, min, max); !read) return read;
    out = static_cast<Int>(value);
    return {};
  }
  /// A duration string (duration.h); `min` bounds it from below (0: any).
  Result<void> Read(std::string_view key, std::chrono::milliseconds& out,
                    std::chrono::milliseconds min = std::chrono::milliseconds(0)) const;
  /// A duration string of whole seconds, at least 1 s.
  Result<void> Read(std::string_view key, std::chrono::seconds& out) const;
  /// An array of strings; `non_empty_items` refuses "".
  Result<void> Read(std::string_view key, std::vector<std::string>& out,
                    bool non_empty_items = true) const;
  /// An object of strings, in the file's order.
  Result<void> Read(std::string_view key,
                    std::vector<std::pair<std::string, std::string>>& out) const;
  /// An object of numbers in `range`.
  Result<void> Read(std::string_view key, std::map<std::string, double>& out,
                    const Range& range) const;

  /// A string that must be one of `names`; sets `out` to the matching value.
  template <typename E>
  Result<void> ReadEnum(std::string_view key, E& out,
                        const std::vector<std::pair<std::string_view, E>>& names) const {
    const json::Value* value = Find(key);
    if (value == nullptr) return {};
    std::vector<std::string_view> allowed;
    for (const auto& [name, e] : names) {
      allowed.push_back(name);
      if (value->IsString() &&
          std::string_view(value->GetString(), value->GetStringLength()) == name) {
        out = e;
        return {};
      }
    }
    return Fail(key, "one of " + JoinNames(allowed), *value);
  }

  /// The member object `key`, opened with `allowed`; nullopt when absent.
  Result<std::optional<ObjectReader>> Object(std::string_view key,
                                             std::vector<std::string_view> allowed) const;

 private:
  ObjectReader(const LoadContext* context, const json::Value* value, std::string path)
      : context_(context), value_(value), path_(std::move(path)) {}

  const LoadContext* context_;
  const json::Value* value_;
  std::string path_;
};

}  // namespace prsm::config

#endif  // PRSM_CONFIG_READER_H_
