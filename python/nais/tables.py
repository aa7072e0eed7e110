"""Latency tables for nais's GPU device model ("device": "gpu"): importers of the tables users
already have, a writer of nais's CSV format, and the table format itself.

A table is a dict {"entries": [{block, kernel, expand, bits, latency_ms}], "metadata": {...}}:
what nais-eval and nais.Session accept inline as "latency_table" (the metadata rides along,
unread by nais), and what write_csv writes as nais's CSV (metadata as '#' comments).

    from_proxyless_lut(lut, blocks, ops, bits=32)  ProxylessNAS / Once-for-All look-up tables
    from_haq(table, network, bits)                 HAQ's per-layer (weight bits, activation bits)
                                                   table, for a network searched by precision
    scale_precisions(table, ratios)                other bit-widths from a measured one
    write_csv(table, path)                         nais's CSV (gpu::load_latency_table_csv)
"""
from __future__ import annotations

import math
import pathlib
from os import PathLike
from typing import Any, Dict, Mapping, Optional, Sequence, Union

Table = Dict[str, Any]  # {"entries": [{block, kernel, expand, bits, latency_ms}], "metadata": {...}}
Path = Union[str, "PathLike[str]"]

__all__ = ["from_proxyless_lut", "proxyless_key", "from_haq", "scale_precisions", "write_csv", "read_csv"]


def _shape(h, w, c):
    return f"{h}x{w}x{c}"


def proxyless_key(block: Mapping[str, int], kernel: int, expand: int) -> str:
    """The key of an MBConv block in ProxylessNAS's (and Once-for-All's ProxylessNAS) look-up
    tables: expanded_conv-input:HxWxC-output:HxWxC-expand:E-kernel:K-stride:S-idskip:0|1, shapes
    as (h, w, channels), idskip 1 where the block has its residual connection (stride 1 and
    cin == cout)."""
    h, w, s = block["h"], block["w"], block["stride"]
    ho, wo = -(-h // s), -(-w // s)
    idskip = int(s == 1 and block["cin"] == block["cout"])
    return (f"expanded_conv-input:{_shape(h, w, block['cin'])}-output:{_shape(ho, wo, block['cout'])}"
            f"-expand:{expand}-kernel:{kernel}-stride:{s}-idskip:{idskip}")


def from_proxyless_lut(lut: Union[Mapping[str, Any], Path], blocks: Sequence[Mapping[str, int]], ops: Sequence[Mapping[str, int]],
                       bits: int = 32, unit: str = "ms", device: Optional[str] = None, batch: int = 1,
                       source: Optional[str] = None) -> Table:
    """A nais latency table for a space of MBConv `blocks` x `ops` from a ProxylessNAS / OFA look-up
    table: `lut` a dict (yaml.safe_load of mobile_trim.yaml, gpu8.yaml, ...) or a path to one. Each
    value is the entry's 'mean' (or a number). The table measured one precision, `bits` (fp32 = 32);
    use scale_precisions for others. Missing keys are listed in one ValueError."""
    if not isinstance(lut, dict):
        import yaml  # Debian's python3-yaml

        source = source or str(lut)
        with open(lut) as f:
            lut = yaml.safe_load(f)
        if not isinstance(lut, dict):
            raise ValueError(f"from_proxyless_lut: {source} is not a mapping of keys to latencies")
    scale = {"ms": 1.0, "us": 1e-3, "s": 1e3}.get(unit)
    if scale is None:
        raise ValueError(f"from_proxyless_lut: unit must be 'ms', 'us' or 's', got {unit!r}")
    entries, missing = [], []
    for i, b in enumerate(blocks):
        for op in ops:
            k, e = op["kernel"], op["expand"]
            key = proxyless_key(b, k, e)
            if key not in lut:
                missing.append(key)
                continue
            v = lut[key]
            v = v.get("mean") if isinstance(v, dict) else v
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ValueError(f"from_proxyless_lut: entry '{key}': expected a finite latency >= 0, got {v!r}")
            entries.append({"block": i, "kernel": k, "expand": e, "bits": bits, "latency_ms": float(v) * scale})
    if missing:
        more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
        raise ValueError(f"from_proxyless_lut: {len(missing)} entries the space needs are missing: "
                         + ", ".join(missing[:5]) + more)
    return {"entries": entries, "metadata": {"unit": "ms", "batch": batch, "device": device,
                                             "source": source or "ProxylessNAS look-up table", "measured_bits": bits}}


def from_haq(table: Any, network: Union[Mapping[str, Any], str], bits: Sequence[int], activation_bits: Optional[Sequence[int]] = None,
             unit: str = "ms", device: Optional[str] = None, batch: Optional[int] = None, source: Optional[str] = None) -> Table:
    """A nais signature table for a fixed network from HAQ's look-up table (Wang et al., CVPR
    2019: an array indexed [layer, weight bits - 1, activation bits - 1] over the network's conv and
    fc layers in order, as its .npy files hold; `table` the array or a path to the .npy).

    The network ({name, input, layers}: a zoo description or nais.from_fx's) becomes a one-row
    space ({"device": "gpu", "space": network, "bits": bits}); its latency at b bits is the sum
    over its conv and fc layers of table[i, b - 1, a - 1], with a = b (weights and activations at
    the same precision, HAQ's diagonal) or a = `activation_bits`. Returns {"entries":
    [{signature, bits, latency_ms}], "metadata"}: a spec's inline "latency_table"."""
    import numpy as np

    from ._nais import analyze, signatures

    if not isinstance(table, np.ndarray):
        source = source or str(table)
        table = np.load(table, allow_pickle=False)
    if table.ndim != 3:
        raise ValueError(f"from_haq: expected an array [layers, weight bits, activation bits], got shape {table.shape}")
    layers = [x for x in analyze(network)["layers"] if x["kind"] in ("conv", "fc")]
    if len(layers) != table.shape[0]:
        raise ValueError(f"from_haq: the table has {table.shape[0]} layers, the network {len(layers)} conv and fc layers")
    scale = {"ms": 1.0, "us": 1e-3, "s": 1e3}.get(unit)
    if scale is None:
        raise ValueError(f"from_haq: unit must be 'ms', 'us' or 's', got {unit!r}")
    sig = signatures({"space": network, "bits": list(bits)})
    entries = []
    for b in bits:
        a = b if activation_bits is None else activation_bits
        if not (1 <= b <= table.shape[1] and 1 <= a <= table.shape[2]):
            raise ValueError(f"from_haq: ({b}, {a}) bits are outside the table's {table.shape[1]} x {table.shape[2]}")
        v = float(table[:, b - 1, a - 1].sum()) * scale
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"from_haq: the latency at {b} bits is {v}, expected finite and >= 0")
        entries.append({"signature": sig[0], "bits": b, "latency_ms": v})
    return {"entries": entries, "metadata": {"unit": "ms", "batch": batch, "device": device,
                                             "source": source or "HAQ look-up table",
                                             "activation_bits": activation_bits or "= weight bits"}}


def scale_precisions(table: Table, ratios: Mapping[int, float]) -> Table:
    """Adds entries at other bit-widths: `ratios` maps bits -> latency factor relative to the
    measured precision (EDD Table 2's GPU ratios are one such assumption; say which you use)."""
    out = {"entries": list(table["entries"]), "metadata": dict(table.get("metadata", {}))}
    measured = {e["bits"] for e in table["entries"]}
    for bits, factor in ratios.items():
        if bits in measured:
            continue
        if not (isinstance(factor, (int, float)) and math.isfinite(factor) and factor >= 0):
            raise ValueError(f"scale_precisions: ratio for {bits} bits must be a finite number >= 0, got {factor!r}")
        out["entries"] += [dict(e, bits=bits, latency_ms=e["latency_ms"] * factor) for e in table["entries"]]
    out["metadata"]["scaled"] = {str(b): f for b, f in ratios.items()}
    return out


def write_csv(table: Table, path: Path) -> None:
    """nais's CSV: block,kernel,expand,bits,latency_ms rows, the metadata as '#' comments."""
    lines = [f"# {k}: {v}" for k, v in table.get("metadata", {}).items()]
    lines.append("block,kernel,expand,bits,latency_ms")
    lines += [f"{e['block']},{e['kernel']},{e['expand']},{e['bits']},{e['latency_ms']!r}" for e in table["entries"]]
    pathlib.Path(path).write_text("\n".join(lines) + "\n")


def read_csv(path: Path) -> Table:
    """The inverse of write_csv (metadata values as strings)."""
    meta, entries, header = {}, [], None
    for n, line in enumerate(pathlib.Path(path).read_text().splitlines(), 1):
        if line.startswith("#"):
            k, _, v = line[1:].partition(":")
            meta[k.strip()] = v.strip()
        elif line.strip():
            cells = [c.strip() for c in line.split(",")]
            if header is None:
                header = cells
                continue
            if len(cells) != len(header):
                raise ValueError(f"{path}:{n}: expected {len(header)} columns, got {len(cells)}")
            row = dict(zip(header, cells))
            entries.append({"block": int(row["block"]), "kernel": int(row["kernel"]), "expand": int(row["expand"]),
                            "bits": int(row["bits"]), "latency_ms": float(row["latency_ms"])})
    return {"entries": entries, "metadata": meta}
