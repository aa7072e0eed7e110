// What nais's JSON readers share (nais-eval, nais-sweep, nais-net, nais-fit): the error type
// whose message names the key, and checked reads of keys, numbers and arrays. Tools only; the
// core headers do not use JSON. No nais header: dispatching code stays light.
#pragma once
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace nais_json {

/// Limits every reader enforces (README: "Limits"): a spec, network, space or table is at most
/// max_input_bytes, and JSON nests at most max_depth arrays and objects deep.
inline constexpr std::uintmax_t max_input_bytes = std::uintmax_t{64} << 20;
inline constexpr int max_depth = 64;

/// A malformed spec: one line naming the key and what was expected (control characters from
/// the input become '?', and a long message is cut, as nais::detail::one_line does: json_io.cpp).
class spec_error : public std::runtime_error {
public:
    explicit spec_error(const std::string& m);
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

/// Field `name` of object `obj` at key path `path`: present, an integer >= 1.
inline int positive_field(const json& obj, const std::string& path, const char* name) {
    const std::string key = path + "." + name;
    return integer_at_least(require_key(obj, name, key), key, 1);
}

inline const json& array_of(const json& j, const std::string& key, std::size_t n, const std::string& what) {
    if (!j.is_array())
        fail(key, "an array of " + std::to_string(n) + " " + what, j);
    if (j.size() != n)
        throw spec_error("key '" + key + "': expected an array of " + std::to_string(n) + " " + what + ", got " +
                         std::to_string(j.size()) + " entries");
    return j;
}

/// The key whose value starts before byte `pos` of a JSON text (for parse errors): the last
/// "name": before it whose name is printable and unescaped, or "".
inline std::string key_before(const std::string& text, std::size_t pos) {
    pos = std::min(pos, text.size());
    for (std::size_t colon = text.rfind(':', pos); colon != std::string::npos && colon > 0;
         colon = text.rfind(':', colon - 1)) {
        std::size_t end = colon;
        while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1])))
            --end;
        if (end < 2 || text[end - 1] != '"')
            continue;
        const std::size_t begin = text.rfind('"', end - 2);
        if (begin == std::string::npos)
            continue;
        const std::string key = text.substr(begin + 1, end - 2 - begin);
        const bool printable = key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
                                   return static_cast<unsigned char>(c) >= 0x20 && c != '\\' && c != 0x7f;
                               });
        if (printable)
            return key;
    }
    return "";
}

/// An optional integer key of obj in [lo, hi] (fallback when absent), named at + name.
inline int int_in(const json& obj, const std::string& at, const char* name, int fallback, int lo, int hi) {
    const auto it = obj.find(name);
    if (it == obj.end())
        return fallback;
    const int v = integer_at_least(*it, at + name, lo);
    if (v > hi)
        fail(at + name, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", *it);
    return v;
}

/// An optional true/false key of obj (fallback when absent), named at + name.
inline bool flag(const json& obj, const std::string& at, const char* name, bool fallback) {
    const auto it = obj.find(name);
    if (it == obj.end())
        return fallback;
    if (!it->is_boolean())
        fail(at + name, "true or false", *it);
    return it->get<bool>();
}

/// A list of 1 to 64 integers in [lo, hi], each refused by its index.
inline std::vector<int> int_list(const json& j, const std::string& key, int lo, int hi) {
    if (!j.is_array() || j.empty() || j.size() > 64)
        fail(key, "a list of 1 to 64 integers in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", j);
    std::vector<int> v;
    for (std::size_t k = 0; k < j.size(); ++k) {
        const std::string at = key + "[" + std::to_string(k) + "]";
        const int x = integer_at_least(j[k], at, lo);
        if (x > hi)
            fail(at, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", j[k]);
        v.push_back(x);
    }
    return v;
}

}  // namespace detail

/// The text of a file a spec names (at key `key`): a regular file of at most max_input_bytes.
inline std::string read_file(const std::filesystem::path& path, const std::string& key) {
    std::error_code ec;
    const bool regular = std::filesystem::is_regular_file(path, ec);
    if (ec || !regular)
        throw spec_error("key '" + key + "': '" + path.string() + "' is not a readable regular file");
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec || size > max_input_bytes)
        throw spec_error("key '" + key + "': '" + path.string() + "' is larger than the limit of " +
                         std::to_string(max_input_bytes >> 20) + " MiB");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw spec_error("key '" + key + "': cannot open '" + path.string() + "'");
    return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Parses text; malformed JSON becomes a spec_error naming the key whose value could not be
/// read (JSON has no NaN or Infinity, so such a value lands here). Text past max_input_bytes or
/// nested deeper than max_depth is refused before parsing.
inline json parse(const std::string& text) {
    if (text.size() > max_input_bytes)
        throw spec_error("the input is larger than the limit of " + std::to_string(max_input_bytes >> 20) + " MiB");
    {
        int depth = 0;
        bool in_string = false;
        for (std::size_t k = 0; k < text.size(); ++k) {
            const char c = text[k];
            if (in_string) {
                if (c == '\\')
                    ++k;
                else if (c == '"')
                    in_string = false;
            } else if (c == '"') {
                in_string = true;
            } else if (c == '[' || c == '{') {
                if (++depth > max_depth)
                    throw spec_error("JSON nested deeper than the limit of " + std::to_string(max_depth) +
                                     " levels (at byte " + std::to_string(k) + ")");
            } else if (c == ']' || c == '}') {
                --depth;
            }
        }
    }
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
