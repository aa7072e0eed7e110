// What nais's command-line tools share: reading the spec (a file, or stdin for "-") and
// reporting an error as one line prefixed by the tool's name.
#pragma once
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

namespace nais_cli {

/// The text of `path` ("-": standard input); nullopt, after a one-line message, when the file
/// cannot be opened.
inline std::optional<std::string> read_input(const std::string& path, const char* tool) {
    if (path == "-")
        return std::string(std::istreambuf_iterator<char>(std::cin), {});
    std::ifstream in(path);
    if (!in) {
        std::cerr << tool << ": cannot open '" << path << "'\n";
        return std::nullopt;
    }
    return std::string(std::istreambuf_iterator<char>(in), {});
}

/// "tool: message" on stderr, on one line.
inline void report(const char* tool, std::string message) {
    for (char& c : message)
        if (c == '\n')
            c = ' ';
    std::cerr << tool << ": " << message << '\n';
}

}  // namespace nais_cli
