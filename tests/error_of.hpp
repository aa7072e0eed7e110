// The message of the exception a callable throws, for tests that match messages by substring.
#pragma once
#include <exception>
#include <string>

namespace nais_test {

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

}  // namespace nais_test
