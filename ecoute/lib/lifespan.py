"""ASGI lifespan: start each server process's background loops, stop them on shutdown."""

import asyncio
import logging

logger = logging.getLogger(__name__)


class Lifespan:
    def __init__(self, *loops):
        self.loops = loops

    async def __call__(self, scope, receive, send):
        tasks: list[asyncio.Task] = []
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                tasks = [asyncio.create_task(loop()) for loop in self.loops]
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await send({"type": "lifespan.shutdown.complete"})
                return
