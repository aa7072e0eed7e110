"""nais.from_fx: a nais network description of a torch.nn.Module, by torch.fx tracing and shape
propagation, so a user's own network gets nais costs (nais.analyze, nais.evaluate with a
"space", a tiled-FPGA "network").

Mapping (PyTorch -> nais layer kinds, README "Networks of real layers"):
  Conv2d -> conv (kernel, stride, padding, dilation, groups, bias); Linear -> fc;
  BatchNorm2d -> bn_act, with a following activation folded into it (EDD's "other" layer is
  BN + activation); an activation elsewhere -> act; MaxPool2d / AvgPool2d -> pool;
  AdaptiveAvgPool2d / AdaptiveMaxPool2d (and F.adaptive_*_pool2d) -> global pool at 1 x 1, a
  pool where the output size divides the input, nothing where they are equal; F.avg_pool2d /
  F.max_pool2d -> pool; mean over dims (2, 3) -> global pool; add (operator, torch.add,
  Tensor.add) -> add; torch.cat on channels -> concat; x * gate with a c x 1 x 1 gate
  (squeeze-and-excitation) -> scale; flatten, reshape, view, dropout, identity, contiguous,
  stochastic depth (the identity at inference) -> nothing (the next layer reads their input);
  chunk / split on channels -> one slice layer per part used (channels [begin, end));
  torchvision's channel_shuffle (kept whole by the tracer, a leaf) -> shuffle. Anything else is
  refused naming the node.

The tracer is torch.fx's with two changes: functions in LEAF_FUNCTIONS stay single nodes (their
insides, such as channel_shuffle's size arithmetic, are not layers), and `a, b = x.chunk(2, 1)`
unpacks on Python 3.11 too (torch.fx 1.13 looks for UNPACK_SEQUENCE at the wrong bytecode index
there, so ShuffleNet v2 as torchvision writes it could not be traced).
"""
from __future__ import annotations

import dis
import inspect
import operator
from typing import Any, Dict, Optional

import torch
import torch.fx
import torch.nn as nn
from torch.fx.passes.shape_prop import ShapeProp

ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.Hardswish, nn.Hardsigmoid, nn.SiLU, nn.Sigmoid, nn.GELU, nn.LeakyReLU, nn.Tanh,
               nn.ELU, nn.Mish)
ACTIVATION_FUNCTIONS = {torch.relu, torch.sigmoid, torch.tanh, torch.nn.functional.relu, torch.nn.functional.relu6,
                        torch.nn.functional.hardswish, torch.nn.functional.hardsigmoid, torch.nn.functional.silu,
                        torch.nn.functional.gelu, torch.nn.functional.leaky_relu, torch.sigmoid}
ACTIVATION_METHODS = {"relu", "sigmoid", "tanh", "relu_", "sigmoid_"}
PASS_MODULES = (nn.Dropout, nn.Identity, nn.Flatten)  # (and StochasticDepth, below)
PASS_FUNCTIONS = {torch.flatten, torch.nn.functional.dropout}
try:  # stochastic depth (EfficientNet, ConvNeXt): the identity at inference, which nais describes
    from torchvision.ops import StochasticDepth, stochastic_depth

    PASS_FUNCTIONS.add(stochastic_depth)
    PASS_MODULE_EXTRA = (StochasticDepth,)
except ImportError:  # torchvision is optional
    PASS_MODULE_EXTRA = ()
ADAPTIVE_POOL_FUNCTIONS = {torch.nn.functional.adaptive_avg_pool2d: "avg", torch.nn.functional.adaptive_max_pool2d: "max"}
POOL_FUNCTIONS = {torch.nn.functional.avg_pool2d: "avg", torch.nn.functional.max_pool2d: "max"}
PASS_METHODS = {"flatten", "view", "reshape", "contiguous", "squeeze", "unsqueeze"}
ADD_FUNCTIONS = {operator.add, torch.add, operator.iadd}
SPLIT_FUNCTIONS = {torch.chunk: "chunk", torch.split: "split", "chunk": "chunk", "split": "split"}
try:  # ShuffleNet v2's channel shuffle, traced as one node (a leaf) and described as a shuffle layer
    from torchvision.models.shufflenetv2 import channel_shuffle

    LEAF_FUNCTIONS = (channel_shuffle,)
except ImportError:
    LEAF_FUNCTIONS = ()


class _Proxy(torch.fx.Proxy):
    """A proxy that unpacks into as many proxies as the unpacking asks for: the instruction
    executing in the caller is UNPACK_SEQUENCE n (looked up by its offset, which is right on
    every Python, caches or not)."""

    def __iter__(self):
        frame = inspect.currentframe().f_back
        for inst in dis.get_instructions(frame.f_code):
            if inst.offset == frame.f_lasti:
                if inst.opname == "UNPACK_SEQUENCE":
                    return (self[i] for i in range(inst.argval))
                break
        return self.tracer.iter(self)


class _Tracer(torch.fx.Tracer):
    def __init__(self):
        super().__init__(autowrap_functions=LEAF_FUNCTIONS)

    def proxy(self, node):
        return _Proxy(node, self)


def _trace(module):
    tracer = _Tracer()
    graph = tracer.trace(module)
    return torch.fx.GraphModule(tracer.root, graph, type(module).__name__)
MUL_FUNCTIONS = {operator.mul, torch.mul, operator.imul}


def _pair(v):
    return list(v) if isinstance(v, (tuple, list)) and v[0] != v[1] else (v[0] if isinstance(v, (tuple, list)) else v)


def _shape(node):
    meta = node.meta.get("tensor_meta")
    return tuple(meta.shape) if meta is not None and hasattr(meta, "shape") else None


def _adaptive_pool(node, ins, lname, op, alias, emit, refuse):
    """Adaptive pooling from H x W to h x w: global pooling at 1 x 1, the identity at h x w = H x W,
    a pool of kernel = stride = (H / h, W / w) where that divides evenly (PyTorch's windows are
    then exactly those); uneven windows are refused."""
    (hi, wi), (ho, wo) = _shape(ins[0])[2:], _shape(node)[2:]
    if (ho, wo) == (1, 1):
        emit(node, {"name": lname, "kind": "pool", "op": op, "global": True}, ins)
    elif (ho, wo) == (hi, wi):
        alias[node] = alias[ins[0]]
    elif hi % ho == 0 and wi % wo == 0:
        k = [hi // ho, wi // wo]
        k = k[0] if k[0] == k[1] else k
        emit(node, {"name": lname, "kind": "pool", "op": op, "kernel": k, "stride": k}, ins)
    else:
        refuse(node, f"adaptive pooling from {hi} x {wi} to {ho} x {wo} (uneven windows)")


def _functional_pool(node, lname, op, refuse):
    """F.avg_pool2d / F.max_pool2d(x, kernel_size, stride=None, padding=0, ...) as a pool layer."""
    names = ["input", "kernel_size", "stride", "padding"] + (["dilation", "ceil_mode"] if op == "max" else ["ceil_mode"])
    a = dict(zip(names, node.args))
    a.update(node.kwargs)
    if op == "max" and _pair(a.get("dilation", 1)) != 1:
        refuse(node, "dilated pooling")
    if op == "avg" and (a.get("count_include_pad", True) is not True or a.get("divisor_override") is not None):
        refuse(node, "average pooling with count_include_pad=False or a divisor_override")
    k = _pair(a["kernel_size"])
    return {"name": lname, "kind": "pool", "op": op, "kernel": k, "stride": _pair(a.get("stride") or a["kernel_size"]),
            "padding": _pair(a.get("padding", 0)), "ceil_mode": bool(a.get("ceil_mode", False))}


def from_fx(module: nn.Module, example_input: torch.Tensor, name: Optional[str] = None) -> Dict[str, Any]:
    """The nais network description (a dict {name, input, layers}) of `module` run on
    `example_input` (one tensor N x C x H x W; N is ignored: nais describes one image)."""
    if not isinstance(example_input, torch.Tensor) or example_input.dim() != 4:
        raise ValueError("from_fx: example_input must be one tensor of shape N x C x H x W")
    try:
        traced = _trace(module)
    except Exception as e:  # torch.fx's own errors name its internals, not the user's module
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"from_fx: torch.fx cannot trace {type(module).__name__}: {first}") from e
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            ShapeProp(traced).propagate(example_input)
    except Exception as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"from_fx: running {type(module).__name__} on an input of shape {tuple(example_input.shape)} "
                         f"failed: {first}") from e
    finally:
        module.train(was_training)
    modules = dict(traced.named_modules())
    layers = []
    alias = {}  # fx node -> the nais layer name that holds its value
    users = {n: list(n.users) for n in traced.graph.nodes}

    def source(node):
        return alias[node]

    def emit(node, layer, inputs):
        names = [source(i) for i in inputs]
        previous = layers[-1]["name"] if layers else "input"
        if names != [previous]:
            layer["inputs"] = names
        layers.append(layer)
        alias[node] = layer["name"]

    def refuse(node, why):
        raise ValueError(f"from_fx: node '{node.name}' ({node.op} {getattr(node.target, '__name__', node.target)}): {why}")

    def tensor_inputs(node):
        return [a for a in node.all_input_nodes if _shape(a) is not None]

    parts = {}  # a chunk / split node on channels -> the channel ranges of its parts

    def channel_parts(node, how):
        """chunk(x, n, dim) / split(x, size or sizes, dim) on channels: [(begin, end)] per part."""
        a = list(node.args) + [None] * 3
        dim = node.kwargs.get("dim", a[2] if a[2] is not None else 0)
        c = _shape(node.args[0])[1]
        if dim not in (1, -3):
            refuse(node, f"a {how} on a dimension other than channels")
        arg = node.kwargs.get("chunks", node.kwargs.get("split_size_or_sections", a[1]))
        if how == "chunk":
            size = -(-c // arg)
            sizes = [min(size, c - b) for b in range(0, c, size)]
        else:
            sizes = list(arg) if isinstance(arg, (list, tuple)) else [min(arg, c - b) for b in range(0, c, arg)]
        bounds, begin = [], 0
        for n in sizes:
            bounds.append((begin, begin + n))
            begin += n
        return bounds

    for node in traced.graph.nodes:
        if node.op == "placeholder":
            alias[node] = "input"
            continue
        if node.op == "output":
            continue
        if node.op == "get_attr":
            refuse(node, "parameters used directly by the forward are not a layer nais can describe")
        ins = tensor_inputs(node)
        lname = node.target if node.op == "call_module" else node.name
        if node.op == "call_module":
            m = modules[node.target]
            if isinstance(m, nn.Conv2d):
                if isinstance(m.padding, str):
                    refuse(node, f"padding='{m.padding}' (give the padding as numbers)")
                emit(node, {"name": lname, "kind": "conv", "cout": m.out_channels, "kernel": _pair(m.kernel_size),
                            "stride": _pair(m.stride), "padding": _pair(m.padding), "dilation": _pair(m.dilation),
                            "groups": m.groups, "bias": m.bias is not None}, ins)
            elif isinstance(m, nn.Linear):
                emit(node, {"name": lname, "kind": "fc", "out": m.out_features, "bias": m.bias is not None}, ins)
            elif isinstance(m, nn.BatchNorm2d):
                emit(node, {"name": lname, "kind": "bn_act"}, ins)
            elif isinstance(m, ACTIVATIONS):
                _activation(node, ins, lname, layers, alias, users, emit)
            elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
                layer = {"name": lname, "kind": "pool", "op": "max" if isinstance(m, nn.MaxPool2d) else "avg",
                         "kernel": _pair(m.kernel_size), "stride": _pair(m.stride or m.kernel_size),
                         "padding": _pair(m.padding), "ceil_mode": bool(m.ceil_mode)}
                if isinstance(m, nn.MaxPool2d) and _pair(m.dilation) != 1:
                    refuse(node, "dilated pooling")
                emit(node, layer, ins)
            elif isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
                _adaptive_pool(node, ins, lname, "avg" if isinstance(m, nn.AdaptiveAvgPool2d) else "max", alias, emit, refuse)
            elif isinstance(m, PASS_MODULES + PASS_MODULE_EXTRA):
                alias[node] = source(ins[0])
            else:
                refuse(node, f"module type {type(m).__name__} has no nais layer kind")
        elif node.op == "call_function" or node.op == "call_method":
            t = node.target
            if t in ADD_FUNCTIONS or t in ("add", "add_"):
                if len(ins) != 2:
                    refuse(node, "an add of a tensor and a constant")
                emit(node, {"name": lname, "kind": "add"}, ins)
            elif t in MUL_FUNCTIONS or t in ("mul", "mul_"):
                shapes = [_shape(i) for i in ins]
                if len(ins) != 2 or not any(s[2:] == (1, 1) for s in shapes):
                    refuse(node, "a product that is not x * gate with a c x 1 x 1 gate (squeeze-and-excitation)")
                x, gate = (ins[0], ins[1]) if shapes[1][2:] == (1, 1) else (ins[1], ins[0])
                emit(node, {"name": lname, "kind": "scale"}, [x, gate])
            elif t is torch.cat:
                dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
                if dim not in (1, -3):
                    refuse(node, "a concatenation on a dimension other than channels")
                if len(ins) == 1:  # a list of one tensor (DenseNet's first layer): the tensor itself
                    alias[node] = source(ins[0])
                else:
                    emit(node, {"name": lname, "kind": "concat"}, ins)
            elif t in SPLIT_FUNCTIONS:
                parts[node] = channel_parts(node, SPLIT_FUNCTIONS[t])  # layers come from the parts used
            elif t is operator.getitem and node.args[0] in parts:
                begin, end = parts[node.args[0]][node.args[1]]
                emit(node, {"name": lname, "kind": "slice", "begin": begin, "end": end}, [node.args[0].args[0]])
            elif t in LEAF_FUNCTIONS:  # torchvision's channel_shuffle(x, groups)
                groups = node.args[1] if len(node.args) > 1 else node.kwargs["groups"]
                emit(node, {"name": lname, "kind": "shuffle", "groups": int(groups)}, ins)
            elif t in ACTIVATION_FUNCTIONS or t in ACTIVATION_METHODS:
                _activation(node, ins, lname, layers, alias, users, emit)
            elif t in ADAPTIVE_POOL_FUNCTIONS:
                _adaptive_pool(node, ins, lname, ADAPTIVE_POOL_FUNCTIONS[t], alias, emit, refuse)
            elif t in POOL_FUNCTIONS:
                emit(node, _functional_pool(node, lname, POOL_FUNCTIONS[t], refuse), ins)
            elif t == "mean" or t is torch.mean:
                dims = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
                dims = sorted(d % 4 for d in (dims if isinstance(dims, (tuple, list)) else [dims])) if dims is not None else None
                if dims != [2, 3]:
                    refuse(node, "a mean over dimensions other than the spatial ones (2, 3)")
                emit(node, {"name": lname, "kind": "pool", "op": "avg", "global": True}, ins)
            elif t in PASS_FUNCTIONS or t in PASS_METHODS or t is getattr:
                if not ins:
                    refuse(node, "no tensor input")
                alias[node] = source(ins[0])
            else:
                refuse(node, "no nais layer kind for this operation")
    shape = tuple(example_input.shape[1:])
    return {"name": name or type(module).__name__, "input": [int(s) for s in shape], "layers": layers}


def _activation(node, ins, lname, layers, alias, users, emit):
    """An activation right after the batch norm it alone consumes is folded into that bn_act."""
    src = ins[0]
    if layers and alias.get(src) == layers[-1]["name"] and layers[-1]["kind"] == "bn_act" and len(users[src]) == 1:
        alias[node] = alias[src]
        return
    emit(node, {"name": lname, "kind": "act"}, ins)
