"""Services a fault test can stop and start: a private Redis on a spare port and a local SMTP
server (aiosmtpd) that keeps what it is handed. Each restarts on the same port, as a real
server coming back would, and neither touches the machine's shared Redis."""

from __future__ import annotations

import email
import shutil
import socket
import subprocess
import threading
import time
from email import policy
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, workers=(), every: float = 0.1):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            logs = "\n".join(worker.log_tail() for worker in workers)
            raise AssertionError(f"no {what} within {timeout}s\n{logs}")
        for worker in workers:
            worker.assert_alive()
        time.sleep(every)


class Mailbox:
    """aiosmtpd handler: keeps every message it is handed (called on the server's thread)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()


class SmtpServer:
    """A local mail server on a fixed spare port; `stop()` makes the port refuse connections
    (the server is down), `start()` brings it back on the same port."""

    def __init__(self):
        self.mailbox = Mailbox()
        self.port = free_port()
        self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?timeout=5"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        if self._controller is None:
            self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class RedisServer:
    """A redis-server of our own on a spare port, keeping nothing on disk (like the machine's):
    stopping it loses every queued message."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self._process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if self._process is not None:
            return
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
        ]
        with (self.folder / "redis.log").open("a") as log:  # the server keeps its own copy
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._answers, timeout=20, what=f"redis on port {self.port}")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        self._process.wait(timeout=20)
        self._process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False
