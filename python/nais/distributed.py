"""Work past one process: many specs (nais.evaluate_many) and one sweep split into shards
(nais.sweep), in-process or as Dask tasks.

    results = nais.evaluate_many(specs)                    # in this process
    results = nais.evaluate_many(specs, client=client)     # a dask.distributed Client
    front = nais.sweep(spec, client=client)["front"]       # a sweep's index range over the workers

Results are identical either way and in input order. Work past one machine: start a scheduler
and workers where nais is installed (`dask scheduler`, `dask worker tcp://HOST:8786` on each
machine, in a venv where `pip install .` put nais, README), then
`client = distributed.Client("tcp://HOST:8786")`. Specs travel to the workers as dicts; a spec
naming files (latency tables, spaces) needs those paths readable on every worker, or the data
inline. Each task evaluates a chunk of specs (an evaluation takes microseconds, a task
milliseconds of scheduling), so `chunk` trades balance against overhead.
"""
from __future__ import annotations

import copy
import time
from os import PathLike
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ._nais import SpecError
from ._nais import evaluate as _evaluate
from ._nais import sweep as _sweep


def _evaluate_chunk(first, specs, base_dir):
    """Runs on a worker: each spec's document, or ("error", index, message) for one that fails
    (returned, not raised: the caller names the spec, and no exception type crosses a process)."""
    out = []
    for k, spec in enumerate(specs):
        try:
            out.append(("ok", _evaluate(spec, base_dir)))
        except Exception as e:  # noqa: BLE001 - reported to the caller with the spec's index
            out.append(("error", first + k, f"{type(e).__name__}: {e}"))
    return out


def evaluate_many(specs: Sequence[Mapping[str, Any]], base_dir: Union[str, "PathLike[str]", None] = "", client: Any = None,
                  chunk: int = 64) -> List[Dict[str, Any]]:
    """nais.evaluate over a list of specs: a list of output documents in input order. With a
    dask.distributed `client`, the specs are evaluated as Dask tasks of `chunk` specs each;
    without one, here. A spec that fails raises nais.SpecError naming its index and the reason
    (the first failing spec, in input order)."""
    specs = list(specs)
    if not isinstance(chunk, int) or chunk < 1:
        raise SpecError(f"evaluate_many: chunk = {chunk!r}, expected an integer >= 1")
    chunks = [(i, specs[i:i + chunk]) for i in range(0, len(specs), chunk)]
    if client is None:
        parts = [_evaluate_chunk(i, c, base_dir) for i, c in chunks]
    else:
        futures = [client.submit(_evaluate_chunk, i, c, base_dir, pure=False) for i, c in chunks]
        parts = client.gather(futures)
    results = []
    for part in parts:
        for entry in part:
            if entry[0] == "error":
                raise SpecError(f"evaluate_many: specs[{entry[1]}]: {entry[2]}")
            results.append(entry[1])
    return results


# nais-sweep's objectives and the point fields that hold them (sweep_run.cpp)
_OBJECTIVE_FIELDS = {"latency": "latency_cycles", "interval": "interval_cycles", "dsp": "dsp", "accuracy": "accuracy"}


def _sweep_shard(spec, base_dir, begin, end):
    """Runs on a worker: the document of the points with index in [begin, end), or ("error", message)."""
    shard = copy.deepcopy(spec)
    shard["sweep"]["index_begin"] = begin
    shard["sweep"]["index_end"] = end
    try:
        return ("ok", _sweep(shard, base_dir))
    except Exception as e:  # noqa: BLE001 - reported to the caller with the shard's range
        return ("error", f"{type(e).__name__}: {e}")


def _merged_front(candidates, objectives):
    """The non-dominated points of the shards' fronts, all objectives minimised, equal points keeping
    the smallest index; ordered as nais-sweep orders a front (objectives, then index). The values
    are the fixed-point integers times a power of two (exact doubles below 2^53 units), so this is
    the whole sweep's front."""
    keys = [_OBJECTIVE_FIELDS[o] for o in objectives]
    value = [tuple(p[k] for k in keys) for p in candidates]
    kept = []
    for i, p in enumerate(candidates):
        a = value[i]
        dominated = any(
            (b != a and all(y <= x for x, y in zip(a, b))) or (b == a and candidates[j]["index"] < p["index"])
            for j, b in enumerate(value))
        if not dominated:
            kept.append((a, p["index"], p))
    kept.sort(key=lambda t: (t[0], t[1]))
    return [p for _, _, p in kept]


def sweep(spec: Mapping[str, Any], base_dir: Union[str, "PathLike[str]", None] = "", client: Any = None,
          shards: Optional[int] = None) -> Dict[str, Any]:
    """nais-sweep in-process: the spec (a dict: nais-eval's space keys and a "sweep" object) and
    the document `nais-sweep --json` prints, as a dict ("front" and "sample" with each point's
    design per block, "points", "feasible", ...). With a dask.distributed `client` (or `shards`),
    the sweep's index range is split into `shards` ranges (default: four per worker) run as tasks,
    and their fronts, samples and counts merge into the whole sweep's: the same front, sample and
    counts as one run (only "threads" and "seconds" differ; "shards" says how many ran). A
    malformed spec raises nais.SpecError naming the key; a failed shard names its index range."""
    if client is None and shards is None:
        return _sweep(spec, base_dir)
    if shards is not None and (not isinstance(shards, int) or isinstance(shards, bool) or shards < 1):
        raise SpecError(f"sweep: shards = {shards!r}, expected an integer >= 1")
    if not isinstance(spec, dict) or not isinstance(spec.get("sweep"), dict):
        return _sweep(spec, base_dir)  # the reader's own refusal, naming the key
    start = time.perf_counter()
    probe = copy.deepcopy(spec)  # no points: checks the spec and counts the sweep's points
    given = probe["sweep"]
    begin = given.get("index_begin", 0)
    given["index_end"] = min(begin, given["index_end"]) if isinstance(given.get("index_end"), int) else begin
    head = _sweep(probe, base_dir)
    first = head["index_begin"]
    last = min(spec["sweep"].get("index_end", head["space_points"]), head["space_points"])
    if shards is None:
        shards = 4 * max(1, len(client.scheduler_info().get("workers", {})))
    shards = max(1, min(shards, last - first))
    cuts = [first + (last - first) * k // shards for k in range(shards + 1)]
    ranges = list(zip(cuts[:-1], cuts[1:]))
    if client is None:
        parts = [_sweep_shard(spec, base_dir, b, e) for b, e in ranges]
    else:
        futures = [client.submit(_sweep_shard, spec, base_dir, b, e, pure=False) for b, e in ranges]
        parts = client.gather(futures)
    for (b, e), part in zip(ranges, parts):
        if part[0] == "error":
            raise SpecError(f"sweep: shard [{b}, {e}): {part[1]}")
    docs = [part[1] for part in parts]
    out = dict(head)
    out["index_begin"], out["index_end"] = first, last
    out["points"] = sum(d["points"] for d in docs)
    out["feasible"] = sum(d["feasible"] for d in docs)
    out["sample"] = [p for d in docs for p in d["sample"]]  # ranges ascend, each sample sorted by index
    out["front"] = _merged_front([p for d in docs for p in d["front"]], head["objectives"])
    out["threads"] = sum(d["threads"] for d in docs)
    out["shards"] = len(ranges)
    out["seconds"] = time.perf_counter() - start
    return out
