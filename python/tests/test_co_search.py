"""nais.co_search: EDD Sec. 5's search run in C++ (tools/nais_eval/session_search.cpp, held equal
to nais::search::co_search bit for bit by tests/test_session_search.cpp) with the Acc_loss of a
Python callback: its first step against the gradient nais.torch.HardwareLoss and torch's autograd
give for the same Eq. 1, a hardware search on every device family, and the refusals."""
import math

import numpy as np
import pytest
import torch

import nais
import nais.torch as nt
from conftest import load_spec

VARIABLE_KEYS = ("theta", "phi", "pf", "pe_x", "pe_y", "rf", "dataflow", "log2_design", "assignment", "log2_scale", "gumbel")


def bare(name):
    return {k: v for k, v in load_spec(name).items() if k not in VARIABLE_KEYS}


def test_first_step_is_adams_step_on_eq1_with_the_callbacks_gradient():
    """Zero noise, one step: Adam's first update is -lr * g / (|g| + eps) per entry, g the
    combined gradient of Eq. 1. The same g from torch: HardwareLoss at the starting point with
    acc_loss = 1 + sum(w * softmax(theta / tau)) inside the graph (the product rule)."""
    spec = bare("recursive.json")
    tau0, lr = 2.0, 0.1
    w = np.array([[0.4, -0.3], [-0.2, 0.5]])
    seen = []

    def accuracy(step, tau, samples):
        seen.append((step, tau, {k: v.copy() for k, v in samples.items()}))
        return 1.0 + float((w * samples["theta"]).sum()), {"theta": w}

    out = nais.co_search(spec, accuracy, steps=1, schedule="constant", tau0=tau0, sample_noise=False,
                         learning_rate={"arch": lr, "quant": lr, "impl": lr})
    assert [s[:2] for s in seen] == [(0, tau0)] and sorted(seen[0][2]) == ["phi", "theta"]
    assert np.allclose(seen[0][2]["theta"], 0.5)  # zero logits, zero noise: uniform
    assert out["curve"][0]["acc_loss"] == pytest.approx(1.0 + 0.5 * w.sum(), abs=1e-15)

    hw = nt.HardwareLoss(spec)
    hw.tau = tau0
    start = hw.initial_variables()
    assert hw.alpha == pytest.approx(out["alpha"], rel=1e-15)
    variables = {k: v.requires_grad_() for k, v in start.items()}
    acc = 1.0 + (torch.from_numpy(w) * torch.softmax(variables["theta"] / tau0, 1)).sum()
    result = hw(acc_loss=acc, noise="zero", **variables)
    result["loss"].backward()
    assert out["curve"][0]["loss"] == pytest.approx(result["loss"].item(), rel=1e-12)
    for name, v in variables.items():
        g = v.grad.numpy()
        expected = start[name].detach().numpy() - lr * g / (np.abs(g) + 1e-8)
        if name == "pf":  # projected onto the budget's bounds
            continue
        assert np.allclose(out["variables"][name], expected, rtol=0, atol=1e-9), name


@pytest.mark.parametrize("name", ["recursive.json", "pipelined.json", "gpu.json", "loom.json",
                                  "../../examples/dataflow/cosearch_small.json", "../../examples/tiled/cosearch_small.json",
                                  "../../examples/bundle/cosearch_small.json", "../../examples/mapping/cosearch_small.json"])
def test_a_hardware_search_lowers_the_loss_on_every_device(name):
    """Sampled (EDD's annealed Gumbel-softmax): finite, reproducible from the seed, a design at the
    end; noise-free at a constant temperature: the loss falls."""
    rates = {"arch": 0.2, "quant": 0.2, "impl": 0.1}
    out = nais.co_search(bare(name), steps=40, seed=3, learning_rate=rates)
    curve = out["curve"]
    assert len(curve) == 40 and [r["step"] for r in curve] == list(range(40))
    assert all(math.isfinite(r["loss"]) and r["acc_loss"] == 1.0 for r in curve)
    assert curve[0]["tau"] == 5.0 and curve[-1]["tau"] == pytest.approx(0.5)
    assert out["design"] and set(out["variables"]) == {n for n, _, _ in nais.Session(bare(name)).variables}
    assert nais.co_search(bare(name), steps=40, seed=3, learning_rate=rates)["curve"] == curve  # equal seeds, equal runs
    plain = nais.co_search(bare(name), steps=40, schedule="constant", tau0=1.0, sample_noise=False, learning_rate=rates)["curve"]
    assert plain[-1]["loss"] < plain[0]["loss"]


def test_refusals_name_the_option_and_callback_errors_propagate():
    spec = bare("recursive.json")
    with pytest.raises(nais.SpecError, match="learning_rate\\['theta'\\]: expected the keys arch"):
        nais.co_search(spec, steps=2, learning_rate={"theta": 0.1})
    with pytest.raises(nais.SpecError, match="schedule must be"):
        nais.co_search(spec, steps=2, schedule="linear")
    with pytest.raises(nais.SpecError, match="gradient names 'pf', which is not a sampled variable"):
        nais.co_search(spec, lambda s, t, p: (1.0, {"pf": np.zeros(2)}), steps=2)
    with pytest.raises(nais.SpecError, match="d acc_loss / d 'theta': expected shape \\(2, 2\\), got \\(3\\)"):
        nais.co_search(spec, lambda s, t, p: (1.0, {"theta": np.zeros(3)}), steps=2)
    with pytest.raises(nais.SpecError, match="co-search step 1: the accuracy callback returned Acc_loss = nan"):
        nais.co_search(spec, lambda s, t, p: 1.0 if s == 0 else math.nan, steps=3)

    def broken(step, tau, samples):
        raise KeyError("my supernet failed")

    with pytest.raises(KeyError, match="my supernet failed"):
        nais.co_search(spec, broken, steps=2)
