// nais-eval: evaluates the EDD loss and its gradients for a JSON spec (stdin or a file) and
// prints JSON. A malformed spec exits with status 2 and a one-line message on stderr.
#include "eval_spec.hpp"

#include <cli_io.hpp>

#include <filesystem>
#include <iostream>

int main(int argc, char** argv) {
    if (argc > 2 || (argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help"))) {
        std::cerr << "usage: nais-eval [spec.json]   (reads stdin when no file is given)\n";
        return argc > 2 ? 2 : 0;
    }
    const auto text = nais_cli::read_input(argc == 2 ? argv[1] : "-", "nais-eval");
    if (!text)
        return 2;
    try {
        const std::string base_dir =
            argc == 2 && std::string(argv[1]) != "-" ? std::filesystem::path(argv[1]).parent_path().string() : "";
        std::cout << nais_eval::evaluate_text(*text, base_dir).dump(2) << '\n';
    } catch (const nais_eval::spec_error& e) {
        nais_cli::report("nais-eval", e.what());
        return 2;
    } catch (const nais::invalid_argument& e) {  // the library's refusal of a value
        nais_cli::report("nais-eval", e.what());
        return 2;
    } catch (const std::exception& e) {
        nais_cli::report("nais-eval", e.what());
        return 3;
    }
    return 0;
}
