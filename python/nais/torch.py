"""The torch bridge: nais's loss as a torch.nn.Module whose backward is nais's hand-written one.

    loss = nais.torch.HardwareLoss(spec)               # spec: nais-eval's keys (device, space,
    out = loss(theta, phi, pf, acc_loss=acc)           #   tau, alpha, beta, C, res_ub, ...)
    out["loss"].backward()                             # d/d theta, phi, pf and acc (Eq. 1)

out["loss"], out["perf_loss"] and out["res"] carry gradients (the terms' own gradients are
computed in backward only when a term is used: two more evaluations at the call's point);
"penalty" and "perf_blocks" are returned detached.
"""
from __future__ import annotations

import math
from os import PathLike
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import numpy as np
import torch

from ._nais import Session, SpecError

__all__ = ["HardwareLoss", "expected_cost"]


def _as_numpy(t):
    """A float64 NumPy view of t: no copy when t is already a contiguous CPU float64 tensor."""
    if t.dtype is torch.float64 and t.device.type == "cpu" and t.is_contiguous():
        return t.detach().numpy()
    return t.detach().to(device="cpu", dtype=torch.float64).contiguous().numpy()


def _like(a, ref):
    """NumPy array a as a tensor on ref's device and dtype (no copy for CPU float64)."""
    t = torch.from_numpy(a)
    return t if ref.dtype is torch.float64 and ref.device.type == "cpu" else t.to(device=ref.device, dtype=ref.dtype)


def _checked(t, name, shape):
    """t as a floating tensor of `shape`, or a clear refusal (integer and bool tensors would make
    the loss an integer)."""
    if not torch.is_tensor(t):
        t = torch.as_tensor(t, dtype=torch.float64)
    if not t.is_floating_point():
        raise TypeError(f"HardwareLoss: '{name}' is a {t.dtype} tensor; give float32 or float64 (e.g. .double())")
    if tuple(t.shape) != tuple(shape):
        dims = lambda s: "(" + ", ".join(str(int(d)) for d in s) + ")"  # noqa: E731
        raise SpecError(f"'{name}': expected shape {dims(shape)}, got {dims(t.shape)}")
    return t  # NaN and infinities: the session refuses them naming the variable, and the next call sets every variable again


class _Function(torch.autograd.Function):
    """inputs: (loss module, acc_loss tensor or None, *variables in the session's order);
    outputs: (loss, perf_loss, res, penalty, perf_blocks)."""

    @staticmethod
    def forward(ctx, module, acc_loss, *variables):
        # one call into nais: every variable and this call's noise set, one evaluation, the terms
        # and every gradient back (0-d arrays: tensors without a copy)
        noise = module._call_noise
        acc = module.default_acc_loss if acc_loss is None else float(acc_loss.detach().cpu())
        loss, perf, res, penalty, grad_acc, blocks, grads = module.session.evaluate_at(
            [_as_numpy(v) for v in variables], [noise.get(name) for name, _, _ in module.variables], acc)
        ref = variables[0]
        ctx.grads = [_like(g, v) for g, v in zip(grads, variables)]
        ctx.acc = None if acc_loss is None else (acc_loss.dtype, acc_loss.device, acc_loss.shape)
        ctx.grad_acc = grad_acc
        # the point, for the terms' gradients in backward (the session may have moved on by then):
        # the inputs (autograd's version counters guard them) and this call's noise
        ctx.module = module
        ctx.noise = noise
        ctx.save_for_backward(*variables)
        ctx.set_materialize_grads(False)  # an unused output's gradient arrives as None
        outs = tuple(_like(x, ref) for x in (loss, perf, res, penalty, blocks))
        ctx.mark_non_differentiable(outs[3], outs[4])
        return outs

    @staticmethod
    def backward(ctx, g_loss, g_perf, g_res, *_):
        grads = [g_loss * g for g in ctx.grads] if g_loss is not None else [torch.zeros_like(g) for g in ctx.grads]
        if g_perf is not None or g_res is not None:
            variables = ctx.saved_tensors
            _, perf, res = ctx.module._term_gradients([_as_numpy(v) for v in variables], ctx.noise, {})
            for g_term, term in ((g_perf, perf), (g_res, res)):
                if g_term is not None and term is not None:
                    grads = [g + g_term * _like(t, v) for g, t, v in zip(grads, term, variables)]
        g_acc = None
        if ctx.acc is not None and g_loss is not None:
            dtype, device, shape = ctx.acc
            g_acc = (g_loss * ctx.grad_acc).to(dtype=dtype, device=device).reshape(shape)
        return (None, g_acc, *grads)


class HardwareLoss(torch.nn.Module):
    """EDD Eq. 1, L = Acc_loss * Perf_loss + beta * C^(RES - RES_ub), for one device and space.

    spec: nais-eval's keys for a device with a composed loss (nais.devices() lists them:
    "fpga-recursive", "fpga-pipelined", "gpu", "loom", "fpga-tiled", "bundle", "h2h",
    "dataflow", "calibrated"), e.g. {"device", "blocks"/"ops"/"bits" or "space", "tau",
    "alpha", "beta", "C", "res_ub", "latency_table", ...}; the variables and acc_loss may be
    left out. forward(theta, phi, pf=None, acc_loss=None, noise=None, **extra) takes tensors
    shaped as in the spec (theta N x M, or S x M over `searchable_rows` alone: a space's fixed
    stem and head rows are not the user's logits; phi, pf and extra variables such as Loom's
    phi_act as nais-eval reads them); `noise` a dict of Gumbel noise per sampled variable, "zero" for none,
    or None: the spec's "gumbel" entry if it has one, else a fresh Gumbel sample per call drawn
    from torch's generator (`generator`, default torch's global one: torch.manual_seed
    reproduces a run), as EDD samples at every step. acc_loss may be a tensor of the user's graph:
    dL/dAcc_loss = Perf_loss flows into it (Eq. 1's product rule). Float32 or float64; tensors
    on another device are copied to the CPU and their gradients come back on their device.
    Returns {"loss", "perf_loss", "res", "penalty", "perf_blocks"}; loss, perf_loss and res are
    differentiable (a term's own gradient is computed in backward when the term is used)."""

    def __init__(self, spec: Mapping[str, Any], base_dir: Union[str, "PathLike[str]", None] = "") -> None:
        super().__init__()
        self.session = Session(spec, base_dir)
        self.variables = self.session.variables  # [(name, shape, sampled)]
        # noise when a call gives none: the spec's "gumbel" entry if it has one (fixed), else a
        # fresh Gumbel sample per call from torch's generator, as EDD samples every step
        self.fixed_noise = isinstance(spec, dict) and "gumbel" in spec
        self.default_noise = {name: self.session.noise(name) for name, _, sampled in self.variables if sampled}
        # the spec's acc_loss: a call without acc_loss uses it, never a previous call's value
        self.default_acc_loss = self.session.parameter("acc_loss")
        # the rows of theta that choose: theta may be given over these alone (S x M)
        self.searchable_rows = list(self.session.searchable_rows)
        self._rows = torch.tensor(self.searchable_rows, dtype=torch.long)

    @property
    def names(self) -> List[str]:
        """The variables' names, theta first (forward's keyword arguments)."""
        return [name for name, _, _ in self.variables]

    def initial_variables(self, normalize_performance: bool = True, relative_smoothness: float = 0.1,
                          bounds: Optional[Mapping[str, Tuple[float, float]]] = None, searchable_theta: bool = False,
                          dtype: torch.dtype = torch.float64) -> Dict[str, torch.Tensor]:
        """EDD Sec. 5's starting point, the one nais's C++ co_search starts from, as tensors to
        make Parameters of: {name: tensor} with zero logits (theta, phi, ...) and the continuous
        variables at the device model's initial values (FPGA: pf = log2(RES_ub / #IPs)) within
        their bounds (`bounds`: {group: (min, max)}, default the model's). It also sets this
        loss's alpha so that Perf_loss = 1 there (`normalize_performance`; read it as
        `self.alpha`) and the model's own preparation (the pipelined FPGA's smooth maximum at
        `relative_smoothness` of the initial block latency; <= 0 keeps the spec's).
        `searchable_theta`: theta over the searchable rows alone (S x M)."""
        self.session.initialize_search(normalize_performance=bool(normalize_performance),
                                       relative_smoothness=float(relative_smoothness),
                                       bounds=dict(bounds or {}))
        out = {name: torch.from_numpy(self.session.variable(name)).to(dtype) for name in self.names}
        if searchable_theta:
            out["theta"] = out["theta"][self._rows]
        return out

    def full_theta(self, theta: torch.Tensor) -> torch.Tensor:
        """theta over every row (N x M) from theta over the searchable rows (S x M): the fixed
        rows' logits are zeros (they have one candidate, so any value gives it probability 1)."""
        n, m = self.variables[0][1]
        if not torch.is_tensor(theta) or tuple(theta.shape) != (len(self.searchable_rows), m):
            return theta
        return theta.new_zeros((n, m)).index_copy(0, self._rows.to(theta.device), theta)

    def forward(self, theta: torch.Tensor, phi: Optional[torch.Tensor] = None, pf: Optional[torch.Tensor] = None,
                acc_loss: Union[torch.Tensor, float, None] = None,
                noise: Union[Mapping[str, torch.Tensor], str, None] = None, generator: Optional[torch.Generator] = None,
                **extra: torch.Tensor) -> Dict[str, torch.Tensor]:
        given = dict(extra)
        given["theta"] = self.full_theta(theta) if len(self.searchable_rows) < self.variables[0][1][0] else theta
        if phi is not None:
            given["phi"] = phi
        if pf is not None:
            given["pf"] = pf
        unknown = sorted(set(given) - set(self.names))
        if unknown:
            raise TypeError(f"HardwareLoss: unknown variable(s) {unknown}; this device's variables are {self.names}")
        missing = [n for n in self.names if n not in given]
        if missing:
            raise TypeError(f"HardwareLoss: missing variable(s) {missing}")
        # everything is checked before the session is touched: a refused call leaves it as it was
        for name, shape, _ in self.variables:
            given[name] = _checked(given[name], name, shape)
        zero = isinstance(noise, str)
        if zero and noise != "zero":
            raise TypeError(f"HardwareLoss: noise = {noise!r}; give a dict of tensors, \"zero\" or None (sampled)")
        noise = {} if zero else dict(noise or {})
        unknown_noise = sorted(set(noise) - {name for name, _, sampled in self.variables if sampled})
        if unknown_noise:
            raise TypeError(f"HardwareLoss: noise for {unknown_noise}, which are not sampled variables")
        noise_arrays = {}
        for name, shape, sampled in self.variables:
            if sampled:
                n = noise.get(name)
                if n is not None:
                    noise_arrays[name] = _as_numpy(_checked(n, "noise " + name, shape))
                elif zero:
                    noise_arrays[name] = np.zeros(shape)
                elif self.fixed_noise:
                    noise_arrays[name] = self.default_noise[name]
                else:  # Gumbel(0, 1) = -log(-log U), U uniform in (0, 1), from torch's generator
                    u = torch.rand(shape, dtype=torch.float64, generator=generator).clamp_(min=1e-300, max=1 - 1e-16)
                    noise_arrays[name] = (-torch.log(-torch.log(u))).numpy()
        if acc_loss is not None:
            if not torch.is_tensor(acc_loss):
                acc_loss = torch.tensor(float(acc_loss), dtype=given["theta"].dtype)
            if acc_loss.numel() != 1:
                raise SpecError(f"HardwareLoss: acc_loss must be one number (EDD Eq. 1's Acc_loss), got shape "
                                 f"{tuple(acc_loss.shape)}; reduce per-sample losses first, e.g. acc_loss=losses.mean()")
            if not acc_loss.is_floating_point():
                acc_loss = acc_loss.to(given["theta"].dtype)
            if not math.isfinite(float(acc_loss.detach().cpu())):
                raise SpecError(f"'acc_loss' = {float(acc_loss.detach().cpu())}: expected a finite number")
        self._call_noise = noise_arrays  # set with the variables, in the one call of _Function.forward
        loss, perf, res, penalty, blocks = _Function.apply(self, acc_loss, *[given[n] for n in self.names])
        return {"loss": loss, "perf_loss": perf, "res": res, "penalty": penalty, "perf_blocks": blocks}

    def _parameter(name, doc):  # noqa: N805 - builds the properties below
        def get(self: HardwareLoss) -> Union[float, bool]:
            value = self.session.parameter(name)
            return bool(value) if name == "hard" else value

        def put(self: HardwareLoss, value: float) -> None:
            self.session.set_parameter(name, float(value))  # a non-finite value is refused, the old one kept

        return property(get, put, doc=doc)

    tau = _parameter("tau", "Gumbel-softmax temperature (EDD Sec. 5)")
    hard = _parameter("hard", "straight-through (hard) Gumbel-softmax")
    alpha = _parameter("alpha", "Perf_loss's scale (EDD Eq. 2); initial_variables() sets it so that Perf_loss = 1")
    beta = _parameter("beta", "the resource penalty's weight (EDD Eq. 1)")
    C = _parameter("C", "the resource penalty's base (EDD Eq. 1)")
    res_ub = _parameter("res_ub", "the resource bound RES_ub (EDD Eq. 1; DSPs on the FPGAs)")
    del _parameter

    def _term_gradients(self, values, noise, parameters, gradient=None):
        """(result, d perf_loss / d inputs, d RES / d inputs or None) at a point: the variables'
        values, the noise of the sampled ones and `parameters` to set first (tau, hard; the
        session's own otherwise); `gradient(name, sampled)` reads an input's gradient (default:
        the variable's). The session's parameters are restored."""
        s = self.session
        gradient = gradient or (lambda name, sampled: s.gradient(name))
        kept = ("tau", "hard", "acc_loss") + (("beta", "C", "res_ub") if s.has_resources else ())
        saved = {k: s.parameter(k) for k in kept}
        try:
            for k, v in parameters.items():
                s.set_parameter(k, v)
            for (name, _, _), a in zip(self.variables, values):
                s.set_variable(name, a)
            for name, a in noise.items():
                s.set_noise(name, a)
            s.set_parameter("acc_loss", 1.0)  # L = Perf_loss (+ 0 x penalty)
            if s.has_resources:
                s.set_parameter("beta", 0.0)
            r = s.evaluate()
            perf = [gradient(name, sampled) for name, _, sampled in self.variables]
            res = None
            if s.has_resources:  # beta = 1, C = e, RES_ub = RES: a penalty e^0 whose gradient is dRES
                s.set_parameter("acc_loss", 0.0)
                s.set_parameter("beta", 1.0)
                s.set_parameter("C", math.e)
                s.set_parameter("res_ub", r["res"])
                s.evaluate()
                res = [gradient(name, sampled) for name, _, sampled in self.variables]
            return r, perf, res
        finally:
            for k, v in saved.items():
                s.set_parameter(k, v)

    def _cost_and_gradients(self, arrays):
        """(result, [d perf_loss / d inputs, d RES / d inputs]) at probabilities / values `arrays`."""
        values, noise = [], {}
        for (name, shape, sampled), a in zip(self.variables, arrays):
            if sampled:
                if np.any(a < 0) or not np.allclose(a.sum(axis=-1), 1.0, atol=1e-9):
                    raise ValueError(f"expected_cost: '{name}' must hold probabilities (>= 0, rows summing to 1)")
                values.append(np.log(np.maximum(a, 1e-300)))
                noise[name] = np.zeros(shape)
            else:
                values.append(a)
        r, perf, res = self._term_gradients(values, noise, {"tau": 1.0, "hard": 0.0}, self._input_gradient)
        return r, [perf] + ([res] if res is not None else [])

    def _input_gradient(self, name, sampled):
        return self.session.grad_probabilities(name) if sampled else self.session.gradient(name)


class _ExpectedCost(torch.autograd.Function):
    """The hardware term at given probabilities: Perf_loss (and RES where the device has one),
    each with its exact gradient (see expected_cost)."""

    @staticmethod
    def forward(ctx, module, *tensors):
        s = module.session
        r, grads = module._cost_and_gradients([_as_numpy(t) for t in tensors])
        ref = tensors[0]
        ctx.grads = [[torch.from_numpy(g).to(device=t.device, dtype=t.dtype) for g, t in zip(gs, tensors)]
                     for gs in grads]
        outs = [torch.tensor(r["perf_loss"], dtype=ref.dtype, device=ref.device)]
        if s.has_resources:
            outs.append(torch.tensor(r["res"], dtype=ref.dtype, device=ref.device))
        return tuple(outs)

    @staticmethod
    def backward(ctx, *g_outs):
        total = None
        for g_out, gs in zip(g_outs, ctx.grads):
            term = [g_out * g for g in gs]
            total = term if total is None else [a + b for a, b in zip(total, term)]
        return (None, *total)


def expected_cost(module: Union["HardwareLoss", Mapping[str, Any]], probabilities: Mapping[str, Any],
                  **continuous: Any) -> Dict[str, torch.Tensor]:
    """The hardware term alone from probabilities the user already sampled (what ProxylessNAS,
    FBNet and TF-NAS pass): `probabilities` maps each sampled variable ("theta" N x M, "phi",
    ...) to rows on the simplex, `continuous` gives the device's continuous variables (pf).
    Returns {"perf_loss": alpha * E[performance] (EDD Eq. 2-7), "res": E[RES] (devices with a
    resource term)}, both differentiable in every input.

    How: a softmax of log p at tau = 1 with zero noise returns p, so the loss's own program
    evaluates the expectations at p, and its adjoint at the sampled probabilities is d/dp.
    Zero probabilities enter as log(1e-300) (weight < 1e-300, flushed to 0 by the softmax)."""
    if not isinstance(module, HardwareLoss):
        module = HardwareLoss(module)
    names = module.names
    given = dict(probabilities)
    given.update(continuous)
    if sorted(given) != sorted(names):
        raise TypeError(f"expected_cost: give exactly {names}, got {sorted(given)}")
    for name, _, _ in module.variables:
        if not torch.is_tensor(given[name]):
            given[name] = torch.as_tensor(given[name], dtype=torch.float64)
    return dict(zip(["perf_loss", "res"], _ExpectedCost.apply(module, *[given[n] for n in names])))
