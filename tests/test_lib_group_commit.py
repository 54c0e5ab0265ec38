"""Group commit (tautoko/lib/group_commit.py) on a real SQLite file: what a caller is told
matches what is on disk, writes that arrive while the writer waits for its turn share its
commit, and one failure spoils only what it must.

Another process's turn on the write lock is played by the test itself: it takes the
kernel lock (flock) on the database's lock file, as another web process's writer would.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.db import connections

from tautoko.lib.group_commit import GroupCommitter, _Write

ALIAS = "group_commit_test"

# What the batch handler was given, call by call: one list per group (or per retry alone).
calls: list[list[str]] = []


def rows_write(items: list[str]) -> list[str]:
    """A batch handler: one row per item, all in the group's transaction."""
    calls.append(list(items))
    with connections[ALIAS].cursor() as cursor:
        for item in items:
            if item.startswith("bad"):
                raise ValueError(f"refused {item}")
            cursor.execute("INSERT INTO note (text) VALUES (%s)", [item])
    return [f"stored {item}" for item in items]


@pytest.fixture
def database(tmp_path: Path, django_db_blocker: Any) -> Iterator[Path]:
    path = tmp_path / "group-commit.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        # Checked only at COMMIT: the way to make a commit itself fail.
        setup.execute(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL"
            " REFERENCES note (id) DEFERRABLE INITIALLY DEFERRED)"
        )
    configured = connections.configure_settings(
        {
            "default": connections.settings["default"],
            ALIAS: dj_database_url.parse(f"sqlite:///{path}", conn_max_age=None),
        }
    )
    connections.settings[ALIAS] = configured[ALIAS]
    calls.clear()
    with django_db_blocker.unblock():
        yield path
        connections[ALIAS].close()
    del connections.settings[ALIAS]
    del connections[ALIAS]


def rows(path: Path) -> list[str]:
    """What another process would read from the file now."""
    with sqlite3.connect(path) as reader:
        return [text for (text,) in reader.execute("SELECT text FROM note ORDER BY id")]


class OthersTurn:
    """Holds the write lock as another process's writer would, until released."""

    def __init__(self, database: Path) -> None:
        self.descriptor = os.open(f"{database}.write-lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.descriptor, fcntl.LOCK_EX)

    def release(self) -> None:
        fcntl.flock(self.descriptor, fcntl.LOCK_UN)
        os.close(self.descriptor)


def submit_in_thread(
    committer: GroupCommitter, write: _Write[Any], outcomes: dict[str, Any], name: str
) -> threading.Thread:
    def run() -> None:
        try:
            outcomes[name] = committer.submit(write)
        except BaseException as error:
            outcomes[name] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.005)


def one_turn(
    database: Path, committer: GroupCommitter, writes: dict[str, _Write[Any]]
) -> dict[str, Any]:
    """Hand the writes over while another process has its turn, the first before the others,
    so that the writer is already waiting with it when the others arrive; then end that
    turn. Returns what each submitter got: a result, or the error raised."""
    names = list(writes)
    turn = OthersTurn(database)
    outcomes: dict[str, Any] = {}
    threads = [submit_in_thread(committer, writes[names[0]], outcomes, names[0])]
    wait_until(
        lambda: committer._queue.empty() and names[0] not in outcomes,
        f"the writer took {names[0]} and waits for its turn",
    )
    threads += [submit_in_thread(committer, writes[name], outcomes, name) for name in names[1:]]
    wait_until(lambda: committer._queue.qsize() == len(names) - 1, "the others are handed over")
    assert names[0] not in outcomes
    turn.release()
    for thread in threads:
        thread.join(10)
    return outcomes


def batched(*items: str) -> dict[str, _Write[Any]]:
    return {item: _Write(handler=rows_write, item=item) for item in items}


def test_a_write_is_on_disk_when_it_is_acknowledged(database: Path) -> None:
    committer = GroupCommitter(ALIAS)

    result = committer.submit(_Write(handler=rows_write, item="first"))

    assert result == "stored first"
    assert rows(database) == ["first"]


def test_writes_that_arrive_while_the_writer_waits_for_its_turn_share_its_commit(
    database: Path,
) -> None:
    committer = GroupCommitter(ALIAS)
    committer.submit(_Write(handler=rows_write, item="warm-up"))
    calls.clear()

    outcomes = one_turn(database, committer, batched("a", "b", "c"))

    assert outcomes == {"a": "stored a", "b": "stored b", "c": "stored c"}
    assert calls == [["a", "b", "c"]]
    assert rows(database) == ["warm-up", "a", "b", "c"]


def test_one_bad_write_fails_alone(database: Path) -> None:
    committer = GroupCommitter(ALIAS)
    committer.submit(_Write(handler=rows_write, item="warm-up"))

    outcomes = one_turn(database, committer, batched("a", "bad", "c"))

    assert outcomes["a"] == "stored a" and outcomes["c"] == "stored c"
    assert isinstance(outcomes["bad"], ValueError)
    # The group failed as a whole, then each ran alone, in its own savepoint.
    assert calls[-4:] == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]
    assert rows(database) == ["warm-up", "a", "c"]


def test_when_the_commit_fails_no_write_in_the_group_is_acknowledged(database: Path) -> None:
    committer = GroupCommitter(ALIAS)
    committer.submit(_Write(handler=rows_write, item="warm-up"))

    def dangling_child() -> None:
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("INSERT INTO child (note_id) VALUES (999)")

    outcomes = one_turn(database, committer, {**batched("a"), "child": _Write(dangling_child)})

    assert isinstance(outcomes["a"], BaseException)
    assert isinstance(outcomes["child"], BaseException)
    assert "FOREIGN KEY" in str(outcomes["a"])
    assert rows(database) == ["warm-up"]
    # The writer carries on with the next group.
    assert committer.submit(_Write(handler=rows_write, item="after")) == "stored after"
    assert rows(database) == ["warm-up", "after"]


def test_the_writer_closes_its_connection_when_asked_and_reopens_it_for_the_next_write(
    database: Path,
) -> None:
    committer = GroupCommitter(ALIAS)

    def note_and_wrapper() -> Any:
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("INSERT INTO note (text) VALUES ('kept')")
        # The writer thread's own connection wrapper (connections are per thread).
        return connections[ALIAS]

    wrapper = committer.submit(_Write(note_and_wrapper))
    assert wrapper.connection is not None
    committer.connection_close()
    assert wrapper.connection is None
    assert committer.submit(_Write(note_and_wrapper)) is wrapper
    assert wrapper.connection is not None
    assert rows(database) == ["kept", "kept"]


def test_asking_a_process_without_a_writer_to_close_starts_none() -> None:
    committer = GroupCommitter(ALIAS)
    committer.connection_close()
    assert committer._started_in is None
