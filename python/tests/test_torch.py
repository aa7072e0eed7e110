"""nais.torch: HardwareLoss's gradients (nais's hand-written backward) against torch's
gradcheck for every device model, against a plain PyTorch implementation of the same loss, and
expected_cost against finite differences on the simplex."""
import math

import numpy as np
import pytest
import torch

import nais
import nais.torch as nt
from conftest import CLI, load_spec
from plain_fpga import fpga_terms, plain_torch_fpga

VARIABLE_KEYS = ("theta", "phi", "pf", "phi_act", "log2_design", "pe_x", "pe_y", "rf", "dataflow", "assignment", "log2_scale",
                 "acc_loss", "gumbel")


def bare(name, **changes):
    """A tests/cli (or examples/...) spec without its variables (HardwareLoss takes them as
    tensors), soft sampling (straight-through sampling's forward is piecewise constant: not a
    gradcheck subject)."""
    spec = {k: v for k, v in load_spec(name).items() if k not in VARIABLE_KEYS}
    spec["hard"] = False
    spec.update(changes)
    return spec


DEVICES = {
    "fpga-recursive": bare("recursive.json"),
    "fpga-pipelined": bare("pipelined.json"),
    "fpga-pipelined-smooth": bare("pipelined.json", lse_smoothness=20000.0),
    "gpu": bare("gpu.json"),
    "loom-per-op": bare("loom.json"),
    "loom-network": bare("loom.json", sharing="network"),
    "loom-per-block-op": bare("loom.json", sharing="per-block-op"),
    "fpga-recursive-layered": bare("space_fpga_recursive.json"),
    # latency x energy of real layers is ~1e15: weighted to order 1 so central differences resolve it
    "loom-layered": bare("space_loom.json", objective={"mode": "weighted_sum", "weights": [1e-6, 1e-9]}),
    "fpga-tiled": bare("../../examples/tiled/cosearch_small.json"),
    "bundle": bare("../../examples/bundle/cosearch_small.json"),
    "dataflow": bare("../../examples/dataflow/cosearch_small.json"),
    "dataflow-envelope": bare("../../examples/dataflow/cosearch_small.json", hardware_mode="envelope"),
    "h2h": bare("../../examples/mapping/cosearch_small.json"),
}


# continuous design variables of the examples that have them: random points near the example's
CENTRES = {
    "fpga-tiled": {"log2_design": load_spec("../../examples/tiled/cosearch_small.json")["log2_design"]},
    "bundle": {"log2_design": load_spec("../../examples/bundle/cosearch_small.json")["log2_design"]},
    "h2h": {"log2_scale": load_spec("../../examples/mapping/cosearch_small.json")["log2_scale"]},
}


def random_inputs(module, seed, dtype=torch.float64, device=None):
    g = torch.Generator().manual_seed(seed)
    values, noise = {}, {}
    for name, shape, sampled in module.variables:
        if sampled:
            values[name] = torch.randn(shape, generator=g, dtype=dtype)
            noise[name] = -torch.log(-torch.log(torch.rand(shape, generator=g, dtype=dtype).clamp_min(1e-12)))
        elif name in CENTRES.get(device, {}):  # near the example's own design, inside the device
            centre = torch.tensor(CENTRES[device][name], dtype=dtype).reshape(shape)
            values[name] = centre + 0.3 * torch.rand(shape, generator=g, dtype=dtype)
        else:  # parallel factors around 3 (8 lanes)
            values[name] = 3 + torch.rand(shape, generator=g, dtype=dtype)
    return values, noise


@pytest.mark.parametrize("device", DEVICES)
def test_gradcheck_every_device(device):
    module = nt.HardwareLoss(DEVICES[device], CLI)
    for seed in range(3):
        values, noise = random_inputs(module, seed, device=device)
        names = module.names
        acc = torch.tensor(1.3, dtype=torch.float64)

        def f(acc_loss, *xs):
            return module(**dict(zip(names, xs)), acc_loss=acc_loss, noise=noise)["loss"]

        inputs = [acc.requires_grad_()] + [values[n].requires_grad_() for n in names]
        assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-7, rtol=1e-5)


def test_acc_loss_product_rule_flows_into_the_users_graph():
    module = nt.HardwareLoss(DEVICES["fpga-recursive"])
    values, noise = random_inputs(module, 7)
    w = torch.tensor([0.4, -0.2], dtype=torch.float64, requires_grad=True)
    acc = (w**2).sum() + 1.0  # a stand-in for a supernet's validation loss
    out = module(**values, acc_loss=acc, noise=noise)
    out["loss"].backward()
    assert torch.allclose(w.grad, out["perf_loss"] * 2 * w.detach(), rtol=1e-12)


@pytest.mark.parametrize("device", ["fpga-recursive", "fpga-pipelined", "fpga-pipelined-smooth"])
def test_matches_plain_pytorch(device):
    spec = DEVICES[device]
    module = nt.HardwareLoss(spec)
    for seed in range(5):
        values, noise = random_inputs(module, seed)
        ours = {k: v.clone().requires_grad_() for k, v in values.items()}
        theirs = {k: v.clone().requires_grad_() for k, v in values.items()}
        acc_a = torch.tensor(0.9, dtype=torch.float64, requires_grad=True)
        acc_b = torch.tensor(0.9, dtype=torch.float64, requires_grad=True)
        a = module(**ours, acc_loss=acc_a, noise=noise)
        b = plain_torch_fpga(spec, theirs["theta"], theirs["phi"], theirs["pf"], acc_b, noise)
        for key in ("loss", "perf_loss", "res", "perf_blocks"):
            assert torch.allclose(a[key], b[key], rtol=1e-10, atol=0), key
        a["loss"].backward()
        b["loss"].backward()
        for k in ours:
            assert torch.allclose(ours[k].grad, theirs[k].grad, rtol=1e-9, atol=1e-14), k
        assert torch.allclose(acc_a.grad, acc_b.grad, rtol=1e-12)


def test_float32_and_default_noise():
    spec = load_spec("recursive.json")  # with its variables and its "gumbel" noise
    module = nt.HardwareLoss(spec)
    want = nais.evaluate(spec)
    t = {k: torch.tensor(spec[k], dtype=torch.float32, requires_grad=True) for k in ("theta", "phi", "pf")}
    out = module(**t, acc_loss=spec["acc_loss"])  # noise: the spec's gumbel entry
    assert out["loss"].dtype == torch.float32
    assert math.isclose(out["loss"].item(), want["loss"], rel_tol=1e-6)
    out["loss"].backward()
    for k in t:
        assert t[k].grad.dtype == torch.float32
        assert np.allclose(t[k].grad.numpy(), np.array(want["grad"][k]), rtol=1e-5)


@pytest.mark.parametrize("device", ["fpga-recursive", "fpga-pipelined-smooth"])
def test_expected_cost_matches_plain_pytorch(device):
    spec = DEVICES[device]
    module = nt.HardwareLoss(spec)
    for seed in range(3):
        values, _ = random_inputs(module, seed)
        probs = {k: torch.softmax(values[k], -1) for k in ("theta", "phi")}
        ours = {k: v.clone().requires_grad_() for k, v in probs.items()}
        theirs = {k: v.clone().requires_grad_() for k, v in probs.items()}
        pf_a, pf_b = values["pf"].clone().requires_grad_(), values["pf"].clone().requires_grad_()
        for out in ("perf_loss", "res"):
            cost = nt.expected_cost(module, ours, pf=pf_a)
            perf, res = fpga_terms(spec, theirs["theta"], theirs["phi"], pf_b)[:2]
            ref = {"perf_loss": perf, "res": res}
            assert torch.allclose(cost[out], ref[out], rtol=1e-12), out
            cost[out].backward()
            ref[out].backward()
            for k in ours:  # d/dp with p free (the partial derivative ProxylessNAS-style code chains into)
                assert torch.allclose(ours[k].grad, theirs[k].grad, rtol=1e-9, atol=1e-15), (out, k)
                ours[k].grad, theirs[k].grad = None, None
            assert torch.allclose(pf_a.grad, pf_b.grad, rtol=1e-9), out
            pf_a.grad, pf_b.grad = None, None
    # the session's own settings are left as they were
    assert module.session.parameter("tau") == spec["tau"]
    assert module.session.parameter("beta") == spec["beta"]


def test_refusals():
    module = nt.HardwareLoss(DEVICES["fpga-recursive"])
    values, _ = random_inputs(module, 0)
    with pytest.raises(nais.SpecError, match=r"'phi': expected shape \(2, 3\), got \(3, 2\)"):
        module(values["theta"], values["phi"].T, values["pf"])
    with pytest.raises(TypeError, match="unknown variable"):
        module(**values, phi_act=values["phi"])
    with pytest.raises(TypeError, match=r"missing variable\(s\) \['pf'\]"):
        module(values["theta"], values["phi"])
    with pytest.raises(nais.SpecError, match="pf"):
        module(values["theta"], values["phi"], torch.full((2,), 1e6, dtype=torch.float64))
    with pytest.raises(nais.SpecError, match="theta"):
        module(torch.full((2, 2), math.nan, dtype=torch.float64), values["phi"], values["pf"])
    with pytest.raises(nais.SpecError, match="key 'device'"):
        nt.HardwareLoss({"device": "asic"})  # no such device
    with pytest.raises(ValueError, match="probabilities"):
        nt.expected_cost(module, {"theta": values["theta"], "phi": torch.softmax(values["phi"], 1)}, pf=values["pf"])


def test_calls_are_independent_and_refusals_leave_the_module_as_it_was():
    """Each call sets every input it uses: no value leaks from one call into the next, and a
    refused call changes nothing (found by trying the bridge as a new user would)."""
    module = nt.HardwareLoss(DEVICES["fpga-recursive"])
    values, noise = random_inputs(module, 3)
    fresh = module(**values, noise=noise)["loss"].item()
    module(**values, noise=noise, acc_loss=7.0)
    assert module(**values, noise=noise)["loss"].item() == fresh  # not the previous call's acc_loss
    with pytest.raises(nais.SpecError, match="acc_loss"):
        module(**values, noise=noise, acc_loss=math.nan)
    assert module(**values, noise=noise)["loss"].item() == fresh  # the refused NaN poisoned nothing
    with pytest.raises(nais.SpecError, match=r"acc_loss.*one number.*\(4,\)"):
        module(**values, noise=noise, acc_loss=torch.ones(4))
    one = torch.ones(1, dtype=torch.float64, requires_grad=True)  # a one-element tensor is one number
    module(**values, noise=noise, acc_loss=one)["loss"].backward()
    assert one.grad is not None and one.grad.shape == (1,)
    with pytest.raises(TypeError, match="'theta' is a torch.int64 tensor"):
        module(values["theta"].long(), values["phi"], values["pf"], noise=noise)
    with pytest.raises(nais.SpecError, match="noise theta"):
        module(**values, noise={"theta": noise["theta"][:1]})
    assert module(**values, noise=noise)["loss"].item() == fresh


def test_session_outputs_before_the_first_evaluation_are_refused():
    s = nais.Session(DEVICES["fpga-recursive"])
    for read in (s.probabilities, s.gradient, s.grad_probabilities):
        with pytest.raises(RuntimeError, match="no evaluation yet"):
            read("theta")
    s.evaluate()
    p = s.probabilities("theta")
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1.0)
    with pytest.raises(nais.SpecError, match="parameter 'acc_loss' = nan"):
        s.set_parameter("acc_loss", math.nan)
    assert math.isfinite(s.evaluate()["loss"])


@pytest.mark.parametrize("device", sorted(DEVICES))
def test_evaluate_at_equals_the_calls_it_replaces(device):
    """Session.evaluate_at (HardwareLoss's one call per forward) gives bit for bit what setting
    each variable and noise, acc_loss, evaluate() and gradient() give; it checks every shape
    before it sets anything, so a refused call changes nothing."""
    s = nais.Session(DEVICES[device])
    module = nt.HardwareLoss(DEVICES[device])
    values, noise = random_inputs(module, 11, device=device)
    names = [name for name, _, _ in s.variables]
    arrays = [values[n].numpy() for n in names]
    noises = [noise[n].numpy() if n in noise else None for n in names]
    loss, perf, res, penalty, grad_acc, blocks, grads = s.evaluate_at(arrays, noises, 1.7)
    for n, a, z in zip(names, arrays, noises):
        s.set_variable(n, a)
        if z is not None:
            s.set_noise(n, z)
    s.set_parameter("acc_loss", 1.7)
    r = s.evaluate()
    assert (loss.shape, float(loss), float(perf), float(res), float(penalty), grad_acc) == \
        ((), r["loss"], r["perf_loss"], r["res"], r["penalty"], r["grad_acc_loss"])
    assert np.array_equal(blocks, r["perf_blocks"])
    for n, g in zip(names, grads):
        assert np.array_equal(g, s.gradient(n)), n
    with pytest.raises(nais.SpecError, match="expected %d values" % len(names)):
        s.evaluate_at(arrays[:-1], noises[:-1], 1.0)
    continuous = [k for k, (_, _, sampled) in enumerate(s.variables) if not sampled]
    if continuous:
        wrong = list(noises)
        wrong[continuous[0]] = arrays[continuous[0]]
        with pytest.raises(nais.SpecError, match="a continuous variable has no Gumbel noise"):
            s.evaluate_at(arrays, wrong, 1.0)
    bad = [a + 1.0 for a in arrays[:-1]] + [np.zeros(arrays[-1].size + 1)]
    with pytest.raises(nais.SpecError, match="'%s': expected shape" % names[-1]):
        s.evaluate_at(bad, noises, 1.0)
    assert s.evaluate()["loss"] == r["loss"]  # the refused calls set nothing


def test_gumbel_noise_is_sampled_per_call_unless_fixed_or_zero():
    module = nt.HardwareLoss(DEVICES["fpga-recursive"])  # its spec has no "gumbel" entry
    values, _ = random_inputs(module, 5)
    torch.manual_seed(11)
    a = module(**values)["loss"].item()
    b = module(**values)["loss"].item()
    assert a != b  # a fresh sample per call
    torch.manual_seed(11)
    assert module(**values)["loss"].item() == a  # torch's generator reproduces it
    g = torch.Generator().manual_seed(3)
    c = module(**values, generator=g)["loss"].item()
    assert module(**values, generator=torch.Generator().manual_seed(3))["loss"].item() == c
    zeros = {n: torch.zeros(shape, dtype=torch.float64) for n, shape, sampled in module.variables if sampled}
    assert module(**values, noise="zero")["loss"].item() == module(**values, noise=zeros)["loss"].item()
    with pytest.raises(TypeError, match="noise"):
        module(**values, noise="gumbel")


@pytest.mark.parametrize("device", ["fpga-recursive", "gpu", "fpga-tiled", "bundle", "dataflow", "h2h"])
@pytest.mark.parametrize("term", ["perf_loss", "res"])
def test_perf_loss_and_res_are_differentiable(device, term):
    module = nt.HardwareLoss(DEVICES[device], CLI)
    if term == "res" and not module.session.has_resources:
        pytest.skip("no resource term")
    values, noise = random_inputs(module, 5, device=device)
    names = module.names

    def f(*xs):
        return module(**dict(zip(names, xs)), acc_loss=1.3, noise=noise)[term]

    inputs = [values[n].requires_grad_() for n in names]
    assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-7, rtol=1e-5)
    # used together with the loss, each output adds its own gradient; the session keeps its parameters
    def grads(*which):
        for x in inputs:
            x.grad = None
        out = module(**dict(zip(names, inputs)), acc_loss=1.3, noise=noise)
        sum(w * out[k] for w, k in which).backward()
        return [x.grad.clone() for x in inputs]

    combined, loss_alone, term_alone = grads((1, "loss"), (2, term)), grads((1, "loss")), grads((1, term))
    for c, a, b in zip(combined, loss_alone, term_alone):
        assert torch.allclose(c, a + 2 * b, rtol=1e-10, atol=1e-12)
    assert module.session.parameter("acc_loss") == pytest.approx(1.3)
    if module.session.has_resources:
        assert module.session.parameter("beta") == pytest.approx(DEVICES[device]["beta"])


def test_theta_over_the_searchable_rows_only():
    module = nt.HardwareLoss(DEVICES["fpga-recursive-layered"], CLI)
    (n, m), rows = module.variables[0][1], module.searchable_rows
    assert 0 < len(rows) < n  # the space has fixed stem and head rows
    assert module.session.searchable_rows == rows
    values, noise = random_inputs(module, 3)
    short = values["theta"][rows].clone().requires_grad_()
    full = torch.zeros(n, m, dtype=torch.float64)
    full[rows] = short.detach()
    full.requires_grad_()
    rest = {k: v for k, v in values.items() if k != "theta"}
    a = module(short, **rest, acc_loss=1.1, noise=noise)
    b = module(full, **rest, acc_loss=1.1, noise=noise)
    assert float(a["loss"]) == float(b["loss"])
    a["loss"].backward()
    b["loss"].backward()
    assert torch.equal(short.grad, full.grad[rows])
    fixed = [i for i in range(n) if i not in rows]
    assert torch.count_nonzero(full.grad[fixed]) == 0  # a fixed row's logits do not matter

    def f(t, *xs):
        return module(t, *xs, acc_loss=1.1, noise=noise)["loss"]

    assert torch.autograd.gradcheck(f, [values["theta"][rows].clone().requires_grad_()] +
                                    [v.clone().requires_grad_() for v in rest.values()], eps=1e-6, atol=1e-7, rtol=1e-5)
    with pytest.raises(nais.SpecError, match="'theta': expected shape"):
        module(torch.zeros(len(rows) + 1, m, dtype=torch.float64), **rest)



@pytest.mark.parametrize("device", DEVICES)
def test_initial_variables_are_edd_sec5_start(device):
    """initial_variables(): zero logits, continuous variables at the model's initial values within
    its bounds, alpha such that Perf_loss = 1 at the noise-free start (EDD Sec. 5, as co_search)."""
    hw = nt.HardwareLoss(DEVICES[device], CLI)
    start = hw.initial_variables()
    assert list(start) == hw.names
    for name, shape, sampled in hw.variables:
        assert tuple(start[name].shape) == tuple(shape) and start[name].dtype is torch.float64
        assert torch.isfinite(start[name]).all()
        if sampled:
            assert (start[name] == 0).all()
    out = hw(**start, noise="zero")
    assert float(out["perf_loss"]) == pytest.approx(1.0, rel=1e-12)
    assert hw.alpha > 0
    again = hw.initial_variables()  # the same point again, whatever the calls in between
    assert all(torch.equal(again[n], start[n]) for n in hw.names)


def test_initial_variables_closed_forms_and_options():
    """FPGA: pf = log2(RES_ub / #IPs) clamped to the budget's pf range (EDD Sec. 5); bounds and
    normalisation options reach the C++ starting point; a bad bound is refused naming the group."""
    spec = DEVICES["fpga-recursive"]
    hw = nt.HardwareLoss(spec, CLI)
    m = len(spec["ops"])
    start = hw.initial_variables()
    alpha = hw.alpha
    assert torch.allclose(start["pf"], torch.full((m,), math.log2(spec["res_ub"] / m), dtype=torch.float64))
    pipelined = load_spec("pipelined.json")
    hp = nt.HardwareLoss(DEVICES["fpga-pipelined"], CLI)
    ips = (len(pipelined["blocks"]), len(pipelined["ops"]))  # one IP per (block, op)
    assert torch.allclose(hp.initial_variables()["pf"], torch.full(ips, math.log2(pipelined["res_ub"] / (ips[0] * ips[1])),
                                                                  dtype=torch.float64))
    clamped = hw.initial_variables(bounds={"pf": (0, 2)})  # FPGA pf bounds are integers (check_search)
    assert (clamped["pf"] == 2).all()
    with pytest.raises(nais.SpecError, match=r"pf bounds \[0, 1.5\] must be integers"):
        hw.initial_variables(bounds={"pf": (0.0, 1.5)})
    hw.alpha = 2.0
    hw.initial_variables(normalize_performance=False)
    assert hw.alpha == 2.0  # kept
    hw.initial_variables()
    assert hw.alpha == pytest.approx(alpha, rel=1e-12)
    assert tuple(hw.initial_variables(searchable_theta=True)["theta"].shape) == (len(hw.searchable_rows), m)
    assert hw.initial_variables(dtype=torch.float32)["pf"].dtype is torch.float32
    with pytest.raises(nais.SpecError, match="options.bounds names 'pff'"):
        hw.initial_variables(bounds={"pf": (0, 3), "pff": (0, 3)})
    with pytest.raises(nais.SpecError, match="bounds of pf \\[3, 1\\] must satisfy min <= max"):
        hw.initial_variables(bounds={"pf": (3, 1)})
    with pytest.raises(nais.SpecError, match="parameter 'tau' = nan"):
        hw.tau = float("nan")
    hw.tau, hw.hard = 0.5, True
    assert (hw.tau, hw.hard) == (0.5, True)
