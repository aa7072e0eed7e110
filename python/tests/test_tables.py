"""nais.tables (ProxylessNAS / OFA look-up tables, precision scaling, nais's CSV) and
nais.measure (a table timed in PyTorch and its additivity), each feeding the GPU loss."""
import math

import pytest
import yaml

import nais
import nais.measure
import nais.tables
from conftest import load_spec


def tiny_space():
    spec = load_spec("gpu.json")
    return spec["blocks"], spec["ops"]


def test_proxyless_lut_to_a_gpu_loss(tmp_path):
    blocks, ops = tiny_space()
    # a look-up table in ProxylessNAS's format, with distinct means per key
    lut = {}
    for i, b in enumerate(blocks):
        for j, op in enumerate(ops):
            lut[nais.tables.proxyless_key(b, op["kernel"], op["expand"])] = {"mean": 0.1 * (i + 1) + 0.01 * j, "std": 0.0}
    lut["Conv-input:224x224x3-output:112x112x32"] = {"mean": 1.0}  # keys the space does not need
    path = tmp_path / "lut.yaml"
    path.write_text(yaml.safe_dump(lut))
    table = nais.tables.from_proxyless_lut(str(path), blocks, ops, bits=32, device="test")
    assert nais.tables.proxyless_key(blocks[0], 3, 4) == "expanded_conv-input:20x20x8-output:10x10x16-expand:4-kernel:3-stride:2-idskip:0"
    assert nais.tables.proxyless_key(blocks[1], 5, 6).endswith("stride:1-idskip:1")
    table = nais.tables.scale_precisions(table, {16: 0.6, 8: 0.4})
    assert len(table["entries"]) == 3 * len(blocks) * len(ops)
    spec = dict(load_spec("gpu.json"), latency_table=table, normalize="none")
    out = nais.evaluate(spec)
    csv = tmp_path / "table.csv"
    nais.tables.write_csv(table, csv)
    assert nais.evaluate(dict(spec, latency_table=str(csv)))["loss"] == out["loss"]
    back = nais.tables.read_csv(csv)
    assert back["entries"] == table["entries"] and back["metadata"]["device"] == "test"
    # the design's latency is the table's entries of the derived ops at the derived precision
    lat = {(e["block"], e["kernel"], e["expand"], e["bits"]): e["latency_ms"] for e in table["entries"]}
    d = out["design"]
    want = sum(lat[(i, ops[m]["kernel"], ops[m]["expand"], d["bits"])] for i, m in enumerate(d["ops"]))
    assert math.isclose(d["latency"], want, rel_tol=1e-12)


def test_proxyless_lut_refusals():
    blocks, ops = tiny_space()
    with pytest.raises(ValueError, match=r"4 entries the space needs are missing: expanded_conv-input:20x20x8"):
        nais.tables.from_proxyless_lut({}, blocks, ops)
    bad = {nais.tables.proxyless_key(b, o["kernel"], o["expand"]): {"mean": -1.0} for b in blocks for o in ops}
    with pytest.raises(ValueError, match="expected a finite latency >= 0"):
        nais.tables.from_proxyless_lut(bad, blocks, ops)


def test_measured_table_feeds_the_gpu_loss():
    blocks, ops = tiny_space()
    table = nais.measure.latency_table(blocks, ops, warmup=1, repeats=3, number=2)
    assert len(table["entries"]) == len(blocks) * len(ops)
    assert all(e["latency_ms"] > 0 for e in table["entries"])
    assert table["metadata"]["threads"] == 1 and table["metadata"]["batch"] == 1
    spec = load_spec("gpu.json")
    spec["bits"] = [32]
    spec["phi"] = [0.0]
    spec["gumbel"] = None
    spec["latency_table"] = table
    assert math.isfinite(nais.evaluate(spec)["loss"])
    check = nais.measure.additivity(table, blocks, ops, samples=4, warmup=1, repeats=3, number=2)
    assert len(check["networks"]) == 4
    assert check["mean_relative_error"] >= 0 and all(n["measured_ms"] > 0 for n in check["networks"])


def test_haq_table_for_a_network_searched_by_precision(tmp_path):
    import numpy as np

    network = {"name": "tiny", "input": [3, 16, 16], "layers": [
        {"name": "c1", "kind": "conv", "cout": 8, "kernel": 3, "padding": 1},
        {"name": "b1", "kind": "bn_act"},
        {"name": "c2", "kind": "conv", "cout": 8, "kernel": 3, "padding": 1, "groups": 8},
        {"name": "gap", "kind": "pool", "op": "avg", "global": True},
        {"name": "fc", "kind": "fc", "out": 10}]}
    rng = np.random.default_rng(1)
    haq = rng.uniform(0.1, 1.0, size=(3, 8, 8))  # 3 conv/fc layers x weight bits x activation bits
    path = tmp_path / "haq.npy"
    np.save(path, haq)
    table = nais.tables.from_haq(str(path), network, bits=[4, 8], device="test")
    assert [e["bits"] for e in table["entries"]] == [4, 8]
    assert math.isclose(table["entries"][0]["latency_ms"], haq[:, 3, 3].sum())
    fixed = nais.tables.from_haq(haq, network, bits=[4, 8], activation_bits=8)
    assert math.isclose(fixed["entries"][0]["latency_ms"], haq[:, 3, 7].sum())
    spec = {"device": "gpu", "space": network, "bits": [4, 8], "latency_table": table["entries"],
            "theta": [[0.0]], "phi": [0.3, -0.2], "tau": 1.0, "alpha": 1.0, "acc_loss": 1.0}
    out = nais.evaluate(spec)
    p = np.exp([0.3, -0.2]) / np.exp([0.3, -0.2]).sum()
    assert math.isclose(out["perf_loss"], p[0] * haq[:, 3, 3].sum() + p[1] * haq[:, 7, 7].sum(), rel_tol=1e-12)
    with pytest.raises(ValueError, match="the table has 2 layers, the network 3 conv and fc layers"):
        nais.tables.from_haq(haq[:2], network, bits=[4])
