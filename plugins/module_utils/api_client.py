# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP client for the Cloutility REST API.

Plain Python: it knows nothing of Ansible, so it can be used from a shell::

    client = CloutilityClient('https://portal-api.example.net', 'client-id',
                              'https://origin.example.net', 'user', 'password')
    client.get('bunits')
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import json as _json
import math
import os
import random
import re
import socket
import threading
import time
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the Ansible glue
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint, pattern
from ansible_collections.cloutility.cloutility.plugins.module_utils.locks import DEFAULT_TIMEOUT as DEFAULT_LOCK_TIMEOUT
from ansible_collections.cloutility.cloutility.plugins.module_utils.locks import ControllerLock, LockDirError, LockTimeout, check_lock_dir
from ansible_collections.cloutility.cloutility.plugins.module_utils.token_cache import TokenCache, valid_token

# The write protocol (docs/architecture.md): 429 means the server did nothing, so any request is sent
# again after Retry-After; 502/503/504 and a lost answer are sent again only for requests that are
# safe to repeat; for the others the error is marked ``uncertain`` and the engine re-reads.
THROTTLED = 429
TRANSIENT_STATUSES = (502, 503, 504)
RETRY_STATUSES = (THROTTLED,) + TRANSIENT_STATUSES
DEFAULT_RETRIES = 5
DEFAULT_RETRY_MAX_TIME = 60.0
DEFAULT_BACKOFF = 0.5
# Racing controllers (rivals.py): how many seconds after its createdDate a new object surely shows in the portal's lists
# (the race_margin option), and how many page reads per page a consistent read of a list makes at most.
DEFAULT_RACE_MARGIN = 2.0
CONSISTENT_READS = 8
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 30.0
# Every wait is stretched by a random share of up to this much, so forks do not retry in lockstep.
JITTER = 0.5
# How a request failed without an HTTP answer (_failure): each kind has its own number of tries.
REFUSED = 'refused'  # nothing listens at the host and port: never sent
UNKNOWN_HOST = 'unknown host'  # the host name does not resolve: never sent
TLS_MISMATCH = 'tls'  # the certificate is refused, or the server speaks plain HTTP: never sent
CONNECT_TIMEOUT = 'connect timeout'  # no connection within the timeout (packets dropped): never sent
READ_TIMEOUT = 'read timeout'  # sent, and no answer within the timeout
LOST = 'lost'  # any other connection failure (reset, closed without an answer): may have been sent
# The hopeless fail in seconds: at most this many tries after the first, after short waits (0.5 s, then 1 s, jittered:
# at most 2.25 s in all), not the whole budget. A timeout costs ``timeout`` seconds per try: one more try, no more.
FAST_FAIL_RETRIES = 2
FAST_FAIL_BACKOFF = 0.5
TIMEOUT_RETRIES = 1
RETRY_LIMITS = {REFUSED: FAST_FAIL_RETRIES, UNKNOWN_HOST: FAST_FAIL_RETRIES, TLS_MISMATCH: FAST_FAIL_RETRIES,
                CONNECT_TIMEOUT: TIMEOUT_RETRIES, READ_TIMEOUT: TIMEOUT_RETRIES}
# A wait of at least this long (or a try that took this long before failing) is said through the wait hook.
WAIT_LINE_MIN = 2.0
# Renew a token a little before the server says it expires, so a call made just before expiry
# does not race it: a tenth of its lifetime, at most EXPIRY_MARGIN seconds. A fixed margin would
# renew a short-lived token (20 s or less) before nearly every call.
EXPIRY_MARGIN = 20
EXPIRY_FRACTION = 0.1
DEFAULT_TOKEN_LIFETIME = 299
# Answers of the token endpoint that mean "no OAuth endpoint here": the URL is wrong, not the password.
WRONG_ENDPOINT_STATUSES = (404, 405)
# What an SSL library says when the other side speaks plain HTTP, not TLS.
PLAIN_HTTP_MARKERS = ('wrong version number', 'record layer failure', 'packet length too long', 'unknown protocol',
                      'http request', 'wrong_version_number', 'record_layer_failure')
CONNECTION_OPTIONS = ('api_url', 'client_id', 'origin', 'username', 'password')
# The API's GET endpoints that act (the one place that knows them): check mode never sends them,
# a caller never repeats them blindly, and sending one is a change. Paths relative to /v1, no query.
SIDE_EFFECT_GETS = (
    pattern('node_activate'),  # activates a backup node
)
SAFE_METHODS = ('GET', 'HEAD', 'OPTIONS')
# The endpoints whose answer is a string, which a portal may send bare (not as a JSON string): the node's
# suggested name, the activation answer (the name) and the API version. Every other 2xx with a body is JSON.
TEXT_ANSWERS = (
    pattern('node_spname', 'node_activate', 'version'),
)
TOKEN_PATH = endpoint('token')
# What a request reads: any JSON answer (or none where none is due), a collection (a list, or a page whose
# ``items`` is a list), which collect() and get_all() ask for on every page, or one object (get_object()).
ANY_ANSWER = 'any'
COLLECTION = 'collection'
PAGE = 'page'  # a page after the first: an object whose ``items`` is a list
OBJECT = 'object'  # a JSON object (get_object: a consumer, a node, a report, the business unit tree)
JSON_TYPES = {list: 'list', str: 'string', int: 'number', float: 'number', bool: 'boolean', type(None): 'null'}
BODY_EXCERPT = 120
SECRET_IN_BODY = re.compile(r'("[^"]*(?:password|secret|token)[^"]*"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\]\s]*)', re.IGNORECASE)


def normalize_path(path):
    """The path a portal serves, from a path as written (relative to /v1, without its query): percent-escapes decoded
    until nothing changes (``%2561`` is ``a``), backslashes and runs of slashes as one slash, ``.`` segments dropped,
    a leading ``v1/`` removed. Letter case is kept (the portal ignores it: compare case-insensitively); ``..``
    segments are kept for the caller to refuse (raw_api.api_path)."""
    text = str(path or '')
    for _round in range(10):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    text = text.replace('\\', '/')
    parts = [part for part in text.split('/') if part not in ('', '.')]
    if parts and parts[0].lower() == 'v1':
        parts = parts[1:]
    return '/'.join(parts)


def has_side_effect(method, path):
    """Whether a request may change something on the portal: any write, and the GETs that act.

    Judged on the path the portal serves (normalize_path), so ``node/%61ctivate`` or ``NODE//Activate`` is the activation."""
    if method.upper() not in SAFE_METHODS:
        return True
    path = normalize_path(path.split('?', 1)[0]).split('?', 1)[0]  # a decoded '?' cuts too: in doubt, it acts
    return any(pattern.match(path) for pattern in SIDE_EFFECT_GETS)


def answers_text(path):
    """Whether the endpoint at ``path`` answers a string, which may come bare instead of as JSON."""
    path = normalize_path(path.split('?', 1)[0])
    return any(pattern.match(path) for pattern in TEXT_ANSWERS)


def expiry_margin(lifetime):
    """Seconds before expiry from which a token of ``lifetime`` seconds counts as expired."""
    if not lifetime or lifetime <= 0:
        return EXPIRY_MARGIN
    return min(EXPIRY_MARGIN, lifetime * EXPIRY_FRACTION)


class CloutilityError(Exception):
    """Base of every error the collection raises on purpose; str() is for people."""


class CloutilityApiError(CloutilityError):
    """An HTTP call failed. ``status`` is None when no HTTP answer came at all.

    ``path`` is the path below the API's base (``/v1/...``), ``url`` the full URL the call went to;
    the message names the full URL, so a wrong ``api_url`` shows. ``hint`` says what to check.
    ``uncertain`` is true when a request that is not safe to repeat got no clear answer (none, or a 5xx):
    it may or may not have taken effect, and only a re-read can tell.
    """

    def __init__(self, method, path, status=None, message=None, developer_message=None, reason=None, url=None, hint=None,
                 uncertain=False, tries=1, elapsed=None):
        self.method = method
        self.path = path
        self.url = redact_url(url or path)
        self.status = status
        self.message = message
        self.developer_message = developer_message
        self.reason = reason
        self.uncertain = uncertain
        self.hint = hint
        # How often the request was sent and over how long (seconds from the first try to the failure).
        self.tries = tries
        self.elapsed = elapsed
        super().__init__(self._describe())

    def as_result(self):
        """The failed request as a module result shows it (``api_error``), so a playbook can branch on the status."""
        return dict(method=self.method, path=self.path, url=self.url, status=self.status, message=self.message,
                    developer_message=self.developer_message)

    def mark_uncertain(self):
        self.uncertain = True
        self.args = (self._describe(),)
        return self

    def after_tries(self, tries, elapsed):
        """Record that the request was sent ``tries`` times over ``elapsed`` seconds (the message says so when more than once)."""
        self.tries, self.elapsed = tries, elapsed
        self.args = (self._describe(),)
        return self

    def __str__(self):
        return self._describe()

    def _describe(self):
        text = redact_url(self._describe_failure())
        if self.tries and self.tries > 1 and self.elapsed is not None:
            text += ' (after %d tries over %.1f s)' % (self.tries, self.elapsed)
        return '%s; %s' % (text, self.hint) if self.hint else text

    def _describe_failure(self):
        where = '%s %s' % (self.method, self.url)
        if self.status is None:
            text = '%s failed: %s' % (where, self.reason or 'no response')
            return text + (' (uncertain whether it took effect)' if self.uncertain else '')
        text = '%s failed with HTTP %s' % (where, self.status)
        if self.reason:
            text += ' %s' % self.reason
        details = [part for part in (self.message, self.developer_message) if part]
        if len(details) == 2 and details[0] == details[1]:
            details = details[:1]
        if details:
            text += ': ' + details[0] + (' (%s)' % details[1] if len(details) > 1 else '')
        if self.uncertain:
            text += ' (uncertain whether it took effect)'
        return text

    # The two kinds of 404, told apart here for every module and plugin.
    @property
    def route_missing(self):
        """404 because this portal has no such route (ASP.NET Web API: "No HTTP resource was found that
        matches the request URI ..."): a portal version without the endpoint, or a wrong URL. Always an error."""
        if self.status != 404:
            return False
        text = ' '.join(str(part) for part in (self.message, self.developer_message) if part).lower()
        return any(marker in text for marker in NO_ROUTE_MARKERS)

    @property
    def not_found(self):
        """404 for a route that exists: no such object, or no data (no report in a range, an empty audit log)."""
        return self.status == 404 and not self.route_missing


# How a portal says a route does not exist: ASP.NET Web API's routing answer, and IIS's own 404 pages.
NO_ROUTE_MARKERS = ('no http resource was found that matches the request uri', 'no type was found that matches the controller',
                    'the resource cannot be found', 'http error 404.0')


class CloutilityLockTimeout(CloutilityError, LockTimeout):
    """A controller lock stayed with one holder for longer than ``lock_timeout``: the message names the object and the
    holder (pid, host, user) when it said who it is. A clean task failure, never a traceback."""


# What the parts of an object lock's key name (reconcile.object_lock, consumer_lock_key): the kind, then its name or id.
LOCK_KINDS = {'consumer': 'consumption unit', 'bunit': 'business unit', 'invoicefile': 'invoice file'}


def lock_what(key):
    """The object a controller lock's ``key`` stands for, for people: ``the lock on consumption unit 'web01' (in business
    unit 7)``, ``the lock on consumption unit id 12``; the parts as they are for another key."""
    parts = list(key)
    for index, part in enumerate(parts):
        if isinstance(part, str) and part in LOCK_KINDS and index + 1 < len(parts):
            name = parts[index + 1]
            text = 'the lock on %s %s' % (LOCK_KINDS[part], "'%s'" % name if isinstance(name, str) else 'id %s' % name)
            if index > 0:
                text += ' (in business unit %s)' % parts[index - 1]
            return text
    return 'the lock on %s' % ' / '.join(str(part) for part in parts)


class CloutilityAuthError(CloutilityApiError):
    """Login failed: wrong credentials, client id or origin."""


class CloutilityBadAnswer(CloutilityApiError):
    """A 2xx whose body is not what the endpoint returns: not JSON (an HTML maintenance page from a proxy), JSON
    cut short, no body where one is due, or another shape than a collection where collect() needs one.

    It is never read as "no objects": a GET is sent again like after a 5xx, then fails; a request that is not safe
    to repeat is ``uncertain`` (the write may have taken effect). ``content_type`` and ``excerpt`` (the first bytes
    of the body, secrets masked) are in the message."""

    def __init__(self, method, path, status=None, problem=None, content_type=None, excerpt=None, **kwargs):
        self.problem = problem
        self.content_type = content_type
        self.excerpt = excerpt
        super().__init__(method, path, status=status, message=problem, **kwargs)

    def _describe_failure(self):
        text = '%s %s answered HTTP %s (%s) with %s' % (self.method, self.url, self.status, self.content_type or 'no content type',
                                                        self.problem)
        if self.excerpt is not None:
            text += '; the body begins: %s' % self.excerpt
        if self.uncertain:
            text += ' (uncertain whether it took effect)'
        return text


# User information in a URL (``scheme://user:password@``), wherever it appears in a text: redact_url hides it.
USERINFO_IN_URL = re.compile(r'(?i)\b([a-z][a-z0-9+.-]*://)([^\s/?#]*)@')
API_URL_EXAMPLE = 'https://portal-api.example.net/v1'


def redact_url(text):
    """``text`` with the user information of every URL in it replaced by ``***`` (``https://***@host/v1``): the one
    redaction of URLs, applied wherever the client builds a message that names a URL."""
    return USERINFO_IN_URL.sub(lambda match: match.group(1) + '***@', str(text))


def url_secrets(text):
    """The user information of every URL in ``text`` (as written and decoded) and the password part of each: the values
    to mask wherever ``text`` is repeated (found as redact_url finds them)."""
    found = set()
    for match in USERINFO_IN_URL.finditer(str(text or '')):
        for userinfo in (match.group(2), unquote(match.group(2))):
            found.update(part for part in (userinfo, userinfo.partition(':')[2]) if part)
    return found


def api_url_problem(value):
    """What is wrong with ``value`` as ``api_url`` (said after the option's name), or None: the one rule, checked on the
    option itself (connection_options.CONNECTION_SPEC: every module, plugin and event source) and by the client.

    The API base URL is ``http(s)://host[:port][/path]``: a scheme and a host, no user information (a password in the
    URL would be printed in every message, event and bookmark that names it), no query, no fragment. The message never
    repeats a value that holds an ``@``."""
    text = str(value if value is not None else '').strip()
    if not text:
        return 'is required: the Cloutility API base URL, for example %s' % API_URL_EXAMPLE
    shown = text if '@' not in text else '(not shown: it holds an @)'
    try:
        parts = urlsplit(text)
        bad_port = parts.port == 0  # urlsplit raises ValueError for a port that is no number or out of range
    except ValueError:
        parts, bad_port = None, True
    if parts is not None and ('@' in parts.netloc or (not parts.netloc and '@' in text)):
        return ('must not hold a user name or password (user:password@ before the host): put the user in username and the '
                'password in password (or CLOUTILITY_USERNAME and CLOUTILITY_PASSWORD), and give api_url as the bare base URL, '
                'for example %s' % API_URL_EXAMPLE)
    if parts is None or bad_port:
        return "has no valid port, got '%s'; give the API base URL, for example %s" % (shown, API_URL_EXAMPLE)
    if parts.scheme.lower() not in ('http', 'https'):
        return "must start with http:// or https://, got '%s'" % shown
    if not parts.hostname:
        return "has no host, got '%s'; give the API base URL, for example %s" % (shown, API_URL_EXAMPLE)
    if parts.query or text.endswith('?'):
        return "must not have a query (?...), got '%s'; give the API base URL, for example %s" % (shown, API_URL_EXAMPLE)
    if parts.fragment or '#' in text:
        return "must not have a fragment (#...), got '%s'; give the API base URL, for example %s" % (shown, API_URL_EXAMPLE)
    return None


def normalize_base_url(api_url):
    """Accept the base with or without a trailing /v1 and return '<base>/v1/'; CloutilityError for a URL api_url_problem refuses."""
    problem = api_url_problem(api_url)
    if problem:
        raise CloutilityError('api_url %s' % problem)
    url = str(api_url).strip().rstrip('/')
    if not url.lower().endswith('/v1'):
        url += '/v1'
    return url + '/'


def _excerpt(text, limit=200):
    text = re.sub(r'<[^>]+>', ' ', text or '')
    text = ' '.join(text.split())
    return text[:limit] + ('...' if len(text) > limit else '')


def is_collection(body):
    """A list, or a page whose ``items`` is a list."""
    return isinstance(body, list) or (isinstance(body, dict) and isinstance(body.get('items'), list))


def _body_excerpt(content, limit=BODY_EXCERPT):
    """The first bytes of an answer for a message: whitespace collapsed, values of secret keys masked."""
    text = content.decode('utf-8', 'replace') if isinstance(content, bytes) else str(content or '')
    text = ' '.join(text[:limit * 4].split())
    text = SECRET_IN_BODY.sub(lambda match: match.group(1) + '"********"', text)
    return repr(text[:limit] + ('...' if len(text) > limit else ''))


def _what_is_wrong(content, content_type):
    """Why a body that should be JSON is not: a page, JSON cut short, or other text."""
    text = content.decode('utf-8', 'replace').strip() if isinstance(content, bytes) else str(content).strip()
    if 'html' in (content_type or '').lower() or text[:1] == '<':
        return 'an HTML page, not the JSON the endpoint returns'
    if text[:1] in ('{', '[', '"'):
        try:
            _json.loads(text)
        except ValueError as exc:
            if getattr(exc, 'pos', 0) >= len(text) - 1 or 'Unterminated' in str(exc):
                return 'JSON cut short'
        return 'a body that is not valid JSON'
    return 'a body that is not JSON'


def _retry_after_seconds(response, default):
    """Seconds the server asks to wait (``Retry-After`` as seconds or an HTTP date, capped), else ``default``."""
    value = response.headers.get('Retry-After') if response is not None else None
    if value:
        value = value.strip()
        try:
            seconds = float(value)
        except ValueError:
            try:
                seconds = parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError, IndexError, OverflowError):
                return default
        return min(max(seconds, 0.0), MAX_RETRY_AFTER)
    return default


def _seconds(value):
    """Seconds for a message: ``30``, ``2.5``."""
    return ('%.1f' % value).rstrip('0').rstrip('.')


def _jittered(seconds):
    return seconds * (1 + JITTER * random.random())


# What the code running a client on the controller wants told about long waits (wait_hook): a callable taking one
# line of text, or None. The client's own ``on_wait`` comes first.
_WAIT_HOOK = None


def set_wait_hook(hook):
    """Send the line of every long wait of every client without its own ``on_wait`` to ``hook`` (None: to nobody);
    returns the hook it replaces. The in-process runner sets it to Ansible's ``-v`` output while a module runs."""
    global _WAIT_HOOK  # pylint: disable=global-statement
    previous, _WAIT_HOOK = _WAIT_HOOK, hook
    return previous


@contextlib.contextmanager
def wait_hook(hook):
    """``set_wait_hook(hook)`` for the duration of a ``with`` block, then the previous hook again."""
    previous = set_wait_hook(hook)
    try:
        yield
    finally:
        set_wait_hook(previous)


def _causes(exc):
    """``exc`` and every exception behind it (cause, context, urllib3's ``reason``, exceptions among the arguments)."""
    found, todo = [], [exc]
    while todo and len(found) < 20:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or any(current is seen for seen in found):
            continue
        found.append(current)
        todo.extend([current.__cause__, current.__context__, getattr(current, 'reason', None)])
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return found


def _failure(exc):
    """How a request failed without an answer: ``(kind, sent)``, ``sent`` False when it certainly never left
    (no connection was made: refused, unknown host, connect timeout, a TLS handshake refused), so it is safe to send
    again whatever it is, a POST included."""
    causes = _causes(exc)
    text = ' '.join(str(cause) for cause in causes)
    if isinstance(exc, requests.exceptions.ProxyError):
        return LOST, True
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return CONNECT_TIMEOUT, False
    if isinstance(exc, requests.exceptions.Timeout):
        return READ_TIMEOUT, True
    if isinstance(exc, requests.exceptions.SSLError):
        lowered = text.lower()
        if 'certificate verify failed' in lowered or any(marker in lowered for marker in PLAIN_HTTP_MARKERS):
            return TLS_MISMATCH, False
        return LOST, True
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return LOST, True
    # urllib3's NewConnectionError (NameResolutionError is one): raised while connecting, before anything is sent.
    not_connected = any(type(cause).__name__ in ('NewConnectionError', 'NameResolutionError') for cause in causes)
    if any(isinstance(cause, socket.gaierror) or type(cause).__name__ == 'NameResolutionError' for cause in causes) \
            or any(marker in text for marker in ('Name or service not known', 'nodename nor servname', 'getaddrinfo failed',
                                                 'Failed to resolve', 'No address associated')):
        return UNKNOWN_HOST, not not_connected
    if any(isinstance(cause, ConnectionRefusedError) or getattr(cause, 'errno', None) == errno.ECONNREFUSED for cause in causes) \
            or 'refused' in text:
        return REFUSED, not not_connected
    return LOST, not not_connected


class CloutilityClient:
    """A session against one Cloutility account.

    Logs in lazily (a cached token from an earlier task with the same URL, client id, origin,
    user and password is reused), refreshes or logs in again on expiry or a 401, retries calls
    that are safe to repeat, and walks paged collections to the end.
    """

    def __init__(self, api_url, client_id, origin, username, password, validate_certs=True,
                 timeout=30, token_cache=True, retries=DEFAULT_RETRIES, backoff=DEFAULT_BACKOFF, cache_dir=None,
                 pool_size=None, retry_max_time=DEFAULT_RETRY_MAX_TIME, lock_dir=None, on_wait=None, lock_timeout=None, on_warning=None,
                 race_margin=None):
        if not HAS_REQUESTS:
            raise CloutilityError('The Python library requests is required: %s' % REQUESTS_IMPORT_ERROR)
        given = dict(api_url=api_url, client_id=client_id, origin=origin, username=username, password=password)
        missing = [name for name in CONNECTION_OPTIONS if given[name] is None or not str(given[name]).strip()]
        if missing:
            raise CloutilityError('Missing connection options: %s (set them, or the environment variables %s)'
                                  % (', '.join(missing), ', '.join('CLOUTILITY_%s' % name.upper() for name in missing)))
        try:
            timeout = float(timeout)
        except (TypeError, ValueError):
            timeout = 0
        if not timeout > 0:
            raise CloutilityError('timeout must be a number of seconds greater than zero')
        self.base_url = normalize_base_url(api_url)
        # A lock folder several controllers share (the lock_dir option): the object locks and the first-login lock
        # are taken there; None means the user's private folder. Checked now: an unsafe one fails before any request.
        self.lock_dir = None
        if lock_dir is not None and str(lock_dir).strip():
            try:
                self.lock_dir = check_lock_dir(str(lock_dir))
            except LockDirError as exc:
                raise CloutilityError(str(exc))
        self.client_id = client_id
        self.origin = origin
        self.username = username
        self._password = password
        self.timeout = timeout
        self.retries = max(int(DEFAULT_RETRIES if retries is None else retries), 0)
        self.retry_max_time = max(float(DEFAULT_RETRY_MAX_TIME if retry_max_time is None else retry_max_time), 0.0)
        # The most seconds one holder may keep a controller lock this client waits for (CloutilityLockTimeout after).
        self.lock_timeout = max(float(DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout), 0.1)
        # Told each warning of the client (a lock of another user in lock_dir not waited on), one line; every warning is
        # also kept in ``warnings``. Never a secret in the line.
        self.on_warning = on_warning
        self.warnings = []
        self.backoff = backoff
        self.race_margin = max(float(DEFAULT_RACE_MARGIN if race_margin is None else race_margin), 0.0)
        self.session = requests.Session()
        self.session.verify = validate_certs
        # requests reads the proxy and CA bundle variables of the environment (and ~/.netrc) again for every
        # request, about a millisecond each time: read them once, for the portal's URL, as requests would.
        self.session.trust_env = False
        self.session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
        if validate_certs is True:
            self.session.verify = os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or True
        self.session.headers.update({'Origin': origin, 'Accept': 'application/json'})
        if pool_size:
            # Threads of one task (concurrency.map_bounded) share this session: one keep-alive
            # connection per worker instead of requests' default of 10.
            adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=int(pool_size))
            self.session.mount('https://', adapter)
            self.session.mount('http://', adapter)
        # One token for every thread of this client: only one of them logs in or refreshes.
        self._token_lock = threading.RLock()
        self._access_token = None
        self._refresh_token = None
        self._expires_at = 0.0
        self._lifetime = 0.0
        self._cache = TokenCache(cache_dir, lock_dir=self.lock_dir, margin=expiry_margin) if token_cache else None
        self._cache_key = (self.base_url, client_id, origin, username, password)
        # A 429 seen by one thread holds every thread of this client until the portal's Retry-After has passed.
        self._pause_lock = threading.Lock()
        self._paused_until = 0.0
        self._paused_by = None
        self.request_count = 0
        self._portal_clock = None  # (the Date header of the last answer that had one, time.monotonic() when it came)
        # Told one line for each wait of WAIT_LINE_MIN seconds or more (or after a try that took that long), saying
        # what the client waits for; None: the module-wide hook (set_wait_hook), if any. Never a secret in the line.
        self.on_wait = on_wait
        self.login_count = 0

    def controller_lock(self, *key, timeout=None):
        """The controller lock of ``key`` for this account (its URL first): in ``lock_dir`` when one is set, so
        controllers sharing it take turns, else in the user's private folder (the forks of this controller). A holder
        that keeps it ``timeout`` seconds (default ``lock_timeout``) fails the waiter with a CloutilityLockTimeout
        naming the object (lock_what) and the holder."""
        if timeout is None:
            timeout = getattr(self, 'lock_timeout', DEFAULT_LOCK_TIMEOUT)
        return ControllerLock(self.base_url, *key, directory=self.lock_dir, shared=self.lock_dir is not None, timeout=timeout,
                              what=lock_what(key), on_warning=getattr(self, 'warn', None), timeout_error=CloutilityLockTimeout)

    def warn(self, text):
        """Keep a warning (once) and tell ``on_warning``; a failing hook is ignored."""
        if text in self.warnings:
            return
        self.warnings.append(text)
        if self.on_warning is not None:
            try:
                self.on_warning(text)
            except Exception:  # pylint: disable=broad-exception-caught
                pass

    # ------------------------------------------------------------------ auth
    def _token_valid(self):
        return self._access_token is not None and time.time() < self._expires_at - expiry_margin(self._lifetime)

    def _store_token(self, body, method, path):
        token = body.get('access_token') if isinstance(body, dict) else None
        if not valid_token(token):
            # Never the answer itself: it may hold a token.
            raise self._api_error(method, path, status=200, message='the answer holds no usable access_token',
                                  hint='check api_url: it must be the API base URL, for example https://portal-api.example.net/v1',
                                  cls=CloutilityAuthError)
        try:
            expires_in = float(body.get('expires_in') or DEFAULT_TOKEN_LIFETIME)
        except (TypeError, ValueError):
            expires_in = DEFAULT_TOKEN_LIFETIME
        if not math.isfinite(expires_in) or expires_in <= 0:
            expires_in = DEFAULT_TOKEN_LIFETIME
        self._access_token = token
        self._refresh_token = body.get('refresh_token') or self._refresh_token
        self._lifetime = expires_in
        self._expires_at = time.time() + expires_in
        if self._cache:
            self._cache.store(self._cache_key, self._access_token, self._expires_at, expires_in)

    def _grant(self, data):
        """POST /v1/oauth; safe to retry: a grant creates nothing."""
        response, body, tries = self._send('POST', TOKEN_PATH, data=dict(data, client_id=self.client_id), auth=False, retry=True)
        if response.status_code != 200:
            raise self._error('POST', TOKEN_PATH, response).after_tries(*tries)
        return body

    def login(self):
        """Password grant. Raises CloutilityAuthError naming what the server said."""
        self.login_count += 1
        body = self._grant({'grant_type': 'password', 'username': self.username, 'password': self._password})
        self._store_token(body, 'POST', TOKEN_PATH)

    def _refresh(self):
        body = self._grant({'grant_type': 'refresh_token', 'refresh_token': self._refresh_token})
        self._store_token(body, 'POST', TOKEN_PATH)

    def _ensure_token(self):
        if self._token_valid():
            return
        with self._token_lock:
            self._ensure_token_locked()

    def _ensure_token_locked(self):
        if self._token_valid():
            return
        if self._access_token is None and self._use_cached():
            return
        if self._refresh_token:
            try:
                self._refresh()
                return
            except CloutilityAuthError:
                pass
        self._first_login()

    def _use_cached(self):
        """Take a still valid token another task (or fork) stored for this account; True when there was one."""
        cached = self._cache.load(self._cache_key, expiry_margin) if self._cache else None
        if not cached:
            return False
        self._access_token, self._expires_at, self._lifetime = cached
        return True

    def _first_login(self):
        """A password grant, one per account at a time on this controller.

        Forks that start together with no cached token would each log in. The first takes a
        controller lock named by the account's anonymous cache key; the others wait for it, then
        find its token in the cache and send no grant at all.
        """
        account = (self.base_url, self.client_id, self.origin, self.username)  # never the password: a shared lock's name
        lock = self._cache.login_lock(self._cache_key, timeout=self.timeout * (self.retries + 1) + 30, account=account,
                                      on_warning=self.warn) if self._cache else None
        if lock is None:
            self.login()
            return
        try:
            lock.acquire()
        except LockTimeout:
            self.login()  # the holder is stuck: do not wait for ever, log in alone
            return
        try:
            if not self._use_cached():
                self.login()
        finally:
            lock.release()

    def _drop_token(self):
        dropped = self._access_token
        self._access_token = None
        self._expires_at = 0.0
        if self._cache:
            # Only the token that failed: another fork may have stored a newer one meanwhile.
            self._cache.forget(self._cache_key, token=dropped)

    # ------------------------------------------------------------------ HTTP
    def wait_before_retry(self, attempt, started, response=None, limit=None, backoff=None, what=None, why=None, announce=False):
        """Sleep before attempt ``attempt + 1`` and return True, or False when the budget is spent.

        ``limit`` caps the tries after the first below ``retries`` (the hopeless and timeouts: RETRY_LIMITS),
        ``backoff`` is the first wait (doubling from there). A wait of WAIT_LINE_MIN seconds or more, or any when
        ``announce`` (the failed try itself was long), is told to the wait hook in one line: ``what`` names the
        request (``GET https://.../v1/bunits``), ``why`` says why it is sent again (``HTTP 503``)."""
        allowed = self.retries if limit is None else min(self.retries, limit)
        if attempt > allowed:
            return False
        delay = min((self.backoff if backoff is None else backoff) * 2 ** (attempt - 1), MAX_BACKOFF)
        throttled = response is not None and response.status_code == THROTTLED
        if throttled:
            delay = _retry_after_seconds(response, delay)
        delay = _jittered(delay)
        if time.monotonic() - started + delay > self.retry_max_time:
            return False
        if delay >= WAIT_LINE_MIN or announce:
            self._tell_wait(delay, what, why, attempt + 1, allowed + 1)
        if throttled:
            # The portal asked this client to slow down: every thread of it waits, not only this one.
            self._pause(delay)
        time.sleep(delay)
        return True

    def _tell_wait(self, delay, what, why, next_try, most_tries):
        """One line for the wait hook: what the client waits for, how long, which try comes. A failing hook is ignored."""
        hook = self.on_wait or _WAIT_HOOK
        if hook is None:
            return
        if what:
            because = '%s, ' % why if why else ''
            text = 'Cloutility: waiting %.1f s before retrying %s (%stry %d of %d)' % (delay, what, because, next_try, most_tries)
        else:
            text = 'Cloutility: waiting %.1f s before trying again (try %d of %d)' % (delay, next_try, most_tries)
        try:
            hook(text)
        except Exception:  # pylint: disable=broad-exception-caught
            pass

    def _shown_url(self, path):
        """The URL of a request for a wait line: no query, no user information (redact_url)."""
        return redact_url(self.base_url + path.lstrip('/').split('?', 1)[0])

    def _send(self, method, path, params=None, json=None, data=None, files=None, auth=True, retry=True, expect=ANY_ANSWER, what=None,
              keys=()):
        """Send one request under the protocol and read its answer: ``(response, body, (tries, seconds))``, the body
        parsed for answers below 400 (_parse), else None. 429 is always sent again (the server did nothing);
        502/503/504, a lost answer and a 2xx whose body is not what the endpoint returns (CloutilityBadAnswer) are sent
        again only when ``retry`` (safe to repeat), else raised as uncertain; a request that never left (refused,
        unknown host, connect timeout) is sent again whatever it is. Attempts and time bounded by one budget
        (wait_before_retry); the hopeless and timeouts get fewer tries (RETRY_LIMITS). An error raised here says how
        many tries over how long."""
        url = self.base_url + path.lstrip('/')
        request_line = '%s %s' % (method, self._shown_url(path))
        headers = {}
        if auth:
            headers['Authorization'] = 'Bearer %s' % self._access_token
        attempt = 0
        started = time.monotonic()
        while True:
            attempt += 1
            self._wait_while_paused()
            self.request_count += 1
            tried = time.monotonic()
            try:
                response = self.session.request(method, url, params=params, json=json, data=data, files=files,
                                                headers=headers, timeout=self.timeout)
            except requests.exceptions.RequestException as exc:
                kind, sent = _failure(exc)
                fast = kind in (REFUSED, UNKNOWN_HOST, TLS_MISMATCH)
                why = 'no answer within %s s' % _seconds(self.timeout) if kind == READ_TIMEOUT else (
                    'no connection within %s s' % _seconds(self.timeout) if kind == CONNECT_TIMEOUT else kind if fast else 'no answer')
                if (retry or not sent) and self.wait_before_retry(
                        attempt, started, limit=RETRY_LIMITS.get(kind), backoff=FAST_FAIL_BACKOFF if fast else None,
                        what=request_line, why=why, announce=time.monotonic() - tried >= WAIT_LINE_MIN):
                    continue
                reason, hint = self._describe_exception(exc, kind)
                raise self._api_error(method, path, params, reason=reason, hint=hint, uncertain=sent and not retry,
                                      tries=attempt, elapsed=time.monotonic() - started)
            self._note_portal_clock(response)
            status = response.status_code
            if (status == THROTTLED or (retry and status in TRANSIENT_STATUSES)) and self.wait_before_retry(
                    attempt, started, response, what=request_line, why='HTTP %s' % status, announce=time.monotonic() - tried >= WAIT_LINE_MIN):
                continue
            if status >= 400:
                return response, None, (attempt, time.monotonic() - started)
            try:
                return response, self._parse(response, method, path, params, expect, what, keys), (attempt, time.monotonic() - started)
            except CloutilityBadAnswer as exc:
                if retry and self.wait_before_retry(attempt, started, what=request_line, why='HTTP %s with %s' % (status, exc.problem),
                                                    announce=time.monotonic() - tried >= WAIT_LINE_MIN):
                    continue
                if not retry:
                    exc.mark_uncertain()
                raise exc.after_tries(attempt, time.monotonic() - started)

    def _note_portal_clock(self, response):
        """Keep the portal's time from the answer's Date header (RFC 9110: an origin server with a clock sends it)."""
        try:
            stamp = parsedate_to_datetime(response.headers.get('Date'))
        except (TypeError, ValueError, IndexError):
            return
        if stamp.tzinfo is not None:
            self._portal_clock = (stamp, time.monotonic())

    def portal_time(self):
        """The portal's time now (an aware datetime), by the Date header of the last answer plus the time since it came;
        None before an answer with a Date header. Never ahead of the portal by more than the answer's travel: the header
        is cut to the second."""
        clock = self._portal_clock
        if clock is None:
            return None
        return clock[0] + datetime.timedelta(seconds=time.monotonic() - clock[1])

    def _pause(self, seconds):
        """Too many requests: the calling thread sleeps ``seconds``; no other thread of this client sends meanwhile."""
        with self._pause_lock:
            until = time.monotonic() + seconds
            if until > self._paused_until:
                self._paused_until, self._paused_by = until, threading.get_ident()

    def _wait_while_paused(self):
        """Before each request: wait out a pause another thread's 429 started (at most once per pause)."""
        waited_for = None
        while True:
            with self._pause_lock:
                until, owner = self._paused_until, self._paused_by
            delay = until - time.monotonic()
            if delay <= 0 or owner == threading.get_ident() or until == waited_for:
                return
            time.sleep(delay)
            waited_for = until

    def _describe_exception(self, exc, kind=None):
        """``(reason, hint)`` for a request that got no HTTP answer: what happened, and what to check."""
        text = str(exc)
        parts = urlsplit(self.base_url)
        host = parts.hostname or ''
        if kind == REFUSED:
            port = parts.port or (443 if parts.scheme == 'https' else 80)
            return ('connection refused: nothing listens at %s:%s' % (host, port),
                    'check api_url (host and port) and that the portal is running')
        if kind == UNKNOWN_HOST:
            detail = next((cause.strerror for cause in _causes(exc) if isinstance(cause, socket.gaierror) and cause.strerror), None)
            return ('unknown host %s: %s' % (host, detail or 'the name does not resolve'),
                    'check api_url (and the DNS settings if the name is right)')
        if kind == CONNECT_TIMEOUT:
            return ('no connection to %s within %s s' % (self.base_url, _seconds(self.timeout)),
                    'check api_url and that the portal is reachable from here (a firewall may drop the packets)')
        return self._describe_other(exc, text)

    def _describe_other(self, exc, text):
        if isinstance(exc, requests.exceptions.SSLError):
            if any(marker in text.lower() for marker in PLAIN_HTTP_MARKERS):
                return ('TLS handshake with %s failed: the server answers in plain HTTP, not TLS' % self.base_url,
                        'if it is served without TLS, use http:// in api_url')
            if self.session.verify:
                return 'TLS error talking to %s (set validate_certs=false only for a test portal): %s' % (self.base_url, _excerpt(text)), None
            return 'TLS error talking to %s: %s' % (self.base_url, _excerpt(text)), None
        if isinstance(exc, requests.exceptions.Timeout):
            return ('no answer from %s within %s s' % (self.base_url, _seconds(self.timeout)),
                    'raise the timeout option if the portal is slow')
        if isinstance(exc, requests.exceptions.InvalidHeader):
            return 'a request header could not be sent (not shown: it may hold a token)', None
        if isinstance(exc, requests.exceptions.ConnectionError):
            cause = 'connection failed'
            for marker, meaning in (('refused', 'connection refused'), ('Name or service not known', 'host name not found'),
                                    ('getaddrinfo', 'host name not found'), ('timed out', 'connection timed out'),
                                    ('RemoteDisconnected', 'the server closed the connection without an answer'),
                                    ('Connection aborted', 'the connection was dropped before an answer came'),
                                    ('reset', 'the connection was reset')):
                if marker in text:
                    cause = meaning
                    break
            return 'could not connect to the API at %s: %s' % (self.base_url, cause), 'check api_url and that the portal is reachable'
        return _excerpt(text), None

    @staticmethod
    def _display_path(path, params=None):
        shown = '/v1/' + path.lstrip('/')
        if params:
            shown += '?' + '&'.join('%s=%s' % (key, value) for key, value in sorted(params.items()))
        return shown

    def _api_error(self, method, path, params=None, cls=CloutilityApiError, **details):
        """An error naming the full URL: a wrong api_url shows in the message."""
        shown = self._display_path(path, params)
        return cls(method, shown, url=self.base_url + shown[len('/v1/'):], **details)

    def _error(self, method, path, response, params=None):
        message = developer_message = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            message = body.get('message') or body.get('Message') or body.get('error_description') or body.get('error')
            developer_message = body.get('developerMessage') or body.get('DeveloperMessage')
        elif isinstance(body, str):
            message = body
        elif response.text:
            message = _excerpt(response.text)
        hint = None
        if path.lstrip('/') == TOKEN_PATH:
            cls = CloutilityAuthError
            if response.status_code in WRONG_ENDPOINT_STATUSES:
                hint = ('the API has no token endpoint at this URL: check api_url (the API base URL, '
                        'for example https://portal-api.example.net/v1)')
        else:
            cls = CloutilityApiError
        return self._api_error(method, path, params, cls=cls, status=response.status_code, message=message,
                               developer_message=developer_message, reason=response.reason, hint=hint)

    def _parse(self, response, method, path, params=None, expect=ANY_ANSWER, what=None, keys=()):
        """The body of an answer below 400, checked against what the endpoint returns; CloutilityBadAnswer otherwise.

        No body is due for a 204, nor for a write that answers without one (a DELETE); a GET always has one. A body
        is JSON, except a bare string from the endpoints that answer one (TEXT_ANSWERS: never an HTML page or JSON
        cut short). ``expect=COLLECTION``: a list, or a page whose ``items`` is a list. ``expect=OBJECT``: a JSON
        object holding every member of ``keys``; ``what`` names it in the message (``the business unit``)."""
        content = response.content or b''
        if response.status_code == 204 or (not content.strip() and method != 'GET'):
            return None
        if not content.strip():
            raise self._bad_answer(method, path, params, response, 'no body, where the endpoint returns one')
        try:
            body = response.json()
        except ValueError:
            problem = _what_is_wrong(content, response.headers.get('Content-Type'))
            if problem == 'a body that is not JSON' and answers_text(path):
                return content.decode(response.encoding or 'utf-8', 'replace').strip()
            raise self._bad_answer(method, path, params, response, problem)
        if expect in (COLLECTION, PAGE) and not (is_collection(body) and (expect == COLLECTION or isinstance(body, dict))):
            shape = 'a JSON object without an items list' if isinstance(body, dict) else 'a JSON %s' % JSON_TYPES.get(type(body), 'value')
            due = 'a collection (a list, or a page with items)' if expect == COLLECTION else 'the next page of a collection'
            raise self._bad_answer(method, path, params, response, '%s, where %s is due' % (shape, due))
        if expect == OBJECT:
            due = 'a JSON object (%s)' % what if what else 'a JSON object'
            if not isinstance(body, dict):
                raise self._bad_answer(method, path, params, response, 'a JSON %s, where %s is due' % (JSON_TYPES.get(type(body), 'value'), due))
            missing = [key for key in keys if key not in body]
            if missing:
                raise self._bad_answer(method, path, params, response, 'a JSON object without %s, where %s is due'
                                       % (', '.join(missing), due))
        return body

    def _bad_answer(self, method, path, params, response, problem):
        # The token endpoint's answer may hold a token: never shown.
        excerpt = "(not shown: it may hold a token)" if path.lstrip('/') == TOKEN_PATH else _body_excerpt(response.content)
        return self._api_error(method, path, params, cls=CloutilityBadAnswer, status=response.status_code, problem=problem,
                               content_type=response.headers.get('Content-Type'), excerpt=excerpt, reason=response.reason)

    def request(self, method, path, params=None, json=None, files=None, retry=None, expect=ANY_ANSWER, what=None, keys=()):
        """One API call. ``retry`` (safe to repeat after a 5xx or a lost answer) defaults to True for everything
        but POST; pass ``retry=False`` for a GET with side effects (node activation). A request that is not safe
        to repeat and gets no clear answer raises a CloutilityApiError with ``uncertain`` set. A 2xx whose body
        is not what the endpoint returns (``expect``, ``what``, ``keys``: see _parse) is no clear answer: CloutilityBadAnswer.

        ``files`` sends multipart/form-data, as ``requests`` takes it: {'file': (name, content, type)}.
        """
        method = method.upper()
        if retry is None:
            retry = method != 'POST'
        self._ensure_token()
        sent_token = self._access_token
        response, body, tries = self._send(method, path, params=params, json=json, files=files, retry=retry, expect=expect, what=what,
                                           keys=keys)
        if response.status_code == 401:
            # The token expired or was revoked between tasks: one new login, then repeat once.
            with self._token_lock:
                if self._access_token == sent_token:  # no other thread has replaced it yet
                    self._drop_token()
                self._ensure_token_locked()
            response, body, tries = self._send(method, path, params=params, json=json, files=files, retry=retry, expect=expect, what=what,
                                               keys=keys)
        if response.status_code >= 400:
            error = self._error(method, path, response, params).after_tries(*tries)
            if not retry and response.status_code >= 500:
                error.mark_uncertain()
            raise error
        return body

    def get(self, path, params=None):
        return self.request('GET', path, params=params)

    def get_object(self, path, params=None, what=None, keys=()):
        """GET an endpoint that answers one object (a business unit, a consumer, a node, a report, a contract).

        Any other answer (a list, a string, a number, null, or an object without a member of ``keys``, which the
        endpoint always returns) is a CloutilityBadAnswer naming method, URL and ``what`` was due: sent again like a
        5xx, then raised; it is never read as "no object". A 404 is raised as for get() (get_optional maps
        "no such object" to None)."""
        return self.request('GET', path, params=params, expect=OBJECT, what=what, keys=keys)

    def post(self, path, json=None, params=None, retry=None):
        """POST; ``retry=True`` only for a POST whose effect is the same however often it is sent (a password)."""
        return self.request('POST', path, params=params, json=json, retry=retry)

    def put(self, path, json=None, params=None):
        return self.request('PUT', path, params=params, json=json)

    def delete(self, path, params=None):
        return self.request('DELETE', path, params=params)

    def get_all(self, path, params=None, limit=None):
        """Every item of a collection (at most ``limit``), following ``total``/``offset`` paging to the end."""
        items, _first = self.collect(path, params, limit)
        return items

    def consistent_list(self, path, params=None):
        """Every item of a collection that existed while it was read, from a walk known to have skipped none (rivals.py
        invariant 1), though others create and delete while it reads.

        A create or delete before the offset moves the later items by one place between two page reads, so a plain walk
        skips an item (or sees one twice), and ``total`` may not show it (a delete and a create cancel out). This walk
        asks each page to start ``overlap`` items before where the last one ended and takes it only when it holds an item
        already read (the anchor: nothing between was skipped); a page without one (the list moved by more) is asked
        again with a wider overlap, then from further back. Every id once; an item without an id, or an id twice in one answer, is a bad list. An
        item created during the walk may be missing (it is newer than the walk). One page that holds the whole list is
        one answer: read once. Bounded: CONSISTENT_READS times the pages, then a CloutilityError, never a guess.
        Rests on the list having a fixed order (by id, name or date), which creates and deletes only shift.
        """
        params = dict(params or {})
        first = self.request('GET', path, params=params or None, expect=COLLECTION)
        if isinstance(first, list):
            return self._whole_page(path, params, first)
        got = self._whole_page(path, params, first['items'])
        items = list(got)
        seen = set(item['id'] for item in items)
        total, size = first.get('total'), len(got)
        if not got or total is None or size >= int(total):
            return items
        overlap = min(max(2, size // 4), max(size - 1, 1))
        budget = CONSISTENT_READS * (int(total) // size + 2)
        end, back, asked = size, 0, 1
        while asked < budget:
            offset = max(end - overlap - back, 0)
            page = self.request('GET', path, params=dict(params, offset=offset), expect=PAGE)
            asked += 1
            if offset and page.get('offset') is not None and int(page['offset']) != offset:
                problem = 'page offset %s instead of the offset %d asked for (the portal ignores offset)' % (page['offset'], offset)
                raise self._api_error('GET', path, dict(params, offset=offset), cls=CloutilityBadAnswer, status=200,
                                      content_type='application/json', problem=problem)
            got = self._whole_page(path, dict(params, offset=offset), page['items'])
            if offset and not any(item['id'] in seen for item in got):
                # The list moved by more than the overlap since the page before: a wider overlap, then further back.
                if overlap < size - 1:
                    overlap = min(size - 1, 2 * overlap)
                else:
                    back += size
                continue
            back = 0
            for item in got:
                if item['id'] not in seen:
                    seen.add(item['id'])
                    items.append(item)
            if len(got) < size:
                return items
            end = offset + len(got)
        raise CloutilityError('GET %s: the list moved too much while it was read (%d page reads) to be read whole; no decision '
                              'is made on a part of it. Run again when fewer writers are at work' % (self._display_path(path, params), asked))

    def _whole_page(self, path, params, items):
        """A page's items, each with an id, none twice: else a CloutilityBadAnswer (one answer is one moment)."""
        ids = [item.get('id') if isinstance(item, dict) else None for item in items]
        if None in ids or len(set(ids)) != len(ids):
            raise self._api_error('GET', path, params or None, cls=CloutilityBadAnswer, status=200, content_type='application/json',
                                  problem='a page with an item without an id, or an id twice')
        return items

    def collect(self, path, params=None, limit=None, require=True):
        """Walk a collection's pages: ``(items, first answer)``.

        Every page must be a collection (a list, or a page whose ``items`` is a list): any other answer is a
        CloutilityBadAnswer, sent again like a 5xx, then raised; a read never ends with a partial or empty list
        made of a bad answer. ``require=False`` (cloutility_api's follow_pages, which reads any endpoint) takes a
        first answer that is no collection as ``(None, answer)``; the pages after it are checked all the same.
        """
        params = dict(params or {})
        if limit is not None:
            params['limit'] = limit
        first = page = self.request('GET', path, params=params or None, expect=COLLECTION if require else ANY_ANSWER)
        if isinstance(page, list):  # some endpoints answer a bare list
            return (page[:limit] if limit is not None else page), first
        if not is_collection(page):
            return None, first
        items = []
        while True:
            page_items = page['items']
            requested = int(params.get('offset', 0))
            if requested and page.get('offset') is not None and int(page['offset']) != requested:
                # The server ignored the offset we asked for: the rest cannot be read, and a part is not the list.
                problem = ('page offset %s instead of the offset %d asked for, so the items past the first %d of %s cannot be '
                           'read (the portal ignores offset)' % (page['offset'], requested, len(items), page.get('total')))
                raise self._api_error('GET', path, params, cls=CloutilityBadAnswer, status=200, content_type='application/json',
                                      problem=problem)
            items.extend(page_items)
            if limit is not None and len(items) >= limit:
                return items[:limit], first
            total = page.get('total')
            if not page_items or total is None or len(items) >= int(total):
                return items, first
            params['offset'] = requested + len(page_items)
            if limit is not None:
                params['limit'] = limit - len(items)
            page = self.request('GET', path, params=params, expect=PAGE)


def get_optional(client, path, params=None, what=None, keys=()):
    """GET an object that may not exist: None when the portal answers that it has none (404).

    A 404 saying the route itself does not exist (``CloutilityApiError.route_missing``) is raised:
    a missing endpoint must never pass for missing data. A 2xx must be the object (``client.get_object``:
    ``what`` names it, ``keys`` are members it always has): a list, a string or a number is a
    CloutilityBadAnswer, never None.
    """
    try:
        return client.get_object(path, params=params, what=what, keys=keys)
    except CloutilityApiError as exc:
        if exc.not_found:
            return None
        raise


def collect_optional(client, path, params=None, limit=None):
    """``client.collect`` for a collection a portal may answer with 404 when it holds nothing
    (reports in a range, audit log entries, jobs): ``([], None)`` then. A missing route is raised."""
    try:
        return client.collect(path, params, limit)
    except CloutilityApiError as exc:
        if exc.not_found:
            return [], None
        raise


def get_all_optional(client, path, params=None, limit=None):
    """Every item of such a collection; [] when the portal answers 404 for an empty one."""
    items, _answer = collect_optional(client, path, params, limit)
    return items or []
