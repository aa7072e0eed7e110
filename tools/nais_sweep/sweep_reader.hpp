// nais-sweep's spec format: nais-eval's JSON spec (device, blocks, ops, bits, res_ub; the loss
// keys theta, phi, pf, tau, ... are ignored) plus a "sweep" object. Kept out of the core headers
// (it needs nlohmann-json); tests include it to check the tool in-process.
#pragma once
#include <nais_eval/common_reader.hpp>
#include <nais_eval/space_reader.hpp>
#include <svg.hpp>
#include <nais_sweep/sweep_run.hpp>

#include <nais/fpga.hpp>
#include <nais/network.hpp>
#include <nais/sweep.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace nais_sweep {

using json = nlohmann::json;
using nais_eval::spec_error;

/// A parsed spec for one architecture: the swept space, the sweep options and the board.
template <class Arch>
struct sweep_job {
    nais::sweep::design_space<Arch> space;
    nais::sweep::sweep_options options;
    double clock_mhz = 200;
};

using any_job = std::variant<sweep_job<nais::fpga::recursive>, sweep_job<nais::fpga::pipelined>>;

namespace detail {
using namespace nais_eval::detail;

inline std::uint64_t count_field(const json& obj, const char* name, const std::string& path, std::uint64_t fallback) {
    const auto it = obj.find(name);
    if (it == obj.end())
        return fallback;
    const std::string key = path + "." + name;
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<long long>() >= 0))
        fail(key, "a non-negative integer", *it);
    return it->get<std::uint64_t>();
}

inline int int_field(const json& obj, const char* name, const std::string& path, int lo, int hi, int fallback) {
    const auto it = obj.find(name);
    if (it == obj.end())
        return fallback;
    const std::string key = path + "." + name;
    if (!it->is_number_integer() || it->get<long long>() < lo || it->get<long long>() > hi)
        fail(key, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", *it);
    return static_cast<int>(it->get<long long>());
}

inline std::vector<int> int_list(const json& j, const std::string& key, std::size_t n, int lo, int hi) {
    const json& a = array_of(j, key, n, "integers");
    std::vector<int> out;
    for (std::size_t k = 0; k < n; ++k) {
        const json& x = a[k];
        if (!x.is_number_integer() || x.get<long long>() < lo || x.get<long long>() > hi)
            fail(key + "[" + std::to_string(k) + "]", "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
                 x);
        out.push_back(static_cast<int>(x.get<long long>()));
    }
    return out;
}

inline nais::sweep::objective objective_of(const json& j, const std::string& key) {
    static const char* names[] = {"latency", "interval", "dsp", "accuracy"};
    if (j.is_string())
        for (int k = 0; k < 4; ++k)
            if (j.get<std::string>() == names[k])
                return static_cast<nais::sweep::objective>(k);
    fail(key, "one of \"latency\", \"interval\", \"dsp\", \"accuracy\"", j);
}

/// "base": {"op": [N], "bits": [bit-widths], "pf": [ints]}; bits and pf per op type (M entries,
/// recursive) or per block for the block's chosen op (N entries, pipelined).
template <class Arch>
std::vector<int> read_base(const json& b, const nais::sweep::design_space<Arch>& s) {
    constexpr bool recursive = std::is_same_v<Arch, nais::fpga::recursive>;
    if (!b.is_object())
        fail("sweep.base", "an object {op, bits, pf}", b);
    const int n = s.num_blocks(), m = s.num_ops();
    const auto per = static_cast<std::size_t>(recursive ? m : n);
    nais::fpga::design<Arch> d;
    d.op = int_list(require_key(b, "op", "sweep.base.op"), "sweep.base.op", static_cast<std::size_t>(n), 0, m - 1);
    const std::vector<int>& widths = s.costs().bit_widths;
    const std::vector<int> bits = int_list(require_key(b, "bits", "sweep.base.bits"), "sweep.base.bits", per, 1, 32);
    const std::vector<int> pf = int_list(require_key(b, "pf", "sweep.base.pf"), "sweep.base.pf", per, s.pf_range().min,
                                         s.pf_range().max);
    const auto groups = static_cast<std::size_t>(nais::fpga::num_groups<Arch>(n, m));
    d.bits.assign(groups, 0);
    d.pf.assign(groups, s.pf_range().min);
    for (std::size_t k = 0; k < per; ++k) {
        const auto it = std::find(widths.begin(), widths.end(), bits[k]);
        if (it == widths.end())
            fail("sweep.base.bits[" + std::to_string(k) + "]", "one of the space's bit-widths", json(bits[k]));
        const auto g = static_cast<std::size_t>(recursive ? static_cast<int>(k) : d.group_of(static_cast<int>(k)));
        d.bits[g] = static_cast<int>(it - widths.begin());
        d.pf[g] = pf[k];
    }
    return s.digits_of(d);
}

template <class Arch, class Space>
any_job read_job(const json& spec, const Space& rs) {
    constexpr bool recursive = std::is_same_v<Arch, nais::fpga::recursive>;
    const json& sw = require_key(spec, "sweep", "sweep");
    if (!sw.is_object())
        fail("sweep", "an object", sw);
    const nais::fpga::cost_table costs = nais::fpga::make_cost_table(rs);
    double budget = 0;
    if (const auto it = sw.find("dsp_budget"); it != sw.end())
        budget = number(*it, "sweep.dsp_budget");
    else
        budget = number(require_key(spec, "res_ub", "res_ub (or sweep.dsp_budget)"), "res_ub");
    if (!(budget > 0))
        fail(sw.contains("dsp_budget") ? "sweep.dsp_budget" : "res_ub", "a DSP budget > 0", json(budget));
    const nais::fpga::pf_range implied = nais::fpga::budget_pf_range(costs, budget);
    nais::fpga::pf_range range{int_field(sw, "pf_min", "sweep", 0, nais::fpga::max_design_pf, implied.min),
                               int_field(sw, "pf_max", "sweep", 0, nais::fpga::max_design_pf, implied.max)};
    if (range.min > range.max)
        throw spec_error("key 'sweep.pf_min': " + std::to_string(range.min) + " is above sweep.pf_max = " +
                         std::to_string(range.max));
    std::vector<double> accuracy;
    if (const auto it = sw.find("accuracy_per_op"); it != sw.end()) {
        const json& a = array_of(*it, "sweep.accuracy_per_op", static_cast<std::size_t>(rs.num_ops()), "numbers");
        for (std::size_t k = 0; k < a.size(); ++k)
            accuracy.push_back(number(a[k], "sweep.accuracy_per_op[" + std::to_string(k) + "]"));
    }
    try {
        sweep_job<Arch> job{nais::sweep::design_space<Arch>(costs, range, accuracy), {}, 200};
        auto& o = job.options;
        o.dsp_budget = budget;
        const std::string mode = [&] {
            const auto it = sw.find("mode");
            if (it == sw.end())
                return std::string("exhaustive");
            if (!it->is_string() || (*it != "exhaustive" && *it != "random" && *it != "neighbourhood"))
                fail("sweep.mode", "\"exhaustive\", \"random\" or \"neighbourhood\"", *it);
            return it->get<std::string>();
        }();
        o.mode = mode == "exhaustive" ? nais::sweep::enumeration::exhaustive
                 : mode == "random"   ? nais::sweep::enumeration::random
                                      : nais::sweep::enumeration::neighbourhood;
        o.samples = count_field(sw, "samples", "sweep", 0);
        o.seed = count_field(sw, "seed", "sweep", 1);
        o.threads = static_cast<unsigned>(int_field(sw, "threads", "sweep", 0, 1024, 0));
        o.sample_every = count_field(sw, "sample_every", "sweep", 0);
        o.sample_limit = count_field(sw, "sample_limit", "sweep", o.sample_limit);
        // one shard of the sweep: the points with index in [index_begin, index_end)
        o.index_begin = count_field(sw, "index_begin", "sweep", 0);
        o.index_end = count_field(sw, "index_end", "sweep", o.index_end);
        if (o.index_begin > o.index_end)
            throw spec_error("key 'sweep.index_begin': " + std::to_string(o.index_begin) + " is above sweep.index_end = " +
                             std::to_string(o.index_end));
        if (const auto it = sw.find("objectives"); it != sw.end()) {
            if (!it->is_array() || it->size() < 2 || it->size() > 3)
                fail("sweep.objectives", "an array of 2 or 3 objective names", *it);
            o.objectives.clear();
            for (std::size_t k = 0; k < it->size(); ++k)
                o.objectives.push_back(objective_of((*it)[k], "sweep.objectives[" + std::to_string(k) + "]"));
        }
        if (const auto it = sw.find("clock_mhz"); it != sw.end()) {
            job.clock_mhz = number(*it, "sweep.clock_mhz");
            if (!(job.clock_mhz >= nais::detail::min_clock_mhz && job.clock_mhz <= nais::detail::max_clock_mhz))
                fail("sweep.clock_mhz", "a clock in [1e-3, 1e6] MHz", *it);
        }
        if (const auto it = sw.find("base"); it != sw.end())
            o.base = read_base(*it, job.space);
        else if (o.mode == nais::sweep::enumeration::neighbourhood)
            throw spec_error("key 'sweep.base' is missing (a neighbourhood sweep needs its centre design)");
        // free_blocks (and, recursive, free_ips): the digits an exhaustive sub-space sweep varies
        for (const char* name : {"free_blocks", "free_ips"}) {
            const auto it = sw.find(name);
            if (it == sw.end())
                continue;
            const bool ips = std::string(name) == "free_ips";
            if (ips && !recursive)
                throw spec_error("key 'sweep.free_ips': only the recursive architecture has shared IPs; use "
                                 "sweep.free_blocks");
            const int limit = ips ? rs.num_ops() : rs.num_blocks();
            if (!it->is_array())
                fail(std::string("sweep.") + name, "an array of indices", *it);
            const auto idx = int_list(*it, std::string("sweep.") + name, it->size(), 0, limit - 1);
            for (int k : idx)
                o.free_digits.push_back(ips ? rs.num_blocks() + k : k);
        }
        if (!o.free_digits.empty() && o.base.empty())
            throw spec_error("key 'sweep.base' is missing (free_blocks / free_ips keep every other choice at the base "
                             "design)");
        return job;
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
}

}  // namespace detail

/// Reads a spec (see README: nais-sweep); throws spec_error naming the key on a malformed one.
/// A spec's space: "space" (a space or network of real layers: see nais-eval) or the MBConv
/// blocks, ops and bits. `base_dir` resolves a relative "space" path.
inline any_job read_sweep_spec(const json& spec, const std::string& base_dir = "") {
    if (!spec.is_object())
        throw spec_error("the spec must be a JSON object, got " + nais_eval::detail::type_name(spec));
    const json& device = nais_eval::detail::require_key(spec, "device", "device");
    if (!device.is_string() || (device != "fpga-recursive" && device != "fpga-pipelined"))
        nais_eval::detail::fail("device", "\"fpga-recursive\" or \"fpga-pipelined\"", device);
    if (spec.contains("space")) {
        const nais::layered_space ls = nais_eval::detail::read_layered_space_key(spec, base_dir);
        return device == "fpga-recursive" ? detail::read_job<nais::fpga::recursive>(spec, ls)
                                          : detail::read_job<nais::fpga::pipelined>(spec, ls);
    }
    const nais::runtime_space rs = nais_eval::detail::read_space(spec);
    return device == "fpga-recursive" ? detail::read_job<nais::fpga::recursive>(spec, rs)
                                      : detail::read_job<nais::fpga::pipelined>(spec, rs);
}

inline any_job read_sweep_text(const std::string& text, const std::string& base_dir = "") {
    return read_sweep_spec(nais_json::parse(text), base_dir);
}

// ------------------------------------------------------------------------------ output

/// A front or sample point with its design, per block, in physical units.
template <class Arch>
struct described_point {
    nais::sweep::point p;
    nais::fpga::design<Arch> design;
};

template <class Arch>
std::vector<described_point<Arch>> describe(const sweep_job<Arch>& job, const std::vector<nais::sweep::point>& pts) {
    std::vector<described_point<Arch>> out;
    for (const auto& p : pts)
        out.push_back({p, job.space.design_of(nais::sweep::point_digits(job.space, job.options, p.index))});
    return out;
}

/// A point's design per block: op index, bit-width and parallel factor (of the block's IP).
struct per_block_design {
    std::vector<int> ops, bits, pf;
};

template <class Arch>
per_block_design per_block(const sweep_job<Arch>& job, const nais::fpga::design<Arch>& d) {
    per_block_design out;
    for (int i = 0; i < d.num_blocks(); ++i) {
        const auto g = static_cast<std::size_t>(d.group_of(i));
        out.ops.push_back(d.op[static_cast<std::size_t>(i)]);
        out.bits.push_back(job.space.costs().bit_widths[static_cast<std::size_t>(d.bits[g])]);
        out.pf.push_back(d.pf[g]);
    }
    return out;
}

/// CSV: one row a point; the design per block as space-separated op indices, bit-widths and pf.
template <class Arch>
void write_csv(std::ostream& os, const sweep_job<Arch>& job, const std::vector<nais::sweep::point>& pts) {
    const double cycles_per_ms = job.clock_mhz * 1e3;
    os << "index,latency_cycles,latency_ms,interval_cycles,frames_per_second,dsp,accuracy,ops,bits,pf\n";
    char buf[256];
    auto joined = [](const std::vector<int>& v) {
        std::string out;
        for (std::size_t k = 0; k < v.size(); ++k)
            out.append(k ? " " : "").append(std::to_string(v[k]));
        return out;
    };
    for (const auto& dp : describe(job, pts)) {
        const auto& p = dp.p;
        std::snprintf(buf, sizeof buf, "%llu,%.17g,%.9g,%.17g,%.9g,%.17g,%.17g,", static_cast<unsigned long long>(p.index),
                      p.latency_cycles, p.latency_cycles / cycles_per_ms, p.interval_cycles,
                      job.clock_mhz * 1e6 / p.interval_cycles, p.dsp, p.accuracy);
        const per_block_design b = per_block(job, dp.design);
        os << buf << joined(b.ops) << ',' << joined(b.bits) << ',' << joined(b.pf) << '\n';
    }
}

/// Runs a job's sweep: compiled once, in nais_eval_lib (sweep_run.cpp), for nais-sweep and nais.sweep.
nais::sweep::sweep_result run_job(const sweep_job<nais::fpga::recursive>& job);
nais::sweep::sweep_result run_job(const sweep_job<nais::fpga::pipelined>& job);
/// The document nais-sweep --json prints and nais.sweep returns: the sweep's counts and options,
/// the front and the sample, each point with its design per block (sweep_run.cpp).
json sweep_document(const sweep_job<nais::fpga::recursive>& job, const nais::sweep::sweep_result& r);
json sweep_document(const sweep_job<nais::fpga::pipelined>& job, const nais::sweep::sweep_result& r);

/// An SVG scatter of latency (ms, x; the interval between frames when the front is over
/// interval rather than latency) against DSPs (y): the sample in grey, the front in blue joined
/// as a staircase. Written directly, no plotting tool needed.
template <class Arch>
void write_svg(std::ostream& os, const sweep_job<Arch>& job, const nais::sweep::sweep_result& r) {
    const double to_ms = 1.0 / (job.clock_mhz * 1e3);
    const auto& objs = job.options.objectives;
    const bool by_interval = std::find(objs.begin(), objs.end(), nais::sweep::objective::latency) == objs.end() &&
                             std::find(objs.begin(), objs.end(), nais::sweep::objective::interval) != objs.end();
    auto time_ms = [&](const nais::sweep::point& p) { return (by_interval ? p.interval_cycles : p.latency_cycles) * to_ms; };
    std::vector<double> xs, ys;
    for (const auto* set : {&r.front, &r.sample})
        for (const auto& p : *set) {
            xs.push_back(time_ms(p));
            ys.push_back(p.dsp);
        }
    char title[256];
    std::snprintf(title, sizeof title, "Pareto front: %zu of %llu points (%llu within %.0f DSPs)", r.front.size(),
                  static_cast<unsigned long long>(r.points), static_cast<unsigned long long>(r.feasible), job.options.dsp_budget);
    char xlabel[128];
    std::snprintf(xlabel, sizeof xlabel, "%s (ms at %.0f MHz)", by_interval ? "interval between frames" : "latency", job.clock_mhz);
    nais_svg::chart c(720, 480, nais_svg::axis::fit(xs, false, xlabel, 0.05, true), nais_svg::axis::fit(ys, false, "DSPs", 0.05, true),
                      title, "", 80, 20, 40, 60);
    c.hline(job.options.dsp_budget, "red", "stroke-dasharray=\"4 3\"");
    for (const auto& p : r.sample)
        c.point(time_ms(p), p.dsp, 1.5, "#999");
    // the front by latency, as a staircase (a design is as good as anything up and to the right)
    std::vector<nais::sweep::point> front = r.front;
    std::sort(front.begin(), front.end(), [&](auto& a, auto& b) { return time_ms(a) < time_ms(b); });
    std::vector<std::pair<double, double>> stairs;
    for (const auto& p : front)
        stairs.emplace_back(time_ms(p), p.dsp);
    c.staircase(stairs, "#1f5fbf");
    for (const auto& p : front)
        c.point(time_ms(p), p.dsp, 3, "#1f5fbf");
    os << c.str();
}

/// The summary table printed at the end of a sweep.
template <class Arch>
void write_summary(std::ostream& os, const sweep_job<Arch>& job, const nais::sweep::sweep_result& r, std::size_t rows) {
    const auto& o = job.options;
    static const char* modes[] = {"exhaustive", "random", "neighbourhood"};
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "nais-sweep: %s %s sweep of %s%s: %llu points on %u thread%s in %.3f s (%.3g points/s)\n",
                  std::is_same_v<Arch, nais::fpga::recursive> ? "fpga-recursive" : "fpga-pipelined",
                  modes[static_cast<int>(o.mode)], o.free_digits.empty() ? "" : "a sub-space of ", job.space.describe().c_str(),
                  static_cast<unsigned long long>(r.points), r.threads, r.threads == 1 ? "" : "s", r.seconds, r.seconds > 0 ? static_cast<double>(r.points) / r.seconds : 0.0);
    os << buf;
    std::snprintf(buf, sizeof buf, "feasible (DSPs <= %g): %llu; pf in [%d, %d]; Pareto front over (", o.dsp_budget,
                  static_cast<unsigned long long>(r.feasible), job.space.pf_range().min, job.space.pf_range().max);
    os << buf;
    for (std::size_t k = 0; k < o.objectives.size(); ++k)
        os << (k ? ", " : "") << nais::sweep::objective_name(o.objectives[k]);
    os << "): " << r.front.size() << " points\n";
    std::snprintf(buf, sizeof buf, "  %12s %12s %12s %10s%s\n", "latency ms", "interval cyc", "frames/s", "DSPs",
                  job.space.has_accuracy() ? "   accuracy" : "");
    os << buf;
    const std::size_t n = r.front.size();
    for (std::size_t k = 0; k < n; ++k) {
        if (n > rows && k == rows / 2) {
            os << "  ... " << (n - rows) << " more (see --front)\n";
            k = n - rows / 2;
        }
        const auto& p = r.front[k];
        std::snprintf(buf, sizeof buf, "  %12.4f %12.0f %12.1f %10.1f", p.latency_cycles / (job.clock_mhz * 1e3),
                      p.interval_cycles, job.clock_mhz * 1e6 / p.interval_cycles, p.dsp);
        os << buf;
        if (job.space.has_accuracy()) {
            std::snprintf(buf, sizeof buf, " %10.4f", p.accuracy);
            os << buf;
        }
        os << '\n';
    }
}

}  // namespace nais_sweep
