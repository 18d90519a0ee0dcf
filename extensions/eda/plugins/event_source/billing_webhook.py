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
    Any other argument is refused: the listener does not start.

Use a code of letters, digits, '-', '_' or '.' (for example `openssl rand -hex 24`): the code is compared as sent,
percent-decoding only, so a '+' in it stays a '+'.

What the portal gets back: 100 Continue to its "Expect: 100-continue" once the code is right (a missing code is
answered 401 and a wrong one 403 at once, before the body is sent, and no event is made; without Expect, the same
answers); 415 for a body that is not JSON (before the body too), 400 for JSON that is not an object, 413 for a body
over max_body, 405 for another method than POST; 200 with {"status": "accepted"} for a notification, which is then
on the queue.

Each event: {"payload": <the JSON body, e.g. {"trigger": "new billing data available"}>, "meta": {"endpoint":
<the path>, "query": <the query parameters but the code>, "received_at": <UTC time>, "test": <true for the portal's
Test button>}}. The code is never logged, and the access log leaves the query out.

Example:
    sources:
      - cloutility.cloutility.billing_webhook:
          port: 5000
          code: "{{ CLOUTILITY_WEBHOOK_CODE }}"   # ansible-rulebook --env-vars CLOUTILITY_WEBHOOK_CODE
"""

from __future__ import annotations

import asyncio
import datetime
import hmac
import json
import logging
import os
import ssl
from urllib.parse import unquote

from aiohttp import web

LOGGER = logging.getLogger('cloutility.billing_webhook')
DEFAULT_MAX_BODY = 64 * 1024
CODE_VARIABLE = 'CLOUTILITY_WEBHOOK_CODE'
ARGUMENTS = ('host', 'port', 'code', 'certfile', 'keyfile', 'max_body')


def _answer(status, message, close=False):
    response = web.json_response(dict(status=status, message=message), status=status)
    if close:
        response.force_close()  # the body was not read: the connection cannot carry another request
    return response


def settings(args, environ=None):
    """The listener's arguments, checked before it listens (ValueError naming the argument and the fix)."""
    environ = os.environ if environ is None else environ
    unknown = sorted(str(name) for name in args if name not in ARGUMENTS)
    if unknown:
        raise ValueError('unknown argument%s %s; the arguments are %s' % ('s' if len(unknown) > 1 else '', ', '.join(unknown),
                                                                          ', '.join(ARGUMENTS)))
    code = args.get('code')
    if code is None or (isinstance(code, str) and not code.strip()):
        code = environ.get(CODE_VARIABLE)
    if not isinstance(code, str) or not code.strip():
        raise ValueError('code is required: the shared secret of the portal\'s Post URL (?code=...); give it as the code '
                         'argument or in the environment variable %s' % CODE_VARIABLE)
    try:
        port = int(args.get('port', 5000))
        max_body = int(args.get('max_body', DEFAULT_MAX_BODY))
    except (TypeError, ValueError):
        raise ValueError('port and max_body must be whole numbers, not %r and %r' % (args.get('port'), args.get('max_body')))
    if not 0 <= port <= 65535:
        raise ValueError('port must be from 0 to 65535, not %s' % port)
    if not 2 <= max_body <= 16 * 1024 * 1024:
        raise ValueError('max_body must be from 2 to 16777216 bytes, not %s' % max_body)
    certfile, keyfile = args.get('certfile'), args.get('keyfile')
    if bool(certfile) != bool(keyfile):
        raise ValueError('certfile and keyfile go together: give both for HTTPS, or neither')
    context = None
    if certfile:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(certfile, keyfile)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError('certfile %s / keyfile %s cannot be loaded: %s' % (certfile, keyfile, exc))
    return dict(host=str(args.get('host') or '0.0.0.0'), port=port, code=code.strip(), max_body=max_body, ssl=context)


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


def make_app(queue, config):
    """The aiohttp application: POST on any path, the code checked before 100 Continue and before the body."""

    def refusal(request):
        """What refuses a request before its body: a missing or wrong code, a declared body too large, not JSON."""
        refused = code_problem(request, config['code'])
        if refused is not None:
            LOGGER.warning('refused a notification to %s: %s', request.path, json.loads(refused.text)['message'])
            return refused
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
        if not isinstance(payload, dict):
            return _answer(400, 'The body must be a JSON object, such as {"trigger": "new billing data available"}')
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
        return _answer(405, 'Only POST is accepted (the portal\'s billing notification)')

    app = web.Application(client_max_size=config['max_body'])
    app.router.add_route('POST', '/{tail:.*}', receive, expect_handler=expect)
    app.router.add_route('*', '/{tail:.*}', not_allowed)
    return app


async def main(queue, args):
    """Listen until cancelled; each notification with the right code is one event."""
    args = dict(args)
    args.pop('eda_feedback_queue', None)
    config = settings(args)
    runner = web.AppRunner(make_app(queue, config), access_log=None)  # an access log would print the ?code=
    await runner.setup()
    site = web.TCPSite(runner, config['host'], config['port'], ssl_context=config['ssl'])
    await site.start()
    LOGGER.info('listening on %s://%s:%s for billing notifications', 'https' if config['ssl'] else 'http', config['host'], config['port'])
    try:
        await asyncio.Future()
    finally:
        await runner.cleanup()


if __name__ == '__main__':

    class _PrintQueue:
        async def put(self, event):
            print(json.dumps(event), flush=True)

    asyncio.run(main(_PrintQueue(), dict(port=int(os.environ.get('PORT', '5000')))))
