"""`simulate` past one machine: the chunks projected by the workers of a Dask cluster.

    pip install 'commitcast[dask]'
    commitcast simulate FILE --runs 100000000 --scheduler local        # a LocalCluster here
    commitcast simulate FILE --runs 100000000 --scheduler tcp://host:8786  # a running one

This process draws the standard normals of every chunk in order from the one stream `seed`
starts (about 50 ns a run, so it keeps hundreds of workers busy), sends each chunk's normals to
a worker, and merges what comes back: every run's figures and fan where they fit the memory
budget, else their histogram sketches, and exact sums for the means and probabilities. A chunk
is a pure function of its normals, the sketches merge exactly, and runs are kept by position,
so the figures are the ones `analysis.simulate.simulate` gives in one process for the same seed,
whatever the number of workers or the order chunks finish in.

Dask is imported only here, and this module only when a scheduler is asked for. A `local`
cluster listens on 127.0.0.1 only, with no dashboard; an address is the only other place this
connects to. The memory budget applies to each process: this one, and each worker's pass.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from commitcast.analysis.simulate import (
    DEFAULT_MEMORY,
    ChunkJob,
    ChunkResult,
    ChunkWork,
    MiB,
    Simulation,
    keep_freed_memory,
)
from commitcast.analysis.simulate import simulate as simulate_here
from commitcast.model.scenario import Scenario
from commitcast.variants.inputs import argument_error

# A worker process holds Dask's own modules besides ours: measured ~170 MiB before any run.
WORKER_RESERVE = 256 * MiB
CONNECT_TIMEOUT = "30s"


def simulate(
    scenario: Scenario,
    runs: int,
    seed: int,
    *,
    scheduler: str = "local",
    funding_limit: float | None = None,
    memory: int = DEFAULT_MEMORY,
    method: str = "auto",
    chunk: int | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    processes: bool = True,
) -> Simulation:
    """`analysis.simulate.simulate` with the chunks projected on a Dask cluster.

    `scheduler` is "local" (a LocalCluster of `workers` processes, one thread each; default
    one per core; `processes=False` runs them as threads of this process) or a scheduler's
    address. `runs` may go to MAX_RUNS_DISTRIBUTED. The other arguments are `simulate`'s.
    """
    with connect(scheduler, workers=workers, processes=processes) as client:
        threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
        if threads < 1:
            raise argument_error(
                f"the Dask scheduler at {scheduler} has no workers", "scheduler", named=False
            )
        return simulate_here(
            scenario,
            runs,
            seed,
            funding_limit=funding_limit,
            memory=memory,
            chunk=chunk,
            method=method,
            progress=progress,
            executor=on_workers(client, slots=2 * threads),
            workers=threads,
            worker_reserve=WORKER_RESERVE,
        )


@contextmanager
def connect(scheduler: str, workers: int | None = None, processes: bool = True) -> Iterator[Any]:
    """A Dask client: of a LocalCluster started here for "local", else of `scheduler`."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise argument_error(
            "running on a cluster needs Dask, which is not installed",
            "scheduler",
            hint="pip install 'commitcast[dask]'",
            named=False,
        ) from None
    import logging

    if scheduler == "local":
        import tempfile

        import dask

        # worker processes talk over 127.0.0.1 only; worker threads, in this process (inproc)
        where = {"host": "127.0.0.1"} if processes else {}
        # The scheduler and workers keep lock files and work folders in a "dask-scratch-space"
        # of the temporary directory, and leave its locks behind: here they go into a folder
        # of our own, removed with everything in it once the cluster is closed.
        with (
            # (a file a worker still holds as it stops is no reason to fail the command)
            tempfile.TemporaryDirectory(
                prefix="commitcast-dask-", ignore_cleanup_errors=True
            ) as scratch,
            dask.config.set({"temporary-directory": scratch}),
        ):
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                silence_logs=logging.ERROR,
                local_directory=scratch,
                **where,
            )
            try:
                client = Client(cluster)
                try:
                    if processes:
                        client.run(keep_freed_memory)  # our own workers, whose whole job it is
                    yield client
                finally:
                    client.close()
            finally:
                cluster.close()
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as error:
        raise argument_error(
            f"cannot reach a Dask scheduler at {scheduler}: {error}",
            "scheduler",
            hint="give 'local', or the address a running scheduler prints (tcp://host:8786)",
            named=False,
        ) from None
    try:
        yield client
    finally:
        client.close()


def on_workers(
    client: Any, slots: int
) -> Callable[[ChunkWork, Iterable[ChunkJob]], Iterator[ChunkResult]]:
    """An executor for `simulate`: each chunk a task, at most `slots` sent ahead of the
    results merged (so neither the normals nor the results pile up here), results given back
    as they finish (the merge does not depend on their order)."""
    from dask.distributed import as_completed

    def execute(work: ChunkWork, jobs: Iterable[ChunkJob]) -> Iterator[ChunkResult]:
        [shared] = client.scatter([work], broadcast=True, hash=False)
        finished = as_completed()
        sent: set[Any] = set()

        def take() -> ChunkResult:
            future = next(finished)
            sent.discard(future)
            result: ChunkResult = future.result()  # a chunk's CommitcastError is raised here
            future.release()
            return result

        try:
            for job in jobs:
                # the chunk's normals go to the cluster as data, not inside the task graph
                [data] = client.scatter([job], hash=False)
                future = client.submit(project_chunk, shared, data, pure=False)
                data.release()
                sent.add(future)
                finished.add(future)
                if len(sent) >= slots:
                    yield take()
            while sent:
                yield take()
        finally:
            if sent:
                client.cancel(list(sent))
            shared.release()

    return execute


def project_chunk(work: ChunkWork, job: ChunkJob) -> ChunkResult:
    """One chunk, on a worker."""
    return work(job)
