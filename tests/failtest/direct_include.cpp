#include <nais/loss/fpga_loss.hpp>
int main() {}
