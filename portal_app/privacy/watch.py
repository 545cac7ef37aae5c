"""Building an archive from a page without holding the state lock: the build runs in a thread, and the
page's rows are read again every half second (the lock is taken only to copy them in). The customer's
GDPR space and the console's contact page both use it."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

POLL_SECONDS = 0.5


async def build_watching(build: Callable[[], object], copy_rows: Callable[[], Awaitable[object]]) -> None:
    """Run `build()` in a thread; call `copy_rows()` every half second until it is done, and once after."""
    task = asyncio.create_task(asyncio.to_thread(build))
    while True:
        done = task.done()
        await copy_rows()
        if done:
            task.result()  # a failed build: logged by the caller's error handling
            return
        await asyncio.wait({task}, timeout=POLL_SECONDS)


async def until_spent(copy_rows: Callable[[], Awaitable[list]], downloadable: Callable[[list], int],
                      before: int, tries: int = 20) -> None:
    """A download link was clicked: read the rows again until the route has recorded the download."""
    for _ in range(tries):
        if downloadable(await copy_rows()) < before:
            return
        await asyncio.sleep(POLL_SECONDS)
