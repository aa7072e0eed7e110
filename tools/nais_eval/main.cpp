// nais-eval: evaluates a JSON spec (a file, or stdin) with the device it names and prints JSON:
// a composed loss (EDD Eq. 1, its terms and gradients) or a device's exact evaluation (docs/cli.md).
// --devices lists the registered devices. A malformed spec exits with status 2 and one line.
#include "registry.hpp"

#include <cli_io.hpp>

#include <iostream>

int main(int argc, char** argv) {
    bool list = false;
    const std::string spec = nais_cli::parse_arguments(
        argc, argv, "nais-eval",
        "usage: nais-eval [--devices] [spec.json]   (reads stdin when no file is given, or for -)\n"
        "  --devices    list the devices a spec may name, and whether each has a composed loss\n",
        [&](const std::string& a, int&) { return a == "--devices" && (list = true); });
    if (list) {
        for (const auto& e : nais_eval::devices().entries())
            std::cout << e.name << (e.open ? "  [loss] " : "  [exact] ") << e.summary << '\n';
        return 0;
    }
    const auto text = nais_cli::read_input(spec, "nais-eval");
    if (!text)
        return 2;
    try {
        std::cout << nais_eval::evaluate_text(*text, nais_cli::spec_directory(spec)).dump(2) << '\n';
    } catch (const nais_eval::spec_error& e) {
        nais_cli::report("nais-eval", e.what());
        return 2;
    } catch (const std::exception& e) {
        nais_cli::report("nais-eval", e.what());
        return 3;
    }
    return 0;
}
