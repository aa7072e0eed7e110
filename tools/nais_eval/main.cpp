// nais-eval: evaluates the EDD loss and its gradients for a JSON spec (stdin or a file) and
// prints JSON. A malformed spec exits with status 2 and a one-line message on stderr.
#include "eval_spec.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

int main(int argc, char** argv) {
    if (argc > 2 || (argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help"))) {
        std::cerr << "usage: nais-eval [spec.json]   (reads stdin when no file is given)\n";
        return argc > 2 ? 2 : 0;
    }
    std::string text;
    if (argc == 2 && std::string(argv[1]) != "-") {
        std::ifstream in(argv[1]);
        if (!in) {
            std::cerr << "nais-eval: cannot open '" << argv[1] << "'\n";
            return 2;
        }
        text.assign(std::istreambuf_iterator<char>(in), {});
    } else {
        text.assign(std::istreambuf_iterator<char>(std::cin), {});
    }
    try {
        std::cout << nais_eval::evaluate_text(text).dump(2) << '\n';
    } catch (const nais_eval::spec_error& e) {
        std::string msg = e.what();
        for (char& c : msg)
            if (c == '\n')
                c = ' ';
        std::cerr << "nais-eval: " << msg << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "nais-eval: " << e.what() << '\n';
        return 3;
    }
    return 0;
}
