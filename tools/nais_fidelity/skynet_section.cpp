// docs/fidelity.md, the bundle model against SkyNet on an Ultra96 (../shared/data/measured/fpga_boards.md).
#include "fidelity.hpp"

#include <nais/bundle.hpp>
#include <nais/network/zoo.hpp>

#include <sstream>
#include <string>

namespace nais_fidelity {

std::string skynet_section(const std::string& shared, std::string& headline) {
    const std::string path = shared + "/measured/fpga_boards.md";
    const std::string entry = board_entry(read_text(path), path, "## SkyNet on Ultra96");
    const double fps = figure(entry, path, R"(Measured: ([0-9.]+) FPS end to end)", "SkyNet's measured FPS");
    const double dsp_share = figure(entry, path, R"(DSP ([0-9]+)%)", "SkyNet's DSP utilisation");
    const double bram_share = figure(entry, path, R"(BRAM ([0-9]+)%)", "SkyNet's BRAM utilisation");
    const double lut_share = figure(entry, path, R"(LUT ([0-9]+)%)", "SkyNet's LUT utilisation");
    const double board_dsp = figure(entry, path, R"(([0-9,]+) DSP,)", "the Ultra96's DSP count");
    const double board_bram = figure(entry, path, R"(= ([0-9,]+) BRAM18)", "the Ultra96's BRAM18 count");
    const double board_lut = figure(entry, path, R"(([0-9,]+) LUT,)", "the Ultra96's LUT count");
    const double clock = figure(entry, path, R"(accelerator at ([0-9.]+) MHz)", "SkyNet's clock");
    // the utilisation is published in whole percent: the count lies within half a percent of it
    const auto count = [](double share, double of) { return share / 100 * of; };
    const auto range = [](double share, double of) {
        return fixed((share - 0.5) / 100 * of, 0) + "-" + fixed((share + 0.5) / 100 * of, 0);
    };
    const double dsp = count(dsp_share, board_dsp), bram = count(bram_share, board_bram), lut = count(lut_share, board_lut);

    nais::bundle::device hls;  // the HLS code's assumption: one 512-bit beat per cycle
    hls.dsp = int(board_dsp);
    hls.bram18 = int(board_bram);
    hls.lut = int(board_lut);
    hls.clock_mhz = clock;
    nais::bundle::device board = hls;  // SkyNet.hwh: the 512-bit m_axi port reaches DDR through a
    board.ddr_bits = 128;              // SmartConnect and the 128-bit S_AXI_HP0_FPD port
    const nais::bundle::design design;  // SkyNet's HLS design (Pc 32, Pi 16, 42 x 82 tiles, 2 x 2 mosaic)
    const auto network = nais::net::skynet();
    const auto at_hls = nais::bundle::evaluate(network, design, {}, hls);
    const auto at_board = nais::bundle::evaluate(network, design, {}, board);
    nais::bundle::design no_axi = design;
    no_axi.axi_outstanding = 0;
    const double bram_no_axi = double(nais::bundle::resources_of(at_hls.ips, no_axi).bram18);
    const double nais_dsp = double(at_hls.used.dsp), nais_bram = double(at_hls.used.bram18), nais_lut = double(at_hls.used.lut);
    const double measured_ms = 1e3 / fps;

    std::ostringstream o;
    o << "## Bundle model: SkyNet on an Ultra96, measured (docs/devices/bundle.md)\n\n"
      << "Reference: **measured**, SkyNet's DAC-SDC 2019 design (`../shared/data/measured/fpga_boards.md`: utilisation\n"
      << "DSP " << fixed(dsp_share, 0) << "%, BRAM " << fixed(bram_share, 0) << "%, LUT " << fixed(lut_share, 0)
      << "% of the ZU3EG; " << fixed(fps, 2) << " FPS end to end at " << fixed(clock, 0) << " MHz). nais: the bundle model at\n"
      << "SkyNet's HLS design (Pc 32, Pi 16, 42 x 82 tiles, a batch of 4 as a 2 x 2 mosaic; TomG008/SkyNet\n"
      << "`FPGA/HLS`). The utilisation is published in whole percent, so each measured count is a range.\n\n"
      << "| figure | measured | nais | error |\n|---|---:|---:|---:|\n"
      << "| DSP | " << fixed(dsp, 0) << " (" << range(dsp_share, board_dsp) << ") | " << fixed(nais_dsp, 0) << " | "
      << percent(nais_dsp, dsp) << " |\n"
      << "| BRAM (18 Kb blocks) | " << fixed(bram, 0) << " (" << range(bram_share, board_bram) << ") | " << fixed(nais_bram, 0)
      << " | " << percent(nais_bram, bram) << " |\n"
      << "| BRAM without the m_axi adapter's buffers | " << fixed(bram, 0) << " | " << fixed(bram_no_axi, 0) << " | "
      << percent(bram_no_axi, bram) << " |\n"
      << "| LUT (nais: an estimate from two stated constants) | " << fixed(lut, 0) << " | " << fixed(nais_lut, 0) << " | "
      << percent(nais_lut, lut) << " |\n\n"
      << "BRAM: nais counts the feature-map buffers at the BRAM18 aspect ratios (4 x 32 banks of 3,696 x 9 bits,\n"
      << "2 blocks each; 32 banks of 3,696 x 12 bits, 4 each), the weight buffers, and the m_axi adapter's read\n"
      << "and write data buffers: 16 outstanding bursts of 16 words of 512 bits each way (SkyNet.hwh gives the\n"
      << "port's width, outstanding requests and burst length; UG1399 gives the buffer size), 15 blocks each.\n"
      << "DSP: nais counts the IPs' multipliers, 32 (depth-wise) + 32 x 16 / 2 (point-wise at II 2). Nothing\n"
      << "else in the HLS code multiplies data: batch norm is folded into the weights and the bias is written\n"
      << "by `set_bias` (no multiply), pooling compares (`relu_max`), and the input normalisation is a table\n"
      << "(`img_norm_ch`). What remains is address arithmetic: the data movers\n"
      << "multiply run-time channel, tile and buffer indices by constant strides (`ch*82*2*162*2`,\n"
      << "`(col*40 + offset_h*2)*162*2`, `44*84*buf_id` in `load_dw1_pool_from_DDR`, `Relu_Max_Pooling`,\n"
      << "`relu_copy_buf_to_DDR`, ...), which Vivado HLS may bind to DSP48E2s, one or two per product. How many\n"
      << "it bound is in the synthesis report, which the repository does not ship, so nais does not model it:\n"
      << "that is the " << fixed(dsp - nais_dsp, 0) << "-DSP gap. The LUT figure is not a model (two stated constants per multiplier and\n"
      << "per IP); the measured design's LUTs also hold the SmartConnect, the 32-lane packing and unpacking of\n"
      << "every 512-bit beat, and the control.\n\n"
      << "Time: the accelerator's own time was not measured. The published " << fixed(fps, 2) << " FPS ("
      << fixed(measured_ms, 2) << " ms per image) is the\n"
      << "rate of the deployment script (`FPGA/Deploy/SkyNet.py`): three processes joined by queues, one reading\n"
      << "and resizing four JPEGs in Python and stitching them, one copying the stitched image into the\n"
      << "accelerator's buffer and running it, one decoding the boxes; the rate is the slowest stage's. nais's\n"
      << "accelerator time is " << fixed(at_board.ms, 2) << " ms per image with the board's 128-bit HP port ("
      << fixed(at_hls.ms, 2) << " ms with the HLS code's 512-bit beat\n"
      << "per cycle), " << fixed(100 * at_board.ms / measured_ms, 0)
      << "% of the measured interval: consistent with a pipeline whose slowest stage is the host's,\n"
      << "and a bound (nais's time must not exceed the interval), not an error figure.\n\n";
    headline = "bundle model on SkyNet's measured Ultra96 design: BRAM " + percent(nais_bram, bram) + ", DSP " +
               percent(nais_dsp, dsp) + " (address arithmetic, not modelled); accelerator time " +
               fixed(100 * at_board.ms / measured_ms, 0) + "% of the measured end-to-end interval (host-bound)";
    return o.str();
}

}  // namespace nais_fidelity
