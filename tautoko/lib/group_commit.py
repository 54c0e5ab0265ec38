"""Durable writes that share one commit when many arrive at once (group commit).

SQLite has one write lock per database. When every request commits its own transaction,
request threads and processes queue on that lock and sleep in SQLite's busy handler, and a
two-core machine manages a few hundred signatures a second although the disk could take
thousands of commits. Here, each process has one writer thread with its own connection:
request threads hand it their write (a function), it runs everything that is waiting in
one transaction, each write in its own savepoint so that one failure spoils only itself,
then commits once — one fsync for the whole group — and only then wakes the requests.
A request is therefore acknowledged only after its write is durable, exactly as with a
transaction of its own.

Between processes (several web workers, the background worker) the writers take turns on
a kernel file lock beside the database before they begin. Left to SQLite, a writer that
finds the database locked sleeps in its busy handler for 1, 2, 5, 10 … 100 ms, however
soon the lock is free; a waiter on the file lock wakes the moment it is released.

On PostgreSQL the writers need no turns (rows are locked, not the database), but grouping
still pays: one transaction and one commit round trip for many signatures instead of one
each (about 590 against 760 signatures a second in the same benchmark run). Inside an
enclosing transaction (such as a test's) ``durably`` simply runs the write in it, and with
``TAUTOKO_GROUP_COMMIT=0`` each write has a transaction of its own. Callers cannot tell
the difference, which is the point.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import close_old_connections, connections, transaction

logger = logging.getLogger(__name__)

Result = TypeVar("Result")

MAX_BATCH = 512


class _Write(Generic[Result]):
    """A write waiting for the group: a function, or an item for a batch handler."""

    __slots__ = ("done", "error", "function", "handler", "item", "result")

    def __init__(
        self,
        function: Callable[[], Result] | None = None,
        *,
        handler: BatchHandler[Any, Result] | None = None,
        item: Any = None,
    ) -> None:
        self.function = function
        self.handler = handler
        self.item = item
        self.done = threading.Event()
        self.result: Result | None = None
        self.error: BaseException | None = None

    @property
    def asks_close(self) -> bool:
        """Neither a function nor an item: a request to close the writer's connection."""
        return self.function is None and self.handler is None


Item = TypeVar("Item")
# Writes the same kind of row for many requests at once (one INSERT of many rows instead of
# many INSERTs): takes the waiting items, returns one result per item, in order.
BatchHandler = Callable[[list[Item]], list[Result]]


class _ProcessWriteLock:
    """An exclusive kernel lock (flock) on ``<database>.write-lock``, one per process."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self._descriptor: int | None = None
        self._opened_in: int | None = None
        self._threads = threading.Lock()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        # A descriptor inherited across fork shares its lock with the parent: reopen it.
        if self._opened_in != os.getpid():
            path = f"{connections[self.alias].settings_dict['NAME']}.write-lock"
            self._descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            self._opened_in = os.getpid()
        assert self._descriptor is not None
        with self._threads:
            fcntl.flock(self._descriptor, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._descriptor, fcntl.LOCK_UN)


class GroupCommitter:
    """One writer thread per process, committing the writes handed to it in groups."""

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self._queue: queue.SimpleQueue[_Write[Any]] = queue.SimpleQueue()
        self._started_in: int | None = None
        self._start_lock = threading.Lock()
        self._write_lock = _ProcessWriteLock(alias)

    def submit(self, write: _Write[Result]) -> Result:
        self._ensure_started()
        self._queue.put(write)
        write.done.wait()
        if write.error is not None:
            raise write.error
        return write.result  # type: ignore[return-value]

    def connection_close(self) -> None:
        """Close the writer's database connection, if this process has a writer.

        The writer keeps its connection between groups, as request threads keep theirs; a
        test that ran a server in its own process closes it before the test database is
        dropped (PostgreSQL refuses to drop a database that has sessions).
        """
        if self._started_in == os.getpid():
            self.submit(_Write())

    def _ensure_started(self) -> None:
        # Web servers fork their workers: a thread started before the fork does not exist
        # in the child, so each process starts its own.
        if self._started_in == os.getpid():
            return
        with self._start_lock:
            if self._started_in != os.getpid():
                self._queue = queue.SimpleQueue()
                threading.Thread(target=self._run, name="tautoko-group-commit", daemon=True).start()
                self._started_in = os.getpid()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            self._take_waiting(batch)
            self._commit(batch)

    def _take_waiting(self, batch: list[_Write[Any]]) -> None:
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                return

    def _run_one(self, write: _Write[Any], call: Callable[[], Any]) -> None:
        try:
            with transaction.atomic(using=self.alias):
                write.result = call()
        except Exception as error:
            write.error = error

    def _run_batch(self, handler: BatchHandler[Any, Any], writes: list[_Write[Any]]) -> None:
        try:
            with transaction.atomic(using=self.alias):
                results = handler([write.item for write in writes])
            for write, result in zip(writes, results, strict=True):
                write.result = result
        except Exception:
            # One bad item must not fail the others: run each alone, in its own savepoint.
            for write in writes:
                self._run_one(write, partial(_first_result, handler, write.item))

    def _commit(self, batch: list[_Write[Any]]) -> None:
        try:
            if all(write.asks_close for write in batch):
                return  # only asked to close the connection (below): nothing to write
            close_old_connections()
            # Between processes, only SQLite needs the writers to take turns.
            turn = (
                self._write_lock.held()
                if connections[self.alias].vendor == "sqlite"
                else contextlib.nullcontext()
            )
            with turn:
                # Writes that arrived while this writer waited for its turn join the group
                # now, rather than waiting a whole turn more.
                self._take_waiting(batch)
                self._write_group(batch)
        except BaseException as error:
            # The commit itself failed: nothing in the group is durable, so nothing in it
            # may be acknowledged.
            logger.exception("group commit of %d writes failed", len(batch))
            for write in batch:
                write.result, write.error = None, write.error or error
            connections[self.alias].close()
        finally:
            if any(write.asks_close for write in batch):
                connections[self.alias].close()
            for write in batch:
                write.done.set()

    def _write_group(self, batch: list[_Write[Any]]) -> None:
        with transaction.atomic(using=self.alias):
            grouped: dict[BatchHandler[Any, Any], list[_Write[Any]]] = {}
            for write in batch:
                if write.handler is not None:
                    grouped.setdefault(write.handler, []).append(write)
                elif write.function is not None:
                    self._run_one(write, write.function)
            for handler, writes in grouped.items():
                self._run_batch(handler, writes)


def _first_result(handler: BatchHandler[Any, Any], item: Any) -> Any:
    return handler([item])[0]


_committer = GroupCommitter()


def group_commit_enabled(alias: str = "default") -> bool:
    """ "auto" and "1" group commits (except on an in-memory database), "0" never."""
    setting = settings.TAUTOKO.get("GROUP_COMMIT", "auto")
    connection = connections[alias]
    if setting == "0":
        return False
    if connection.vendor == "sqlite":
        # An in-memory database (the test suite's) exists only on its own connection.
        return not connection.is_in_memory_db()  # type: ignore[attr-defined]
    return True


def group_commit_close(alias: str = "default") -> None:
    """Close this process's group-commit writer's connection (it reopens when next needed)."""
    if _committer.alias == alias:
        _committer.connection_close()


def durably(function: Callable[[], Result], *, alias: str = "default") -> Result:
    """Run ``function`` in a transaction and return once that transaction is durable."""
    if connections[alias].in_atomic_block or not group_commit_enabled(alias):
        with transaction.atomic(using=alias):
            return function()
    return _committer.submit(_Write(function))


def durably_batched(
    handler: BatchHandler[Item, Result], item: Item, *, alias: str = "default"
) -> Result:
    """Like ``durably``, for a write that ``handler`` can do for many items at once.

    ``handler`` must be a module-level function (items are grouped by it) that writes all
    the items it is given and returns one result per item, in order.
    """
    if connections[alias].in_atomic_block or not group_commit_enabled(alias):
        with transaction.atomic(using=alias):
            return handler([item])[0]
    return _committer.submit(_Write(handler=handler, item=item))
