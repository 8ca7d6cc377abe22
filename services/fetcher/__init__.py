"""The fetcher: feeds, pages, inbox folders and fetch requests in; RawDocuments onto the queue.

sources.py   the TOML sources file, reloaded when it changes
policy.py    SSRF policy: scheme, resolved address, allow-list
client.py    httpx client: connects to the checked address, byte cap, deadline, redirects
polite.py    per-host concurrency and pacing, robots.txt, backoff
feeds.py     RSS/Atom parsing with entity declarations refused
inbox.py     the inbox folder (done/, failed/)
leases.py    fetch requests being served: leases renewed, delivery counts
service.py   the loop that ties them together
"""

from __future__ import annotations

import asyncio
import signal

from services.fetcher.service import Fetcher
from services.settings import Settings

__all__ = ["Fetcher", "run_fetcher"]


async def run_fetcher(settings: Settings, *, once: bool = False) -> None:
    """Run the fetcher until SIGINT/SIGTERM (or, with `once`, poll every source one time)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    fetcher = Fetcher(settings)
    try:
        await fetcher.run(stop, once=once)
    finally:
        await fetcher.aclose()
