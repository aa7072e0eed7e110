"""nais: the EDD co-search loss (Li, Hao et al., DAC 2020) and its exact gradients, from Python.

    nais.evaluate(spec)        nais-eval in-process: the same spec (a dict) and the same output
    nais.evaluate_many(specs)  many specs, in order; as Dask tasks with client= (nais.distributed)
    nais.co_search(spec, acc)  EDD Sec. 5's search in C++ with your Acc_loss from a Python callback
    nais.fit(spec)             nais-fit in-process: a latency model fitted to your measured networks
    nais.bundle(spec)          nais-bundle in-process: networks on IPs, ranked bundles, growth
    nais.hotnas(spec)          nais-hotnas in-process: the tiled template's exact design, hot starts
    nais.map(spec)             nais-map in-process: H2H's mapper on a heterogeneous platform
    nais.sweep(spec)           nais-sweep in-process: exact FPGA design sweeps, sharded as Dask tasks with client=
    nais.Session(spec)         the loss built once from a spec, evaluated many times (NumPy)
    nais.torch.HardwareLoss    a torch.nn.Module over a Session (nais's hand-written backward)
    nais.torch.expected_cost   the hardware term alone, from probabilities already sampled
    nais.analyze(network)      nais-net --json in-process: per-layer shapes, MACs, parameters
    nais.from_fx(module, x)    a nais network description of a torch.nn.Module (torch.fx)
    nais.tables                ProxylessNAS / OFA look-up tables and nais's CSV, for "gpu"
    nais.measure               a latency table timed on your device, and its additivity

The C++ extension (nais._nais) links no libtorch, so one build serves any torch.
"""
from __future__ import annotations

from os import PathLike
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional, Tuple, Union

from ._nais import Session, SpecError, analyze, devices, network_of, signatures
from ._nais import fit as _fit
from ._nais import bundle as _bundle
from ._nais import hotnas as _hotnas
from ._nais import map as _map
from ._nais import evaluate as _evaluate
from ._nais import registry as _registry

from .distributed import evaluate_many, sweep

if TYPE_CHECKING:
    import torch

Spec = Mapping[str, Any]  # nais-eval's keys; arrays may be lists, NumPy arrays or tensors
BaseDir = Union[str, "PathLike[str]", None]
Document = Dict[str, Any]  # a tool's JSON output as a dict

__version__ = "0.1.0"  # CMakeLists.txt project(VERSION), setup.py

__all__ = ["evaluate", "evaluate_many", "co_search", "fit", "bundle", "hotnas", "map", "sweep", "analyze", "network_of",
           "signatures", "from_fx", "Session", "SpecError", "devices", "register_devices"]


def fit(spec: Spec, base_dir: BaseDir = "") -> Document:
    """nais-fit in-process: fits the calibrated latency model to the spec's measured networks
    ({"space", "train", "test" (optional), "model" (optional), "device" (optional)}; CSV paths
    relative to `base_dir`) and returns nais-fit's document as a dict: "model" (what the
    "calibrated" device loads), "agreement" of the model and of a linear fit of MACs and a
    per-(block, op) table on the test rows, and "predictions" [[choice, measured, predicted]]."""
    return _fit(spec, base_dir)


def register_devices(plugin: ModuleType) -> None:
    """Adds the devices of a plug-in extension module to nais's registry: the module's
    register(capsule) receives the registry (tests/plugin/custom_device_plugin.cpp is one, built
    from examples/custom_device_reader.hpp). Then nais.evaluate, nais.Session and
    nais.torch.HardwareLoss accept their names as "device"; nais.devices() lists them."""
    plugin.register(_registry())


def from_fx(module: "torch.nn.Module", example_input: "torch.Tensor", name: Optional[str] = None) -> Document:
    """A nais network description (dict) of a torch.nn.Module traced by torch.fx on
    `example_input` (N x C x H x W); see nais.fx for the layer mapping."""
    from .fx import from_fx as _from_fx  # torch is imported only when used

    return _from_fx(module, example_input, name)


def evaluate(spec: Spec, base_dir: BaseDir = "") -> Document:
    """Evaluates a nais-eval spec (a dict; arrays may be lists, NumPy arrays or tensors) and
    returns nais-eval's output document as a dict. `base_dir` resolves relative file names in
    the spec (latency tables, spaces). A malformed spec raises nais.SpecError (a ValueError)
    whose message names the key and what was expected."""
    return _evaluate(spec, base_dir)


def bundle(spec: Spec, base_dir: BaseDir = "") -> Document:
    """nais-bundle in-process: the spec (a dict with nais-bundle's keys: "device", "design",
    "bits", "grid" and any of the tasks "evaluate", "bundles", "grow") and the document
    `nais-bundle --json` prints, as a dict. A malformed spec raises nais.SpecError naming the key."""
    return _bundle(spec, base_dir)


def hotnas(spec: Spec, base_dir: BaseDir = "") -> Document:
    """nais-hotnas in-process: the spec (nais-hotnas's keys: the network, "bits", "limits", ...
    and "target_ms" for a hot start) and the document `nais-hotnas --json` prints, as a dict."""
    return _hotnas(spec, base_dir)


def map(spec: Spec, base_dir: BaseDir = "") -> Document:  # noqa: A001 (the tool's name)
    """nais-map in-process: the spec (nais-map's keys: "streams", "accelerators", "steps", ...)
    and the document `nais-map --json` prints, as a dict."""
    return _map(spec, base_dir)


Accuracy = Callable[[int, float, Dict[str, Any]], Union[float, Tuple[float, Mapping[str, Any]]]]


def co_search(spec: Spec, accuracy: Optional[Accuracy] = None, steps: int = 100, seed: int = 1,
              schedule: str = "exponential", tau0: float = 5.0, tau_min: float = 0.5,
              learning_rate: Optional[Mapping[str, float]] = None, hard: bool = False, sample_noise: bool = True,
              normalize_performance: bool = True, relative_smoothness: float = 0.1,
              bounds: Optional[Mapping[str, Tuple[float, float]]] = None, clock_mhz: float = 200.0,
              base_dir: BaseDir = "") -> Document:
    """EDD Sec. 5's co-search of any device's spec, run by nais in C++ (Session.co_search): from
    the starting point of Session.initialize_search, per step the temperature (`schedule`:
    "constant" tau0, or "exponential" / "cosine" from tau0 to tau_min over the steps), fresh
    Gumbel noise (`seed`), the sample, your `accuracy(step, tau, {name: sample})` returning
    Acc_loss, or (Acc_loss, {name: d Acc_loss / d sample}) for the sampled variables your supernet
    consumed (None: Acc_loss = 1, a hardware search alone), Eq. 1's gradient by the product rule,
    and one Adam update (`learning_rate`: {"arch", "quant", "impl"}, 0.05 each), continuous
    variables projected onto their bounds. Returns {"curve": [{step, tau, loss, acc_loss,
    perf_loss, res, penalty}], "variables": {name: array}, "alpha", "design": the session's
    design of the searched variables at `clock_mhz`}. A malformed spec or option raises
    nais.SpecError naming it; an exception in `accuracy` propagates."""
    session = Session(spec, base_dir)
    curve = session.co_search(accuracy, steps=steps, seed=seed, schedule=schedule, tau0=tau0, tau_min=tau_min,
                              learning_rate=dict(learning_rate or {}), hard=hard, sample_noise=sample_noise,
                              normalize_performance=normalize_performance, relative_smoothness=relative_smoothness,
                              bounds=dict(bounds or {}))
    return {"curve": curve, "variables": {name: session.variable(name) for name, _, _ in session.variables},
            "alpha": session.parameter("alpha"), "design": session.design(clock_mhz)}
