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

import re
import threading
import time

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the Ansible glue
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.cloutility.cloutility.plugins.module_utils.token_cache import TokenCache

RETRY_STATUSES = (429, 502, 503, 504)
DEFAULT_RETRIES = 3
MAX_RETRY_AFTER = 30.0
# Refresh a token this many seconds before the server says it expires, so a call
# made just before expiry does not race it.
EXPIRY_MARGIN = 20


class CloutilityError(Exception):
    """Base of every error the collection raises on purpose; str() is for people."""


class CloutilityApiError(CloutilityError):
    """An HTTP call failed. ``status`` is None when no HTTP answer came at all."""

    def __init__(self, method, path, status=None, message=None, developer_message=None, reason=None):
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        self.developer_message = developer_message
        self.reason = reason
        super().__init__(self._describe())

    def _describe(self):
        where = '%s %s' % (self.method, self.path)
        if self.status is None:
            return '%s failed: %s' % (where, self.reason or 'no response')
        text = '%s failed with HTTP %s' % (where, self.status)
        if self.reason:
            text += ' %s' % self.reason
        details = [part for part in (self.message, self.developer_message) if part]
        if len(details) == 2 and details[0] == details[1]:
            details = details[:1]
        if details:
            text += ': ' + details[0] + (' (%s)' % details[1] if len(details) > 1 else '')
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


class CloutilityAuthError(CloutilityApiError):
    """Login failed: wrong credentials, client id or origin."""


def normalize_base_url(api_url):
    """Accept the base with or without a trailing /v1 and return '<base>/v1/'."""
    if not api_url:
        raise CloutilityError('api_url is required: the Cloutility API base URL, for example https://portal-api.example.net/v1')
    url = api_url.strip().rstrip('/')
    if not re.match(r'^https?://', url, re.IGNORECASE):
        raise CloutilityError("api_url must start with http:// or https://, got '%s'" % api_url)
    if not url.lower().endswith('/v1'):
        url += '/v1'
    return url + '/'


def _excerpt(text, limit=200):
    text = re.sub(r'<[^>]+>', ' ', text or '')
    text = ' '.join(text.split())
    return text[:limit] + ('...' if len(text) > limit else '')


def _retry_after_seconds(response, default):
    value = response.headers.get('Retry-After') if response is not None else None
    if value:
        try:
            return min(max(float(value), 0.0), MAX_RETRY_AFTER)
        except ValueError:
            pass
    return default


class CloutilityClient:
    """A session against one Cloutility account.

    Logs in lazily (a cached token from an earlier task with the same URL, client id, origin,
    user and password is reused), refreshes or logs in again on expiry or a 401, retries calls
    that are safe to repeat, and walks paged collections to the end.
    """

    def __init__(self, api_url, client_id, origin, username, password, validate_certs=True,
                 timeout=30, token_cache=True, retries=DEFAULT_RETRIES, backoff=0.5, cache_dir=None,
                 pool_size=None):
        if not HAS_REQUESTS:
            raise CloutilityError('The Python library requests is required: %s' % REQUESTS_IMPORT_ERROR)
        missing = [name for name, value in (('client_id', client_id), ('origin', origin),
                                            ('username', username), ('password', password)) if not value]
        if missing:
            raise CloutilityError('Missing connection options: %s (or their CLOUTILITY_* environment variables)' % ', '.join(missing))
        self.base_url = normalize_base_url(api_url)
        self.client_id = client_id
        self.origin = origin
        self.username = username
        self._password = password
        self.timeout = timeout
        self.retries = max(int(retries), 0)
        self.backoff = backoff
        self.session = requests.Session()
        self.session.verify = validate_certs
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
        self._cache = TokenCache(cache_dir) if token_cache else None
        self._cache_key = (self.base_url, client_id, origin, username, password)
        # A 429 seen by one thread holds every thread of this client until the portal's Retry-After has passed.
        self._pause_lock = threading.Lock()
        self._paused_until = 0.0
        self._paused_by = None
        self.request_count = 0
        self.login_count = 0

    # ------------------------------------------------------------------ auth
    def _token_valid(self):
        return self._access_token is not None and time.time() < self._expires_at - EXPIRY_MARGIN

    def _store_token(self, body, method, path):
        try:
            self._access_token = body['access_token']
            expires_in = float(body.get('expires_in') or 299)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise CloutilityAuthError(method, path, 200, 'the token answer has no access_token')
        self._refresh_token = body.get('refresh_token') or self._refresh_token
        self._expires_at = time.time() + expires_in
        if self._cache:
            self._cache.store(self._cache_key, self._access_token, self._expires_at)

    def _grant(self, data):
        """POST /v1/oauth; safe to retry: a grant creates nothing."""
        response = self._send('POST', 'oauth', data=dict(data, client_id=self.client_id), auth=False, retry=True)
        if response.status_code != 200:
            raise self._error('POST', 'oauth', response)
        return self._parse(response, 'POST', 'oauth')

    def login(self):
        """Password grant. Raises CloutilityAuthError naming what the server said."""
        self.login_count += 1
        body = self._grant({'grant_type': 'password', 'username': self.username, 'password': self._password})
        self._store_token(body, 'POST', 'oauth')

    def _refresh(self):
        body = self._grant({'grant_type': 'refresh_token', 'refresh_token': self._refresh_token})
        self._store_token(body, 'POST', 'oauth')

    def _ensure_token(self):
        if self._token_valid():
            return
        with self._token_lock:
            self._ensure_token_locked()

    def _ensure_token_locked(self):
        if self._token_valid():
            return
        if self._access_token is None and self._cache:
            cached = self._cache.load(self._cache_key, EXPIRY_MARGIN)
            if cached:
                self._access_token, self._expires_at = cached
                return
        if self._refresh_token:
            try:
                self._refresh()
                return
            except CloutilityAuthError:
                pass
        self.login()

    def _drop_token(self):
        self._access_token = None
        self._expires_at = 0.0
        if self._cache:
            self._cache.forget(self._cache_key)

    # ------------------------------------------------------------------ HTTP
    def _send(self, method, path, params=None, json=None, data=None, files=None, auth=True, retry=True):
        url = self.base_url + path.lstrip('/')
        headers = {}
        if auth:
            headers['Authorization'] = 'Bearer %s' % self._access_token
        attempt = 0
        while True:
            attempt += 1
            self._wait_while_paused()
            self.request_count += 1
            try:
                response = self.session.request(method, url, params=params, json=json, data=data, files=files,
                                                headers=headers, timeout=self.timeout)
            except requests.exceptions.RequestException as exc:
                if retry and attempt <= self.retries:
                    time.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                raise CloutilityApiError(method, self._display_path(path, params), None,
                                         reason=self._describe_exception(exc))
            if retry and response.status_code in RETRY_STATUSES and attempt <= self.retries:
                delay = _retry_after_seconds(response, self.backoff * 2 ** (attempt - 1))
                if response.status_code == 429:
                    self._pause(delay)
                time.sleep(delay)
                continue
            return response

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

    def _describe_exception(self, exc):
        text = str(exc)
        if isinstance(exc, requests.exceptions.SSLError):
            return 'TLS error talking to %s (set validate_certs=false only for a test portal): %s' % (self.base_url, _excerpt(text))
        if isinstance(exc, requests.exceptions.Timeout):
            return 'no answer from %s within %s s (raise the timeout option if the portal is slow)' % (self.base_url, self.timeout)
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
            return 'could not connect to the API at %s: %s; check api_url and that the portal is reachable' % (self.base_url, cause)
        return _excerpt(text)

    @staticmethod
    def _display_path(path, params=None):
        shown = '/v1/' + path.lstrip('/')
        if params:
            shown += '?' + '&'.join('%s=%s' % (key, value) for key, value in sorted(params.items()))
        return shown

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
        cls = CloutilityAuthError if path.lstrip('/') == 'oauth' else CloutilityApiError
        return cls(method, self._display_path(path, params), response.status_code, message, developer_message,
                   reason=response.reason)

    @staticmethod
    def _parse(response, method, path):
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    def request(self, method, path, params=None, json=None, files=None, retry=None):
        """One API call. ``retry`` defaults to True for everything but POST.

        ``files`` sends multipart/form-data, as ``requests`` takes it: {'file': (name, content, type)}.
        """
        method = method.upper()
        if retry is None:
            retry = method != 'POST'
        self._ensure_token()
        sent_token = self._access_token
        response = self._send(method, path, params=params, json=json, files=files, retry=retry)
        if response.status_code == 401:
            # The token expired or was revoked between tasks: one new login, then repeat once.
            with self._token_lock:
                if self._access_token == sent_token:  # no other thread has replaced it yet
                    self._drop_token()
                self._ensure_token_locked()
            response = self._send(method, path, params=params, json=json, files=files, retry=retry)
        if response.status_code >= 400:
            raise self._error(method, path, response, params)
        return self._parse(response, method, path)

    def get(self, path, params=None):
        return self.request('GET', path, params=params)

    def post(self, path, json=None, params=None):
        return self.request('POST', path, params=params, json=json)

    def put(self, path, json=None, params=None):
        return self.request('PUT', path, params=params, json=json)

    def delete(self, path, params=None):
        return self.request('DELETE', path, params=params)

    def get_all(self, path, params=None, limit=None):
        """Every item of a collection (at most ``limit``), following ``total``/``offset`` paging to the end."""
        items, _first = self.collect(path, params, limit)
        return items or []

    def collect(self, path, params=None, limit=None):
        """Walk a collection's pages: ``(items, first answer)``; ``items`` is None when the answer is no collection."""
        params = dict(params or {})
        if limit is not None:
            params['limit'] = limit
        first = page = self.get(path, params=params or None)
        if isinstance(page, list):  # some endpoints answer a bare list
            return (page[:limit] if limit is not None else page), first
        if not isinstance(page, dict) or not isinstance(page.get('items'), list):
            return None, first
        items = []
        while True:
            page_items = page.get('items') or []
            requested = int(params.get('offset', 0))
            if requested and page.get('offset') is not None and int(page['offset']) != requested:
                # The server ignored the offset we asked for: stop rather than collect a page twice.
                return items, first
            items.extend(page_items)
            if limit is not None and len(items) >= limit:
                return items[:limit], first
            total = page.get('total')
            if not page_items or total is None or len(items) >= int(total):
                return items, first
            params['offset'] = requested + len(page_items)
            if limit is not None:
                params['limit'] = limit - len(items)
            page = self.get(path, params=params)
