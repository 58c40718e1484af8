"""Checking resources concurrently (`--workers N`).

Resources are independent, so N worker threads check N of them at a time; every check of one
resource runs in one thread, in the suite's order, so a check that needs a quiet resource still
has it. Each worker runs its own pytest session (pytest's setup state is per session, not per
thread) over the same collected suite and takes whole resources from one shared queue, the
heaviest first, until none is left. Families that load the implementation on purpose (CONCURRENCY)
run afterwards, alone.

The threads share the run's Kit, transport and Collector, which are thread-safe for this. Python
threads are enough: a check spends its time waiting for answers, not computing.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import os
import random
import sys
import threading
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

ALONE_FAMILIES = ("CONCURRENCY", "LATENCY")  # after everything else, alone: parallel writers; the whole run's answer times
DEFAULT_WORKERS = {"full": 8, "live": 1, "read-only": 8}
MAX_WORKERS = 32
NO_RESOURCE = ""  # the group of checks that are not per resource (run by whichever worker is free)
# pytest plugins that change process-wide state per test (output capture, warning filters, log
# handlers, fault handler, exception hooks): not meant to run in several threads at once.
THREAD_UNSAFE_PLUGINS = ("capture", "warnings", "logging", "faulthandler", "unraisableexception",
                         "threadexception")


class CheckRandom(random.Random):
    """The run's random source, started afresh for every check from the run's seed and the check's
    id, in whichever thread runs it (`begin`): generated values then do not depend on which checks
    ran before or at the same time, so --workers gives the same requests and a seed replays a check."""

    def __init__(self, seed: int):
        self._run_seed = seed
        self._local = threading.local()
        super().__init__(seed)

    def begin(self, name: str) -> None:
        self._local.rng = random.Random(f"{self._run_seed}:{name}")

    def _current(self) -> random.Random:
        rng = getattr(self._local, "rng", None)
        if rng is None:  # outside any check (a plain pytest run's setup, a unit test)
            rng = self._local.rng = random.Random(self._run_seed)
        return rng

    def random(self) -> float:
        return self._current().random()

    def getrandbits(self, k: int) -> int:
        return self._current().getrandbits(k)


def default_workers(mode: str) -> int:
    return DEFAULT_WORKERS.get(mode, 1)


class Queue:
    """Resource names still to check, handed out one at a time in the given order."""

    def __init__(self, names: Iterable[str]):
        self._names = deque(names)
        self._lock = threading.Lock()

    def take(self) -> str | None:
        with self._lock:
            return self._names.popleft() if self._names else None


class TakeFromQueue:
    """pytest plugin for one worker's session: runs the collected checks of the resources it takes
    from the queue, one resource after another, and nothing else."""

    def __init__(self, queue: Queue, resource_of: Callable[[Any], str | None], cancel: threading.Event,
                 collected: threading.Event | None = None):
        self.queue = queue
        self.resource_of = resource_of
        self.cancel = cancel
        self.collected = collected

    def pytest_collection_finish(self, session) -> None:
        if self.collected is not None:
            self.collected.set()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session) -> bool:
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(f"{session.testsfailed} errors during collection")
        by_resource: dict[str, list] = {}
        for item in session.items:
            by_resource.setdefault(self.resource_of(item) or NO_RESOURCE, []).append(item)
        current = self._take(by_resource)
        while current:
            following: list = []
            for i, item in enumerate(current):
                if self.cancel.is_set():
                    raise session.Interrupted("interrupted")
                if i + 1 == len(current):
                    following = self._take(by_resource)  # known before the teardown of this one
                nextitem = current[i + 1] if i + 1 < len(current) else (following[0] if following else None)
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
                if session.shouldfail:
                    raise session.Failed(session.shouldfail)
                if session.shouldstop:
                    raise session.Interrupted(session.shouldstop)
            current = following
        return True

    def _take(self, by_resource: dict[str, list]) -> list:
        while (name := self.queue.take()) is not None:
            if by_resource.get(name):
                return by_resource[name]
        return []


@contextlib.contextmanager
def thread_safe_runtime() -> Iterator[None]:
    """Three process-wide things that are not safe in threads, made so while the workers run:

    - first imports: the suite's libraries import modules lazily, inside functions; two threads
      importing each other's half-loaded modules get one of them half-initialised (ImportError).
      Import statements are serialised (re-entrant within a thread; cheap once a module is loaded).
    - `ast.parse` (Hypothesis reads source code with it): CPython before 3.13 keeps the AST
      constructor's recursion depth per interpreter, so concurrent parses fail with "AST constructor
      recursion depth mismatch"."""
    import_lock = threading.RLock()
    real_import, real_parse = builtins.__import__, ast.parse

    def serialised_import(*args: Any, **kwargs: Any) -> Any:
        with import_lock:
            return real_import(*args, **kwargs)

    parse_lock = threading.Lock()

    def serialised_parse(*args: Any, **kwargs: Any) -> Any:
        with parse_lock:
            return real_parse(*args, **kwargs)

    builtins.__import__ = serialised_import
    if sys.version_info < (3, 13):
        ast.parse = serialised_parse  # type: ignore[assignment]
    # - PYTEST_CURRENT_TEST: each session sets it per test stage and pops it after; with several
    #   sessions in one process one thread pops what another already popped (KeyError in a check).
    #   pytest offers no switch for it, so its updater is replaced, only while the workers run.
    import _pytest.runner as pytest_runner

    real_update = getattr(pytest_runner, "_update_current_test_var", None)
    if real_update is not None:
        pytest_runner._update_current_test_var = _tolerant_current_test_var
    try:
        yield
    finally:
        builtins.__import__ = real_import
        ast.parse = real_parse
        if real_update is not None:
            pytest_runner._update_current_test_var = real_update


def _tolerant_current_test_var(item: Any, when: str | None) -> None:
    if when:
        os.environ["PYTEST_CURRENT_TEST"] = f"{item.nodeid} ({when})".replace("\x00", "(null)")
    else:
        os.environ.pop("PYTEST_CURRENT_TEST", None)


def run_concurrently(run_session: Callable[[list[Any]], int], names: list[str], workers: int,
                     resource_of: Callable[[Any], str | None], cancel: threading.Event) -> int:
    """Run `run_session(extra_plugins)` (one pytest.main) in `workers` threads sharing a queue of
    resource names; returns the combined pytest exit code. On KeyboardInterrupt in the calling
    thread, sets `cancel`, waits for the workers to stop and re-raises."""
    queue = Queue([*names, NO_RESOURCE])
    count = max(1, min(workers, len(names)))
    codes: list[int] = [0] * count
    errors: list[BaseException] = []
    first_collected = threading.Event()

    def work(index: int) -> None:
        plugin = TakeFromQueue(queue, resource_of, cancel, first_collected if index == 0 else None)
        try:
            codes[index] = int(run_session([plugin]))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            errors.append(exc)
            cancel.set()
        finally:
            first_collected.set()

    threads = [threading.Thread(target=work, args=(i,), name=f"scs-worker-{i}", daemon=True) for i in range(count)]
    with warnings.catch_warnings(), thread_safe_runtime():
        warnings.simplefilter("ignore")  # what -W ignore does for a single session
        try:
            threads[0].start()
            # The first session imports the suite; the others find it imported.
            while not first_collected.wait(0.1):
                pass
            for t in threads[1:]:
                t.start()
            for t in threads:
                while t.is_alive():
                    t.join(0.1)
        except BaseException:
            cancel.set()
            _wait_for(threads)
            raise
    if errors:
        raise errors[0]
    return combined(codes)


def _wait_for(threads: list[threading.Thread]) -> None:
    """Wait until every worker has stopped (at its next request, at the latest when the one in flight
    is answered or times out). Another Ctrl-C does not cut this short: cleaning up while a worker
    still writes would race it."""
    for t in threads:
        while t.is_alive():
            try:
                t.join(0.1)
            except KeyboardInterrupt:
                continue


def combined(codes: list[int]) -> int:
    """One pytest exit code for several sessions: interrupted or broken beats failed beats passed."""
    for code in (2, 3, 4):
        if code in codes:
            return code
    if 1 in codes:
        return 1
    return 0 if 0 in codes else 5
