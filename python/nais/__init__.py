"""nais: the EDD co-search loss (Li, Hao et al., DAC 2020) and its exact gradients, from Python.

    nais.evaluate(spec)        nais-eval in-process: the same spec (a dict) and the same output
    nais.Session(spec)         the loss built once from a spec, evaluated many times (NumPy)
    nais.torch.HardwareLoss    a torch.nn.Module over a Session (nais's hand-written backward)
    nais.torch.expected_cost   the hardware term alone, from probabilities already sampled

The C++ extension (nais._nais) links no libtorch, so one build serves any torch.
"""
from ._nais import Session, SpecError
from ._nais import evaluate as _evaluate

__all__ = ["evaluate", "Session", "SpecError"]


def evaluate(spec, base_dir=""):
    """Evaluates a nais-eval spec (a dict; arrays may be lists, NumPy arrays or tensors) and
    returns nais-eval's output document as a dict. `base_dir` resolves relative file names in
    the spec (latency tables, spaces). A malformed spec raises nais.SpecError (a ValueError)
    whose message names the key and what was expected."""
    return _evaluate(spec, base_dir)
