"""Real `gridbot serve` processes for fault tests, and a TCP proxy that black-holes the
database: what a killed process or a stalled network does to the service."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.devkit.demo import free_port

ROOT = Path(__file__).resolve().parents[1]
SERVE_START_SECONDS = 60


@dataclass
class Served:
    base: str
    process: subprocess.Popen


@contextlib.asynccontextmanager
async def gridbot_serve(
    env: dict[str, str], log: Path, port: int | None = None
) -> AsyncIterator[Served]:
    """A real `gridbot serve` process (on `port`, or a free one); yields once /healthz
    answers."""
    port = port or free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"],
            cwd=ROOT,
            stdout=output,
            stderr=output,
            env={**env, "GRIDBOT_HOST": "127.0.0.1", "GRIDBOT_PORT": str(port)},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVE_START_SECONDS
        async with aiohttp.ClientSession() as http:
            while True:
                assert process.poll() is None, f"gridbot serve exited:\n{log.read_text()}"
                assert time.monotonic() < deadline, f"gridbot serve not up:\n{log.read_text()}"
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.1)
        yield Served(base, process)
    finally:
        if process.poll() is None:
            process.terminate()  # it may still call the fake API, served by this event loop
        if await ended(process, 30) is None:
            process.kill()
            process.wait()


async def ended(process: subprocess.Popen, seconds: float) -> int | None:
    """The process's exit status once it has ended, None if still running after `seconds`."""
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return process.returncode


async def poll(check: Callable, seconds: float, what: str):
    """Ask `check` until it answers something true; bounded by `seconds`."""
    deadline = time.monotonic() + seconds
    while not (answer := await check()):
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        await asyncio.sleep(0.1)
    return answer


@dataclass
class BlackHole:
    """A TCP proxy to `target`: while `holed`, it forwards nothing in either direction and
    closes nothing, as a network that silently drops packets does."""

    target: tuple[str, int]
    port: int = 0
    _open: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.Server | None = None
    _pumps: set[asyncio.Task] = field(default_factory=set)

    async def start(self) -> None:
        self._open.set()
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def hole(self) -> None:
        self._open.clear()

    def restore(self) -> None:
        self._open.set()

    async def close(self) -> None:
        self._server.close()
        for pump in self._pumps:
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            pump = asyncio.create_task(self._pump(source, sink))
            self._pumps.add(pump)
            pump.add_done_callback(self._pumps.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                await self._open.wait()
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            sink.close()
