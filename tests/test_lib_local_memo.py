"""Values kept inside one process for a fraction of a second (tautoko/lib/local_memo.py)."""

from __future__ import annotations

from unittest import mock

from django.test import SimpleTestCase

from tautoko.lib.local_memo import LocalMemo, local_memos_clear
from tests.base import tautoko_settings


class LocalMemoTests(SimpleTestCase):
    def test_it_keeps_a_value_until_its_time_is_up(self) -> None:
        clock = mock.Mock(return_value=100.0)
        with tautoko_settings(LOCAL_MEMO_SECONDS=0.5):
            memo = LocalMemo(timer=clock)
        memo.set("petition", "row")
        clock.return_value = 100.4
        assert memo.get("petition") == "row"
        clock.return_value = 100.6
        assert memo.get("petition") is None

    def test_delete_and_clear_forget_at_once(self) -> None:
        with tautoko_settings(LOCAL_MEMO_SECONDS=60):
            first, second = LocalMemo(), LocalMemo()
        first.set("a", 1)
        first.set("b", 2)
        second.set("c", 3)
        first.delete("a")
        assert first.get("a") is None
        assert first.get("b") == 2
        local_memos_clear()
        assert first.get("b") is None
        assert second.get("c") is None

    def test_zero_seconds_keeps_nothing(self) -> None:
        with tautoko_settings(LOCAL_MEMO_SECONDS=0):
            memo = LocalMemo()
        memo.set("petition", "row")
        assert memo.get("petition") is None
