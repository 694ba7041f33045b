// script_file.cpp — LoadScriptFile: the JSON script format of prsm-fake-provider.
//
// Strict on purpose: a typo in a benchmark's script ("latncy_ms") silently running with the
// default would produce numbers nobody asked for, so unknown keys and wrong types are errors
// naming their JSON path.
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "fake_provider_server.h"

namespace prsm::testing {
namespace {

using Value = rapidjson::Value;

// Large enough for any test, small enough that milliseconds never overflow a time_point.
constexpr std::uint64_t kMaxLatencyMs = std::uint64_t{24} * 60 * 60 * 1000;

class ScriptParser {
 public:
  explicit ScriptParser(std::string* error) : error_(error) {}

  bool ParseRoot(const Value& root, ModelScript* default_script,
                 std::map<std::string, ModelScript>* models) {
    if (!root.IsObject()) return Fail("", "expected an object");
    for (const auto& member : root.GetObject()) {
      const std::string key = Key(member.name);
      if (key == "default") {
        if (!ParseScript(member.value, key, default_script)) return false;
      } else if (key == "models") {
        if (!member.value.IsObject()) return Fail(key, "expected an object");
        for (const auto& model : member.value.GetObject()) {
          const std::string name = Key(model.name);
          std::string path = key;
          path.append(".").append(name);
          ModelScript script;
          if (!ParseScript(model.value, path, &script)) return false;
          (*models)[name] = std::move(script);
        }
      } else {
        return Fail(key, R"(unknown key (expected "default" or "models"))");
      }
    }
    return true;
  }

 private:
  static std::string Key(const Value& name) {
    return std::string(name.GetString(), name.GetStringLength());
  }

  bool Fail(const std::string& path, const std::string& message) {
    if (error_ != nullptr) *error_ = (path.empty() ? std::string("(root)") : path) + ": " + message;
    return false;
  }

  bool ParseScript(const Value& value, const std::string& path, ModelScript* script) {
    if (!value.IsObject()) return Fail(path, "expected an object");
    for (const auto& member : value.GetObject()) {
      const std::string key = Key(member.name);
      std::string field_path = path;
      field_path.append(".").append(key);
      if (!ParseField(key, member.value, field_path, script)) return false;
    }
    return true;
  }

  bool ParseField(const std::string& key, const Value& v, const std::string& path, ModelScript* s) {
    if (key == "latency_ms") {
      return Milliseconds(v, path, &s->latency);
    } else if (key == "slow_latency_ms") {
      return Milliseconds(v, path, &s->slow_latency);
    } else if (key == "slow_every") {
      std::uint64_t every = 0;
      if (!Unsigned(v, path, std::numeric_limits<std::uint32_t>::max(), &every)) return false;
      s->slow_every = static_cast<std::size_t>(every);
    } else if (key == "chunk_latency_ms") {
      return Milliseconds(v, path, &s->chunk_latency);
    } else if (key == "stall_before_first_token_ms") {
      return Milliseconds(v, path, &s->stall_before_first_token);
    } else if (key == "stall_after_first_token_ms") {
      return Milliseconds(v, path, &s->stall_after_first_token);
    } else if (key == "chunks") {
      std::uint64_t chunks = 0;
      if (!Unsigned(v, path, std::numeric_limits<std::uint32_t>::max(), &chunks)) return false;
      s->chunks = static_cast<std::size_t>(chunks);
    } else if (key == "reset_after_chunks") {
      return OptionalCount(v, path, &s->reset_after_chunks);
    } else if (key == "truncate_after_chunks") {
      return OptionalCount(v, path, &s->truncate_after_chunks);
    } else if (key == "tool_calls") {
      return ToolCalls(v, path, &s->tool_calls);
    } else if (key == "status") {
      if (!v.IsInt() || v.GetInt() < 200 || v.GetInt() > 599) {
        return Fail(path, "expected an integer HTTP status from 200 to 599");
      }
      s->status = v.GetInt();
    } else if (key == "retry_after") {
      return String(v, path, &s->retry_after);
    } else if (key == "text") {
      return String(v, path, &s->text);
    } else if (key == "prompt_tokens") {
      return Tokens(v, path, &s->prompt_tokens);
    } else if (key == "completion_tokens") {
      return Tokens(v, path, &s->completion_tokens);
    } else if (key == "cached_tokens") {
      return Tokens(v, path, &s->cached_tokens);
    } else if (key == "reasoning_tokens") {
      return Tokens(v, path, &s->reasoning_tokens);
    } else if (key == "finish_reason") {
      return String(v, path, &s->finish_reason);
    } else if (key == "body") {
      return Body(v, path, &s->body);
    } else if (key == "huge_bytes") {
      std::uint64_t bytes = 0;
      if (!Unsigned(v, path, std::numeric_limits<std::size_t>::max(), &bytes)) return false;
      s->huge_bytes = static_cast<std::size_t>(bytes);
    } else if (key == "content_type") {
      return String(v, path, &s->content_type);
    } else if (key == "trickle_pieces") {
      std::uint64_t pieces = 0;
      if (!Unsigned(v, path, std::numeric_limits<std::uint32_t>::max(), &pieces)) return false;
      s->trickle_pieces = static_cast<std::size_t>(pieces);
    } else if (key == "trickle_delay_ms") {
      return Milliseconds(v, path, &s->trickle_delay);
    } else if (key == "error_type") {
      return String(v, path, &s->error_type);
    } else if (key == "error_message") {
      return String(v, path, &s->error_message);
    } else if (key == "error_code") {
      if (v.IsNull()) {
        s->error_code.clear();
        return true;
      }
      return String(v, path, &s->error_code);
    } else {
      return Fail(path, "unknown key");
    }
    return true;
  }

  bool Unsigned(const Value& v, const std::string& path, std::uint64_t max, std::uint64_t* out) {
    if (!v.IsUint64() || v.GetUint64() > max) {
      return Fail(
          path, "expected a non-negative integer" + (max < std::numeric_limits<std::uint64_t>::max()
                                                         ? " up to " + std::to_string(max)
                                                         : std::string()));
    }
    *out = v.GetUint64();
    return true;
  }

  bool Milliseconds(const Value& v, const std::string& path, std::chrono::milliseconds* out) {
    std::uint64_t ms = 0;
    if (!Unsigned(v, path, kMaxLatencyMs, &ms)) return false;
    *out = std::chrono::milliseconds(ms);
    return true;
  }

  // A non-negative count, or null for "never".
  bool OptionalCount(const Value& v, const std::string& path, std::optional<std::size_t>* out) {
    if (v.IsNull()) {
      out->reset();
      return true;
    }
    if (!v.IsUint64() || v.GetUint64() > std::numeric_limits<std::uint32_t>::max()) {
      return Fail(path, "expected a non-negative integer or null");
    }
    *out = static_cast<std::size_t>(v.GetUint64());
    return true;
  }

  bool ToolCalls(const Value& v, const std::string& path, std::vector<ScriptedToolCall>* out) {
    if (!v.IsArray()) return Fail(path, "expected an array");
    std::vector<ScriptedToolCall> calls;
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      const std::string call_path = path + "[" + std::to_string(i) + "]";
      const Value& item = v[i];
      if (!item.IsObject()) return Fail(call_path, "expected an object");
      ScriptedToolCall call;
      for (const auto& member : item.GetObject()) {
        const std::string key = Key(member.name);
        std::string field_path = call_path;
        field_path.append(".").append(key);
        if (key == "name") {
          if (!String(member.value, field_path, &call.name)) return false;
          if (call.name.empty()) return Fail(field_path, "expected a non-empty string");
        } else if (key == "arguments") {
          if (!Arguments(member.value, field_path, &call.arguments)) return false;
        } else {
          return Fail(field_path, R"(unknown key (expected "name" or "arguments"))");
        }
      }
      if (call.name.empty()) return Fail(call_path + ".name", "required");
      calls.push_back(std::move(call));
    }
    *out = std::move(calls);
    return true;
  }

  // Arguments as a JSON object (written back as compact text) or as a string of object text.
  bool Arguments(const Value& v, const std::string& path, std::string* out) {
    if (v.IsObject()) {
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
      v.Accept(writer);
      out->assign(buffer.GetString(), buffer.GetSize());
      return true;
    }
    if (v.IsString()) {
      rapidjson::Document doc;
      doc.Parse(v.GetString(), v.GetStringLength());
      if (!doc.HasParseError() && doc.IsObject()) {
        out->assign(v.GetString(), v.GetStringLength());
        return true;
      }
    }
    return Fail(path, "expected a JSON object or a string holding one");
  }

  bool Tokens(const Value& v, const std::string& path, std::int64_t* out) {
    if (!v.IsInt64() || v.GetInt64() < 0) return Fail(path, "expected a non-negative integer");
    *out = v.GetInt64();
    return true;
  }

  bool String(const Value& v, const std::string& path, std::string* out) {
    if (!v.IsString()) return Fail(path, "expected a string");
    out->assign(v.GetString(), v.GetStringLength());
    return true;
  }

  bool Body(const Value& v, const std::string& path, BodyMode* out) {
    static const std::pair<const char*, BodyMode> kModes[] = {
        {"normal", BodyMode::kNormal},
        {"truncated", BodyMode::kTruncated},
        {"malformed", BodyMode::kMalformed},
        {"huge", BodyMode::kHuge},
        {"empty", BodyMode::kEmpty},
        {"reset", BodyMode::kReset},
        {"error", BodyMode::kError},
        {"reset_mid_body", BodyMode::kResetMidBody},
        {"html", BodyMode::kHtml}};
    if (v.IsString()) {
      const std::string name(v.GetString(), v.GetStringLength());
      for (const auto& [mode_name, mode] : kModes) {
        if (name == mode_name) {
          *out = mode;
          return true;
        }
      }
    }
    return Fail(path, R"(expected one of "normal", "truncated", "malformed", "huge", "empty", )"
                      R"("reset", "error", "reset_mid_body", "html")");
  }

  std::string* error_;
};

}  // namespace

bool LoadScriptFile(const std::string& json_text, ModelScript* default_script,
                    std::map<std::string, ModelScript>* models, std::string* error) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(json_text.data(), json_text.size());
  if (doc.HasParseError()) {
    if (error != nullptr) {
      *error = std::string("invalid JSON at offset ") + std::to_string(doc.GetErrorOffset()) +
               ": " + rapidjson::GetParseError_En(doc.GetParseError());
    }
    return false;
  }
  ModelScript parsed_default;
  std::map<std::string, ModelScript> parsed_models;
  ScriptParser parser(error);
  if (!parser.ParseRoot(doc, &parsed_default, &parsed_models)) return false;
  if (default_script != nullptr) *default_script = std::move(parsed_default);
  if (models != nullptr) *models = std::move(parsed_models);
  return true;
}

}  // namespace prsm::testing
