// What nais's command-line tools share: reading the spec (a file, or stdin for "-") and
// reporting an error as one line prefixed by the tool's name.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <iostream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>

namespace nais_cli {

/// The text of `path` ("-": standard input); nullopt, after a one-line message, when the file
/// cannot be opened.
/// Files and stdin past nais_json::max_input_bytes are refused the same way.
inline std::optional<std::string> read_input(const std::string& path, const char* tool) {
    constexpr std::uintmax_t limit = std::uintmax_t{64} << 20;  // nais_json::max_input_bytes
    std::string text;
    if (path == "-") {
        char buf[65536];
        while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
            text.append(buf, static_cast<std::size_t>(std::cin.gcount()));
            if (text.size() > limit) {
                std::cerr << tool << ": the input is larger than the limit of " << (limit >> 20) << " MiB\n";
                return std::nullopt;
            }
        }
        return text;
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        std::cerr << tool << ": cannot open '" << path << "' (not a readable regular file)\n";
        return std::nullopt;
    }
    if (std::filesystem::file_size(path, ec) > limit || ec) {
        std::cerr << tool << ": '" << path << "' is larger than the limit of " << (limit >> 20) << " MiB\n";
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
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

/// "tool: why (see --help)" on stderr, exit status 2.
[[noreturn]] inline void bad_usage(const char* tool, const std::string& why) {
    std::cerr << tool << ": " << why << " (see --help)\n";
    std::exit(2);
}

/// What the tools' arguments share: -h/--help prints `usage` (exit 0), one optional spec file
/// (default "-": stdin), unknown options refused (exit 2). `option(arg, k)` takes the tool's own
/// options (it may consume argv[k + 1...] by advancing k) and returns whether it knew `arg`.
/// Returns the spec path.
template <class Option>
std::string parse_arguments(int argc, char** argv, const char* tool, const char* usage, Option&& option) {
    std::string spec = "-";
    bool have_spec = false;
    for (int k = 1; k < argc; ++k) {
        const std::string a = argv[k];
        if (a == "-h" || a == "--help") {
            std::cout << usage;
            std::exit(0);
        } else if (option(a, k)) {
            continue;
        } else if (a.size() > 1 && a[0] == '-') {
            bad_usage(tool, "unknown option '" + a + "'");
        } else if (have_spec) {
            bad_usage(tool, "more than one spec file");
        } else {
            spec = a;
            have_spec = true;
        }
    }
    return spec;
}

/// The directory a spec's relative file names resolve against ("" for stdin).
inline std::string spec_directory(const std::string& spec) {
    return spec.empty() || spec == "-" ? std::string() : std::filesystem::path(spec).parent_path().string();
}

/// A tool that reads a spec and prints a result document (nais-bundle, nais-map):
///   tool [--json] [FIGURE_FLAG FILE] [spec.json]
/// `run(text, spec_dir, figure_wanted)` reads and runs the spec and returns the document (it may
/// refuse a figure the spec cannot have); `tables(result)` is its text form, `figure(result)` the
/// SVG written to FILE. Returns the exit status: 0, or 2 after a one-line message.
template <class Run, class Tables, class Figure>
int document_tool(int argc, char** argv, const char* tool, const char* usage, const std::string& figure_flag, Run&& run,
                  Tables&& tables, Figure&& figure) {
    bool json = false;
    std::string figure_file;
    const std::string spec = parse_arguments(argc, argv, tool, usage, [&](const std::string& a, int& k) {
        if (a == "--json") {
            json = true;
        } else if (a == figure_flag) {
            if (k + 1 >= argc)
                bad_usage(tool, figure_flag + " needs a file name");
            figure_file = argv[++k];
        } else {
            return false;
        }
        return true;
    });
    const auto text = read_input(spec, tool);
    if (!text)
        return 2;
    try {
        const auto result = run(*text, spec_directory(spec), !figure_file.empty());
        if (!figure_file.empty()) {
            std::ofstream out(figure_file);
            if (!out)
                throw std::runtime_error(figure_flag + ": cannot write '" + figure_file + "'");
            out << figure(result);
        }
        if (json)
            std::cout << result.dump(2) << "\n";
        else
            std::cout << tables(result);
        return 0;
    } catch (const std::exception& e) {
        report(tool, e.what());
        return 2;
    }
}

/// A one-line progress bar on stderr, shown once a computation has run for more than a second
/// (the tools install it only when stderr is a terminal).
struct progress_bar {
    const char* unit = "steps";  ///< what is counted, per second
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    bool shown = false;
    void operator()(std::uint64_t done, std::uint64_t total) {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (s < 1.0)
            return;
        shown = true;
        const double f = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
        const int width = 40, filled = static_cast<int>(f * width);
        const double eta = f > 0 ? s * (1 - f) / f : 0;
        std::fprintf(stderr, "\r[%s%s] %5.1f%%  %.3g %s/s  eta %.0f s ", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                     std::string(static_cast<std::size_t>(width - filled), '.').c_str(), 100 * f,
                     static_cast<double>(done) / s, unit, eta);
        std::fflush(stderr);
    }
    void finish() {
        if (shown)
            std::fprintf(stderr, "\n");
        shown = false;
    }
};

}  // namespace nais_cli
