"""Many specs at once, in-process or as Dask tasks (nais.evaluate_many).

    results = nais.evaluate_many(specs)                    # in this process
    results = nais.evaluate_many(specs, client=client)     # a dask.distributed Client

Results are identical either way and in input order. Work past one machine: start a scheduler
and workers where nais is installed (`dask scheduler`, `dask worker tcp://HOST:8786` on each
machine, in a venv where `pip install .` put nais, README), then
`client = distributed.Client("tcp://HOST:8786")`. Specs travel to the workers as dicts; a spec
naming files (latency tables, spaces) needs those paths readable on every worker, or the data
inline. Each task evaluates a chunk of specs (an evaluation takes microseconds, a task
milliseconds of scheduling), so `chunk` trades balance against overhead.
"""
from ._nais import SpecError
from ._nais import evaluate as _evaluate


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


def evaluate_many(specs, base_dir="", client=None, chunk=64):
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
