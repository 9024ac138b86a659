"""Run the emulator's app with uvicorn: in a background thread, or in the foreground."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

from aai_gateway.testing._sse import ConnectionDropError

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0


def _is_drop(error: BaseException | None) -> bool:
    """Whether `error` is (or wraps) the exception that cuts a stream on purpose."""
    if isinstance(error, ConnectionDropError):
        return True
    inner = getattr(error, "exceptions", None)  # an exception group (3.11+)
    return isinstance(inner, tuple) and any(_is_drop(e) for e in inner)


class _DropFilter(logging.Filter):
    """Hide uvicorn's traceback for streams the emulator cuts on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and _is_drop(record.exc_info[1]))


def _quiet_drops() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropFilter) for f in logger.filters):
        logger.addFilter(_DropFilter())


def build_config(
    app: ASGIApp, host: str, port: int, log_level: str = "warning"
) -> uvicorn.Config:
    """The uvicorn settings the emulator runs with (h11, no lifespan)."""
    _quiet_drops()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        log_level=log_level,
        access_log=False,
        http="h11",
        timeout_graceful_shutdown=1,
    )


class EmulatorServer:
    """A running emulator: uvicorn in a daemon thread, on a loopback port.

    Use it through `GatewayEmulator.serve()`; leaving the `with` block stops it.

    Example:
        ```python
        with emu.serve() as server:
            httpx.get(server.base_url + "/models")
        ```

    Attributes:
        host: The host it listens on.
        port: The port it listens on (the real one when `0` was asked for).
    """

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._server = uvicorn.Server(build_config(app, host, port))
        self._thread = threading.Thread(
            target=self._run, name="aai-gateway-emulator", daemon=True
        )

    def _run(self) -> None:
        # uvicorn calls sys.exit() when it cannot bind; `start` reports that instead.
        with contextlib.suppress(SystemExit):
            self._server.run()

    @property
    def url(self) -> str:
        """`http://HOST:PORT`."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The gateway base URL, `http://HOST:PORT/v1`."""
        return self.url + "/v1"

    @property
    def rest_base_url(self) -> str:
        """The transcript REST base URL (paths `/v2/...` go under it)."""
        return self.url

    def start(self) -> EmulatorServer:
        """Start serving and wait until the socket is listening.

        Raises:
            RuntimeError: The server did not start within ten seconds.
        """
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                msg = (
                    f"the gateway emulator did not start on {self.host}:{self.port} "
                    "(is the port in use? uvicorn logged the reason)"
                )
                raise RuntimeError(msg)
            time.sleep(0.005)
        sockets = [s for server in self._server.servers for s in server.sockets]
        self.port = int(sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        """Ask the server to exit and wait for its thread."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(_STOP_TIMEOUT)

    def __enter__(self) -> EmulatorServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def run_foreground(
    app: ASGIApp,
    host: str,
    port: int,
    announce: Callable[[int], None] | None = None,
) -> None:
    """Serve `app` in this thread until interrupted (Ctrl-C).

    The socket is bound and listening first, so `announce` gets the real port
    (the one the system picked when `port` is 0), and a client that connects at
    once waits in the backlog until uvicorn accepts.
    """
    config = build_config(app, host, port, log_level="info")
    sock = config.bind_socket()
    sock.listen(config.backlog)
    if announce is not None:
        announce(int(sock.getsockname()[1]))
    uvicorn.Server(config).run(sockets=[sock])
