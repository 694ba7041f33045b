// Batch input; see batch_input.h.
#include "batch_input.h"

#include <fstream>
#include <iostream>
#include <unordered_map>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace prsm_cli {
namespace {

std::string Describe(const rapidjson::Value& value) {
  if (value.IsNull()) return "null";
  if (value.IsBool()) return "a boolean";
  if (value.IsNumber()) return "a number";
  if (value.IsString()) return "a string";
  if (value.IsArray()) return "an array";
  return "an object";
}

bool ScalarText(const rapidjson::Value& value, std::string* text) {
  if (value.IsString()) {
    text->assign(value.GetString(), value.GetStringLength());
  } else if (value.IsBool()) {
    *text = value.GetBool() ? "true" : "false";
  } else if (value.IsInt64()) {
    *text = std::to_string(value.GetInt64());
  } else if (value.IsUint64()) {
    *text = std::to_string(value.GetUint64());
  } else if (value.IsDouble()) {
    *text = std::to_string(value.GetDouble());
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool ParseBatchItem(const std::string& text, std::size_t line_number, const std::string& where,
                    BatchItem* item, std::string* error) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseStopWhenDoneFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    *error = where + ": not JSON (" + rapidjson::GetParseError_En(doc.GetParseError()) +
             " at column " + std::to_string(doc.GetErrorOffset() + 1) + ")";
    return false;
  }
  if (!doc.IsObject()) {
    *error = where + ": expected a JSON object, got " + Describe(doc);
    return false;
  }
  *item = BatchItem{line_number, std::to_string(line_number), {}, {}, {}};
  bool has_query = false;
  for (const auto& member : doc.GetObject()) {
    const std::string key(member.name.GetString(), member.name.GetStringLength());
    const rapidjson::Value& value = member.value;
    auto fail = [&](const std::string& expected) {
      *error = where + ": \"" + key + "\": expected " + expected + ", got " + Describe(value);
      return false;
    };
    if (key == "id") {
      if (!(value.IsString() || value.IsInt64() || value.IsUint64())) {
        return fail("a string or an integer");
      }
      ScalarText(value, &item->id);
      if (item->id.empty()) return fail("a non-empty id");
    } else if (key == "query") {
      if (!value.IsString() || value.GetStringLength() == 0) return fail("a non-empty string");
      item->query.assign(value.GetString(), value.GetStringLength());
      has_query = true;
    } else if (key == "context") {
      if (!value.IsObject()) return fail("an object of strings");
      for (const auto& attribute : value.GetObject()) {
        std::string attribute_text;
        const std::string name(attribute.name.GetString(), attribute.name.GetStringLength());
        if (!ScalarText(attribute.value, &attribute_text)) {
          *error = where + ": \"context\".\"" + name +
                   "\": expected a string, number or boolean, got " + Describe(attribute.value);
          return false;
        }
        item->context[name] = attribute_text;
      }
    } else if (key == "models") {
      if (!value.IsArray()) return fail("an array of model names");
      for (const auto& model : value.GetArray()) {
        if (!model.IsString() || model.GetStringLength() == 0) {
          return fail("an array of non-empty strings");
        }
        item->models.emplace_back(model.GetString(), model.GetStringLength());
      }
    } else {
      *error = where + ": unknown key \"" + key + "\" (allowed: id, query, context, models)";
      return false;
    }
  }
  if (!has_query) {
    *error = where + ": \"query\" is missing";
    return false;
  }
  return true;
}

bool ReadBatchInput(const std::string& path, std::vector<BatchItem>* items, std::string* error) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) {
      *error = "cannot read " + path;
      return false;
    }
    in = &file;
  }
  const std::string name = path == "-" ? "<stdin>" : path;
  std::unordered_map<std::string, std::size_t> seen;  // id -> line
  std::string text;
  std::size_t line_number = 0;
  while (std::getline(*in, text)) {
    ++line_number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    BatchItem item;
    const std::string where = name + ":" + std::to_string(line_number);
    if (!ParseBatchItem(text, line_number, where, &item, error)) return false;
    auto [it, inserted] = seen.emplace(item.id, line_number);
    if (!inserted) {
      *error = where + ": id \"" + item.id + "\" is also on line " + std::to_string(it->second) +
               " (ids must be unique: resuming skips the ids already answered)";
      return false;
    }
    items->push_back(std::move(item));
  }
  if (in->bad()) {
    *error = "error reading " + name;
    return false;
  }
  return true;
}

}  // namespace prsm_cli
