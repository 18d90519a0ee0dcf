"""Helpers for pytest fixtures: serve the simulator on a free port in a background thread."""

import contextlib
import email.utils
import threading
import time

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import create_app
from .common import EXTENSION
from .store import Simulator


class PortalRequestHandler(WSGIRequestHandler):
    """Every answer's Date header (http.server sends one with each) by the simulator's clock (config clock_offset_s)."""

    def date_time_string(self, timestamp=None):
        if timestamp is None:
            simulator = getattr(getattr(self.server, 'app', None), 'extensions', {}).get(EXTENSION)
            timestamp = time.time() + (simulator.config.get('clock_offset_s', 0) if simulator is not None else 0)
        return email.utils.formatdate(timestamp, usegmt=True)


class QuietRequestHandler(PortalRequestHandler):
    """Request handler that does not log every request."""

    def log_request(self, code='-', size='-'):
        pass

    def log_error(self, format, *args):  # pylint: disable=redefined-builtin
        pass


class RunningSimulator:
    """Handle on a served simulator: .url, .app, .simulator, .state, counters(), reset()."""

    def __init__(self, server, app, simulator):
        self.server = server
        self.app = app
        self.simulator = simulator
        self.host = server.host
        self.port = server.port
        self.url = 'http://%s:%d' % (server.host, server.port)
        self.api_url = self.url + '/v1'

    @property
    def state(self):
        """The live internal state (take .simulator.lock when changing it)."""
        return self.simulator.state

    def counters(self):
        return self.simulator.counters_copy()

    def reset(self):
        self.simulator.reset()


@contextlib.contextmanager
def running_simulator(host='127.0.0.1', port=0, quiet=True, **config):
    """Serve a simulator in a thread; config takes seed, page_size, token_lifetime, strict, missing_routes."""
    simulator = Simulator(**config)
    app = create_app(simulator=simulator)
    handler = QuietRequestHandler if quiet else PortalRequestHandler
    server = make_server(host, port, app, threaded=True, request_handler=handler)
    thread = threading.Thread(target=server.serve_forever, name='cloutility-simulator', daemon=True)
    thread.start()
    try:
        yield RunningSimulator(server, app, simulator)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
