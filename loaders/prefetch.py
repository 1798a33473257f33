"""Run a producer in a thread a few items ahead of its consumer (used by the CSV reader)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def prefetch(produce: Callable[[], Iterator[T]], depth: int = 2) -> Iterator[T]:
    """Run ``produce()`` in a thread, ``depth`` items ahead of the consumer.

    Arrow parses CSV blocks without holding the GIL, so on two cores the next block is parsed
    while this one is validated. Exceptions are re-raised in the consumer; closing the
    consumer stops the producer before returning.
    """
    items: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, item: object) -> bool:
        while not stop.is_set():
            try:
                items.put((kind, item), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in produce():
                if not put("item", item):
                    return
            put("done", None)
        except BaseException as exc:  # handed to the consumer
            put("error", exc)

    thread = threading.Thread(target=run, name="moneytrail-csv-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = items.get()
            if kind == "item":
                yield item  # type: ignore[misc]
            elif kind == "done":
                return
            else:
                raise item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()
