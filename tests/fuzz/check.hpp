// What every harness asserts besides "no crash, no sanitizer report": a reader either accepts
// its input or refuses it with nais_json::spec_error or nais::invalid_argument (the tools' exit 2
// with one line); any other exception, a NaN or an infinity in an output, or a multi-line
// message is a finding.
#pragma once
#include <json_io.hpp>
#include <nais/core.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace nais_fuzz {

[[noreturn]] inline void finding(const char* what, const std::string& detail) {
    std::fprintf(stderr, "nais fuzz finding: %s: %s\n", what, detail.c_str());
    std::abort();
}

/// Every number in an output document is finite.
inline void require_finite(const nlohmann::json& j, const std::string& at = "") {
    if (j.is_number_float() && !std::isfinite(j.get<double>()))
        finding("non-finite output", at);
    if (j.is_array() || j.is_object())
        for (auto it = j.begin(); it != j.end(); ++it)
            require_finite(*it, at + "/" + (j.is_object() ? it.key() : std::string("[]")));
}

inline void one_line(const std::string& m) {
    if (m.empty() || m.find('\n') != std::string::npos)
        finding("refusal is not one line", m);
}

/// Runs f; a spec_error (one line, naming what is wrong) is the expected refusal.
template <class F>
void run_reader(F&& f) {
    try {
        f();
    } catch (const nais_json::spec_error& e) {
        one_line(e.what());
    } catch (const nais::invalid_argument& e) {
        one_line(e.what());
    } catch (const std::exception& e) {
        finding("exception other than spec_error (the tool would exit 3)", e.what());
    }
}

}  // namespace nais_fuzz
