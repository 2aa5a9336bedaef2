"""The mailbox hands over everything queued in one batch, waking its reader once."""

from __future__ import annotations

import asyncio

from k8s_actors.kernel import Envelope, Mailbox, run


def envelope(seq: int) -> Envelope:
    return Envelope(seq=seq, src="a", dst="b", payload=seq)


def test_take_returns_everything_queued_oldest_first() -> None:
    """Items put before a take come back together, in put order, and the box is then empty."""

    async def main() -> tuple[list[int], int]:
        box = Mailbox()
        for seq in range(1, 6):
            box.put(envelope(seq))
        batch = await box.take()
        return [e.seq for e in batch], len(box)

    assert run(main) == ([1, 2, 3, 4, 5], 0)


def test_waiting_reader_gets_the_whole_burst_put_before_it_runs() -> None:
    """A reader waiting on an empty box wakes once and receives every item put meanwhile."""

    async def main() -> list[list[int]]:
        box = Mailbox()
        batches: list[list[int]] = []

        async def reader() -> None:
            for _ in range(2):
                batches.append([e.seq for e in await box.take()])

        task = asyncio.ensure_future(reader())
        await asyncio.sleep(0)
        for seq in (1, 2, 3):
            box.put(envelope(seq))
        await asyncio.sleep(0)
        box.put(envelope(4))
        await task
        return batches

    assert run(main) == [[1, 2, 3], [4]]


def test_cancelled_take_leaves_items_for_the_next_reader() -> None:
    """Cancelling a waiting take loses nothing: a later take gets what arrives."""

    async def main() -> list[int]:
        box = Mailbox()
        waiting = asyncio.ensure_future(box.take())
        await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.sleep(0)
        box.put(envelope(1))
        return [e.seq for e in await box.take()]

    assert run(main) == [1]


def test_clear_drops_and_returns_the_queue() -> None:
    """clear empties the box (a crash loses the mailbox) and returns what was lost."""
    box = Mailbox()
    box.put(envelope(1))
    box.put(envelope(2))
    assert [e.seq for e in box.clear()] == [1, 2]
    assert len(box) == 0
