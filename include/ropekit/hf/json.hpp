// ropekit: bounded, exception-free JSON access for the Hugging Face reader.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_HF_JSON_HPP
#define ROPEKIT_HF_JSON_HPP

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../config.hpp"
#include "../detail/fp.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace hf_detail {

using json = nlohmann::json;

/// Deepest nesting of arrays/objects accepted. Real config.json files nest
/// four or five levels; the limit keeps every recursive operation on the
/// document (copies, comparisons) shallow whatever the input.
constexpr std::size_t kMaxDepth = 64;

/// Error context of one reading: the name of the file for messages, and
/// whether an error was already reported (the first one wins; everything
/// after it returns without computing).
struct Reader {
  std::string file;
  bool failed = false;

  /// Reports "<file>: <path> = <value> <requirement>" once; returns false.
  bool fail(const std::string& path, const std::string& value, const std::string& requirement) {
    if (!failed) {
      failed = true;
      detail::fail(file.c_str(), path.c_str(), value, requirement.c_str());
    }
    return false;
  }
};

/// A short, single-line rendering of a value for messages: scalars as JSON,
/// strings truncated, arrays and objects by their size (never recursing).
inline std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "{object with " + std::to_string(v.size()) + " keys}";
    case json::value_t::array:
      return "[array of " + std::to_string(v.size()) + "]";
    case json::value_t::string: {
      std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
      if (s.size() > 80) s = s.substr(0, 76) + "...\"";
      return s;
    }
    case json::value_t::number_float: {
      const double d = v.get<double>();
      if (!detail::is_finite(d)) return detail::is_nan(d) ? "nan" : (d > 0 ? "inf" : "-inf");
      return v.dump();
    }
    default:
      return v.dump();
  }
}

/// A string literal rendering for messages.
inline std::string json_quote(const std::string& s) { return describe(json(s)); }

/// SAX pass that validates the text, bounds the nesting and remembers the
/// first error with its byte offset, without building anything.
class Checker final : public nlohmann::json_sax<json> {
 public:
  std::string error;
  std::size_t max_depth = 0;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return enter(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override { return enter(); }
  bool end_array() override { return leave(); }
  bool parse_error(std::size_t position, const std::string& last_token, const nlohmann::detail::exception&) override {
    if (error.empty()) {
      std::string token = last_token.size() > 40 ? last_token.substr(0, 40) + "..." : last_token;
      for (char& c : token)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
      error = "is not valid JSON (syntax error at byte " + std::to_string(position) + " near '" + token + "')";
    }
    return false;
  }

 private:
  std::size_t depth_ = 0;
  bool enter() {
    if (++depth_ > max_depth) max_depth = depth_;
    if (depth_ > kMaxDepth) {
      if (error.empty())
        error = "nests arrays/objects deeper than " + std::to_string(kMaxDepth) + " levels (not a model config)";
      return false;
    }
    return true;
  }
  bool leave() {
    --depth_;
    return true;
  }
};

/// Parses `text` into `out`, reporting syntax errors and excessive nesting
/// through `r`. Never throws from the parser (allow_exceptions = false).
inline bool parse_json(Reader& r, std::string_view text, json& out) {
  Checker checker;
  const bool ok = json::sax_parse(text.begin(), text.end(), &checker);
  if (!ok || !checker.error.empty()) {
    return r.fail("(document)", std::to_string(text.size()) + " bytes",
                  checker.error.empty() ? std::string("is not valid JSON") : checker.error);
  }
  out = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) return r.fail("(document)", std::to_string(text.size()) + " bytes", "is not valid JSON");
  return true;
}

/// The member `key` of `obj`, or nullptr when obj is not an object or has no such key.
inline const json* find(const json& obj, const std::string& key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}
/// Mutable variant of find.
inline json* find(json& obj, const std::string& key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

/// Python truthiness of a JSON value (null, false, 0, "", [], {} are false).
inline bool truthy(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return false;
    case json::value_t::boolean:
      return v.get<bool>();
    case json::value_t::number_integer:
      return v.get<std::int64_t>() != 0;
    case json::value_t::number_unsigned:
      return v.get<std::uint64_t>() != 0;
    case json::value_t::number_float:
      return v.get<double>() != 0.0;
    case json::value_t::string:
    case json::value_t::array:
    case json::value_t::object:
      return !v.empty();
    default:
      return false;
  }
}

/// Reads a finite number (JSON integer or float, not a boolean).
inline bool to_double(Reader& r, const json& v, const std::string& path, double& out) {
  if (!v.is_number()) return r.fail(path, describe(v), "must be a number");
  out = v.get<double>();
  if (!detail::is_finite(out)) return r.fail(path, describe(v), "must be finite");
  return true;
}

/// Reads a JSON integer within [lo, hi].
inline bool to_int(Reader& r, const json& v, const std::string& path, std::int64_t lo, std::int64_t hi,
                   std::int64_t& out) {
  if (v.is_number_unsigned()) {
    const std::uint64_t u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(hi))
      return r.fail(path, describe(v),
                    "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = static_cast<std::int64_t>(u);
  } else if (v.is_number_integer()) {
    out = v.get<std::int64_t>();
  } else {
    return r.fail(path, describe(v), "must be an integer");
  }
  if (out < lo || out > hi)
    return r.fail(path, describe(v), "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return true;
}

/// Python `dict.setdefault(key, value)` on a JSON object.
inline void setdefault(json& obj, const std::string& key, const json& value) {
  if (obj.is_object() && obj.find(key) == obj.end()) obj[key] = value;
}

}  // namespace hf_detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_HF_JSON_HPP
