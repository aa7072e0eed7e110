#include <nais/device/fpga/model.hpp>
int main() {}
