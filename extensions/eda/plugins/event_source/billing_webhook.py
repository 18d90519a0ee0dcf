# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloutility.cloutility.billing_webhook: an event source for Event-Driven Ansible (ansible-rulebook).

Receives the POSTs a Cloutility portal sends to a billing subscriber (Reseller Business Unit -> Settings -> Billing
-> Subscribers: the "Post URL") whenever billing data is generated, and puts one event per notification on the
queue. Give the portal a Post URL of this listener with the shared secret in it: https://eda.example.com:5000/
cloutility/billing?code=<code>; any path is accepted, and other query parameters (for example bunit=...) reach the
event.

Arguments:
    host:     address to listen on (default 0.0.0.0).
    port:     port to listen on (default 5000).
    code:     the shared secret of the Post URL (its ?code=...), compared in constant time. Default: the environment
              variable CLOUTILITY_WEBHOOK_CODE. Required: a listener without one does not start.
    certfile, keyfile: serve HTTPS with this certificate and key (PEM). Without them, plain HTTP: put it behind a TLS
              proxy or keep it on a network only the portal reaches.
    max_body: largest body accepted, in bytes (default 65536); a larger one is refused with 413.
    head_timeout: seconds a connection has, from its accept, to show the code: TLS handshake and request head
              (default 10, from 0.1 to 300); a connection that has not is closed.
    max_pending: most connections at once that have not shown the code yet (default 64, from 1 to 10000); one more
              closes the oldest of them. Keep it well below the process's open-file limit (ulimit -n).
    Checked like a module's options (checked_settings of plugins/module_utils/ansible_module.py), before the
    listener listens: types strict (port: true is no port), ranges; any other argument is refused.

Use a code of letters, digits, '-', '_' or '.' (for example `openssl rand -hex 24`): the code is compared as sent,
percent-decoding only, so a '+' in it stays a '+'.

What the portal gets back: 100 Continue to its "Expect: 100-continue" once the code is right (a missing code is
answered 401 and a wrong one 403 at once, before the body is sent, and no event is made; without Expect, the same
answers); 415 for a body that is not JSON (before the body too), 400 for JSON that is not an object, 413 for a body
over max_body or nested more than 100 deep, 405 for another method than POST; 400 with a message of its own (never
the request echoed) for a request aiohttp cannot parse; 200 with {"status": "accepted"} for a notification, which
is then on the queue. Connections that do not show the code (idle, half a head, a TLS hello that never ends) are
closed after head_timeout, the oldest at once beyond max_pending: they cannot use up the listener's files.

Each event: {"payload": <the JSON body, e.g. {"trigger": "new billing data available"}>, "meta": {"endpoint":
<the path>, "query": <the query parameters but the code>, "received_at": <UTC time>, "test": <true for the portal's
Test button>}}. The code is never logged: no access log, and aiohttp's own error records (a request line it cannot
parse, as it came) have every code=... and the code itself replaced by ***.

Example:
    sources:
      - cloutility.cloutility.billing_webhook:
          port: 5000
          code: "{{ CLOUTILITY_WEBHOOK_CODE }}"   # ansible-rulebook --env-vars CLOUTILITY_WEBHOOK_CODE
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import hmac
import json
import logging
import os
import re
import ssl
import sys
from urllib.parse import quote, unquote

from aiohttp import web

LOGGER = logging.getLogger('cloutility.billing_webhook')
# aiohttp's own messages about this listener (a request it cannot parse, an unhandled error), with the code taken out.
SERVER_LOGGER = logging.getLogger('cloutility.billing_webhook.server')
REDACTED_LOGGERS = ('cloutility.billing_webhook.server', 'aiohttp.server', 'aiohttp.web', 'aiohttp.internal')
DEFAULT_MAX_BODY = 64 * 1024
MAX_DEPTH = 100  # nesting of the body's JSON: the portal sends {"trigger": "..."}; deeper is refused (400)
CODE_VARIABLE = 'CLOUTILITY_WEBHOOK_CODE'


def _collection_on_path():
    """ansible-rulebook runs this file with runpy: make the collection it belongs to importable."""
    here = os.path.abspath(globals().get('__file__') or '')
    parts = here.split(os.sep)
    if 'ansible_collections' in parts:
        root = os.sep.join(parts[:len(parts) - 1 - parts[::-1].index('ansible_collections')]) or os.sep
        if root in sys.path:  # first, so another copy of the collection on the path is not imported instead
            sys.path.remove(root)
        sys.path.insert(0, root)


_collection_on_path()

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import checked_settings  # noqa: E402 pylint: disable=wrong-import-position

# The arguments, declared like a module's options (checked_settings: Ansible's argument spec validator, then the
# modules' input rules on the values as given: a boolean or a list is no port).
OPTIONS = dict(
    host=dict(type='str', default='0.0.0.0', not_blank=True),
    port=dict(type='int', default=5000, min=0, max=65535),
    code=dict(type='str', required=True, no_log=True, env=CODE_VARIABLE),
    max_body=dict(type='int', default=DEFAULT_MAX_BODY, min=2, max=16 * 1024 * 1024),
    certfile=dict(type='path'),
    keyfile=dict(type='path'),
    head_timeout=dict(type='float', default=10.0, min=0.1, max=300),
    max_pending=dict(type='int', default=64, min=1, max=10000),
)
ARGUMENTS = tuple(OPTIONS)


def _answer(status, message, close=False):
    response = web.json_response(dict(status=status, message=message), status=status)
    if close:
        response.force_close()  # the body was not read: the connection cannot carry another request
    return response


def settings(args, environ=None):
    """The listener's arguments, checked before it listens (ValueError naming the argument and the fix)."""
    options, problems = checked_settings(OPTIONS, args, environ=environ, connection=False)
    if problems:
        raise ValueError('; '.join(problems))
    code = options['code'].strip()
    if not code:
        raise ValueError('code must not be empty or blank: the shared secret of the portal\'s Post URL (?code=...); give it as '
                         'the code argument or in the environment variable %s' % CODE_VARIABLE)
    certfile, keyfile = options.get('certfile') or None, options.get('keyfile') or None
    if bool(certfile) != bool(keyfile):
        raise ValueError('certfile and keyfile go together: give both for HTTPS, or neither')
    context = None
    if certfile:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(certfile, keyfile)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError('certfile %s / keyfile %s cannot be loaded: %s' % (certfile, keyfile, exc))
    return dict(host=options['host'], port=options['port'], code=code, max_body=options['max_body'], ssl=context,
                head_timeout=options['head_timeout'], max_pending=options['max_pending'])


class Redactor(logging.Filter):
    """Takes the code out of every record of aiohttp's server logger for this listener: aiohttp logs a request line
    it cannot parse as it came (``b'POST /hook?code=... x HTTP/1.1'``), and a traceback may quote it too."""

    QUERY_CODE = re.compile(r'(?i)(code=)[^&\s\'"]*')

    def __init__(self, code):
        super().__init__()
        self.secrets = sorted(set([code, quote(code, safe=''), quote(code)]), key=len, reverse=True)

    def redact(self, text):
        text = self.QUERY_CODE.sub(r'\1***', text)
        for secret in self.secrets:
            text = text.replace(secret, '***')
        return text

    def filter(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += '\n' + logging.Formatter().formatException(record.exc_info)
        elif record.exc_text:
            text += '\n' + record.exc_text
        record.msg, record.args, record.exc_info, record.exc_text, record.stack_info = self.redact(text), (), None, None, None
        return True


class QuietHandler(web.RequestHandler):
    """aiohttp's request handler, but an error answer never echoes what was sent (aiohttp answers a request line it
    cannot parse with that line, code and all): a JSON answer of its own. aiohttp still logs the error
    (SERVER_LOGGER, through the Redactor)."""

    __slots__ = ()

    def handle_error(self, request, status=500, exc=None, message=None):
        super().handle_error(request, status, exc, None)  # logs, and refuses to answer twice (ConnectionError)
        if status == 400:
            text = 'The request could not be read as HTTP (a raw space or another character not allowed in the URL?)'
        else:
            text = 'The listener could not handle the request'
        return _answer(status, text, close=True)


class Gate:
    """The connections that have not shown the code yet: at most ``limit`` at once (the oldest closed when another
    comes), each for at most ``timeout`` seconds from its accept to the code (TLS handshake and request head
    included). A connection that sent nothing, half a head or a TLS hello that never ends holds a file until then,
    so idle or slow clients cannot use up the listener's files and starve the portal's notification."""

    def __init__(self, runner, handler_args, timeout, limit, context=None):
        self.runner, self.handler_args, self.timeout, self.limit, self.context = runner, handler_args, timeout, limit, context
        self.pending = collections.OrderedDict()  # handler -> (raw transport, timer)
        self.tasks = set()
        self.closed = collections.Counter()
        self.reported = None

    def __call__(self):
        return _Door(self)

    def admit(self, transport):
        """A new connection: its handler, counted until it shows the code."""
        loop = asyncio.get_running_loop()
        for handler in [handler for handler, (raw, _timer) in self.pending.items() if raw.is_closing()]:
            self.forget(handler)
        while len(self.pending) >= self.limit:
            self.close(next(iter(self.pending)), 'over the cap of %d connections without the code' % self.limit)
        handler = QuietHandler(self.runner.server, loop=loop, **self.handler_args)
        timer = loop.call_later(self.timeout, self.close, handler, 'no code within %ss' % self.timeout)
        self.pending[handler] = (transport, timer)
        if self.context is None:
            transport.set_protocol(handler)
            handler.connection_made(transport)
        else:
            transport.pause_reading()
            task = loop.create_task(self._tls(transport, handler))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _tls(self, transport, handler):
        try:
            loop = asyncio.get_running_loop()
            secure = await loop.start_tls(transport, handler, self.context, server_side=True, ssl_handshake_timeout=self.timeout)
        except (OSError, RuntimeError, ValueError, asyncio.TimeoutError) as exc:  # ssl.SSLError, ConnectionError: OSErrors
            LOGGER.debug('TLS handshake failed: %s', exc)
            self.forget(handler)
            transport.abort()
            return
        if transport.is_closing():
            return
        handler.connection_made(secure)

    def proven(self, handler):
        """The connection showed the right code: it is the portal's, no longer counted nor timed."""
        self.forget(handler)

    def forget(self, handler):
        entry = self.pending.pop(handler, None)
        if entry is not None:
            entry[1].cancel()

    def close(self, handler, why):
        entry = self.pending.get(handler)
        self.forget(handler)
        if entry is not None and not entry[0].is_closing():
            entry[0].abort()
            self.closed[why] += 1
            self._report()

    def _report(self):
        now = asyncio.get_running_loop().time()
        if self.reported is None or now - self.reported >= 60:
            self.reported = now
            LOGGER.warning('closed connections that did not show the code: %s',
                           ', '.join('%d %s' % (count, why) for why, count in sorted(self.closed.items())))
            self.closed.clear()

    def shutdown(self):
        for task in list(self.tasks):
            task.cancel()
        for handler in list(self.pending):
            transport = self.pending[handler][0]
            self.forget(handler)
            transport.abort()


class _Door(asyncio.Protocol):
    """The protocol of an accepted connection, for an instant: it hands the connection to the gate."""

    def __init__(self, gate):
        self.gate = gate

    def connection_made(self, transport):
        self.gate.admit(transport)


class GatedSite(web.BaseSite):
    """aiohttp's TCPSite, with every connection through the gate."""

    __slots__ = ('_host', '_port', '_gate')

    def __init__(self, runner, host, port, gate, ssl_context=None):
        super().__init__(runner, ssl_context=ssl_context)
        self._host, self._port, self._gate = host, port, gate

    @property
    def name(self):
        return '%s://%s:%s' % ('https' if self._ssl_context else 'http', self._host, self._port)

    async def start(self):
        await super().start()
        self._server = await asyncio.get_running_loop().create_server(self._gate, self._host, self._port)

    async def stop(self):
        await super().stop()
        self._gate.shutdown()


def query_code(request):
    """The ``code`` of the query as sent, percent-decoded only: a ``+`` stays a ``+`` (form decoding would make it a
    space, and a base64 secret would never match)."""
    for part in request.rel_url.raw_query_string.split('&'):
        name, equals, value = part.partition('=')
        if equals and name == 'code':
            return unquote(value)
    return None


def code_problem(request, code):
    """None when the request carries the right code, else the refusal (401 missing, 403 wrong)."""
    given = query_code(request)
    if not given:
        return _answer(401, 'The code query parameter of the Post URL is missing', close=True)
    if not hmac.compare_digest(given.encode('utf-8'), code.encode('utf-8')):
        return _answer(403, 'The code of the Post URL is wrong', close=True)
    return None


def type_problem(request):
    """None for a JSON body, else the refusal (415)."""
    kind = request.content_type or ''
    if kind != 'application/json' and not kind.endswith('+json'):
        return _answer(415, 'The body must be JSON (Content-Type: application/json), not %s' % (kind or 'none'), close=True)
    return None


def depth_problem(payload):
    """None when the JSON is nested at most MAX_DEPTH deep (counted without recursion), else the refusal (400)."""
    level = [payload]
    for _depth in range(MAX_DEPTH):
        level = [item for value in level if isinstance(value, (dict, list))
                 for item in (value.values() if isinstance(value, dict) else value)]
        if not level:
            return None
    if any(isinstance(value, (dict, list)) for value in level):
        return _answer(400, 'The body is nested more than %d deep' % MAX_DEPTH)
    return None


def make_app(queue, config, proven=None):
    """The aiohttp application: POST on any path, the code checked before 100 Continue and before the body.
    ``proven(request)`` is told of each request that showed the right code (the Gate stops counting it)."""

    def refusal(request):
        """What refuses a request before its body: a missing or wrong code, a declared body too large, not JSON."""
        refused = code_problem(request, config['code'])
        if refused is not None:
            LOGGER.warning('refused a notification to %s: %s', request.path, json.loads(refused.text)['message'])
            return refused
        if proven is not None:
            proven(request)
        if request.content_length is not None and request.content_length > config['max_body']:
            return _answer(413, 'The body is larger than %d bytes' % config['max_body'], close=True)
        return type_problem(request)

    async def expect(request):
        refused = refusal(request)
        if refused is not None:
            return refused
        if request.headers.get('Expect', '').lower() != '100-continue':
            return _answer(417, 'Only Expect: 100-continue is understood', close=True)
        await request.writer.write(b'HTTP/1.1 100 Continue\r\n\r\n')
        request.writer.output_size = 0
        return None

    async def receive(request):
        # Checked again here: aiohttp calls the expect handler only for a non-empty Expect header.
        refused = refusal(request)
        if refused is not None:
            return refused
        try:
            raw = await request.read()  # to the end of the body, however it arrives; client_max_size caps it
        except web.HTTPRequestEntityTooLarge:
            return _answer(413, 'The body is larger than %d bytes' % config['max_body'], close=True)
        except (ValueError, asyncio.IncompleteReadError, ConnectionError):
            return _answer(400, 'The body could not be read')
        try:
            payload = json.loads(raw.decode(request.charset or 'utf-8'))
        except (ValueError, UnicodeDecodeError, LookupError):
            return _answer(400, 'The body is not valid JSON')
        except RecursionError:
            return _answer(400, 'The body is nested more than %d deep' % MAX_DEPTH)
        if not isinstance(payload, dict):
            return _answer(400, 'The body must be a JSON object, such as {"trigger": "new billing data available"}')
        too_deep = depth_problem(payload)
        if too_deep is not None:
            return too_deep
        query = dict((key, value) for key, value in request.query.items() if key != 'code')
        received = datetime.datetime.now(datetime.timezone.utc).isoformat().replace('+00:00', 'Z')
        trigger = str(payload.get('trigger') or '')
        event = dict(payload=payload, meta=dict(endpoint=request.path, query=query, received_at=received,
                                                test=trigger.lower().startswith('test')))
        # The portal's 200 is sent once the event is on ansible-rulebook's queue (it holds one event at a time).
        await queue.put(event)
        LOGGER.info('billing notification to %s: %s', request.path, trigger or '(no trigger)')
        return web.json_response(dict(status='accepted'))

    async def not_allowed(_request):
        return _answer(405, 'Only POST is accepted (the portal\'s billing notification)', close=True)

    app = web.Application(client_max_size=config['max_body'])
    app.router.add_route('POST', '/{tail:.*}', receive, expect_handler=expect)
    app.router.add_route('*', '/{tail:.*}', not_allowed)
    return app


def _open_file_limit():
    """The process's soft limit of open files, or None where it cannot be told."""
    try:
        import resource  # pylint: disable=import-outside-toplevel
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return None
    return None if soft == resource.RLIM_INFINITY else soft


async def main(queue, args):
    """Listen until cancelled; each notification with the right code is one event."""
    args = dict(args)
    args.pop('eda_feedback_queue', None)
    config = settings(args)
    redactor = Redactor(config['code'])
    for name in REDACTED_LOGGERS:
        logging.getLogger(name).addFilter(redactor)
    # No access log (it would print the ?code=); aiohttp's errors on SERVER_LOGGER, through the redactor.
    handler_args = dict(access_log=None, logger=SERVER_LOGGER)
    gate = None
    runner = web.AppRunner(make_app(queue, config, proven=lambda request: gate.proven(request.protocol)), **handler_args)
    try:
        await runner.setup()
        gate = Gate(runner, handler_args, config['head_timeout'], config['max_pending'], config['ssl'])
        site = GatedSite(runner, config['host'], config['port'], gate, ssl_context=config['ssl'])
        await site.start()
        LOGGER.info('listening on %s for billing notifications (at most %d connections without the code, each for %ss)',
                    site.name, config['max_pending'], config['head_timeout'])
        files = _open_file_limit()
        if files is not None and config['max_pending'] > files // 2:
            LOGGER.warning('max_pending %d is more than half the open-file limit of this process (%d): connections that '
                           'do not show the code could still use up its files; lower max_pending or raise the limit',
                           config['max_pending'], files)
        await asyncio.Future()
    finally:
        await runner.cleanup()
        for name in REDACTED_LOGGERS:
            logging.getLogger(name).removeFilter(redactor)


if __name__ == '__main__':

    class _PrintQueue:
        async def put(self, event):
            print(json.dumps(event), flush=True)

    asyncio.run(main(_PrintQueue(), dict(port=int(os.environ.get('PORT', '5000')))))
