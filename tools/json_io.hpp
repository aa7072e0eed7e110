// What nais's JSON readers share (nais-eval, nais-sweep, nais-net): the error type whose message
// names the key, and checked reads of keys, numbers and arrays. Tools only; the core headers do
// not use JSON.
#pragma once
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string>

namespace nais_json {

/// A malformed spec: one line naming the key and what was expected.
class spec_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using json = nlohmann::json;

namespace detail {

inline std::string type_name(const json& j) {
    if (j.is_number())
        return "number " + j.dump();
    if (j.is_string())
        return "string " + j.dump();
    return std::string(j.type_name());
}

[[noreturn]] inline void fail(const std::string& key, const std::string& expected, const json& got) {
    throw spec_error("key '" + key + "': expected " + expected + ", got " + type_name(got));
}

inline const json& require_key(const json& obj, const std::string& key, const std::string& path) {
    const auto it = obj.find(key);
    if (it == obj.end())
        throw spec_error("key '" + path + "' is missing");
    return *it;
}

inline double number(const json& j, const std::string& key) {
    if (!j.is_number())
        fail(key, "a finite number", j);
    const double v = j.get<double>();
    if (!std::isfinite(v))
        fail(key, "a finite number", j);
    return v;
}

inline int integer_at_least(const json& j, const std::string& key, int lo) {
    if (!j.is_number_integer())
        fail(key, "an integer >= " + std::to_string(lo), j);
    const auto v = j.get<long long>();
    if (v < lo || v > 1'000'000'000)
        fail(key, "an integer >= " + std::to_string(lo) + " (and <= 1e9)", j);
    return static_cast<int>(v);
}

inline const json& array_of(const json& j, const std::string& key, std::size_t n, const std::string& what) {
    if (!j.is_array())
        fail(key, "an array of " + std::to_string(n) + " " + what, j);
    if (j.size() != n)
        throw spec_error("key '" + key + "': expected an array of " + std::to_string(n) + " " + what + ", got " +
                         std::to_string(j.size()) + " entries");
    return j;
}

/// The key whose value starts before byte `pos` of a JSON text (for parse errors).
inline std::string key_before(const std::string& text, std::size_t pos) {
    pos = std::min(pos, text.size());
    for (std::size_t colon = text.rfind(':', pos); colon != std::string::npos && colon > 0;
         colon = text.rfind(':', colon - 1)) {
        std::size_t end = colon;
        while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1])))
            --end;
        if (end == 0 || text[end - 1] != '"')
            continue;
        const std::size_t begin = text.rfind('"', end - 2);
        if (begin != std::string::npos)
            return text.substr(begin + 1, end - 2 - begin);
    }
    return "";
}
}  // namespace detail

/// Parses text; malformed JSON becomes a spec_error naming the key whose value could not be
/// read (JSON has no NaN or Infinity, so such a value lands here).
inline json parse(const std::string& text) {
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        const std::string key = detail::key_before(text, e.byte == 0 ? 0 : e.byte - 1);
        throw spec_error("malformed JSON" + (key.empty() ? std::string() : " in the value of key '" + key + "'") +
                         " (expected finite numbers; JSON has no NaN or Infinity): " + e.what());
    } catch (const json::out_of_range& e) {
        // a number too large for a double ("number overflow parsing '1e999'"): find it in the text
        const std::string what = e.what();
        const auto open = what.find('\''), close = what.rfind('\'');
        const std::string literal = open != std::string::npos && close > open ? what.substr(open + 1, close - open - 1) : "";
        const std::size_t at = literal.empty() ? std::string::npos : text.find(literal);
        const std::string key = at == std::string::npos ? "" : detail::key_before(text, at);
        throw spec_error((key.empty() ? std::string("a number") : "key '" + key + "': the number " + literal) +
                         " is too large for a double");
    }
}

}  // namespace nais_json
