# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many threads on one client: a 429 holds every thread (no stampede), one login, results in order."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import map_bounded

ORIGIN = 'https://origin.example.com'


class SlowPortal(BaseAdapter):
    """Every answer takes 20 ms; the first GET of 'items/3' answers 429 with Retry-After 0.4."""

    def __init__(self, retry_after='0.4'):
        super().__init__()
        self.lock = threading.Lock()
        self.sent = []          # (time sent, path)
        self.throttled_at = None
        self.throttled = False
        self.retry_after = retry_after
        self.logins = 0

    def send(self, request, **kwargs):
        path = urlsplit(request.url).path[len('/v1/'):]
        now = time.monotonic()
        with self.lock:
            self.sent.append((now, path))
        if path == 'oauth':
            with self.lock:
                self.logins += 1
            return self._response(request, 200, {'access_token': 'tok', 'expires_in': 299, 'refresh_token': 'r'})
        time.sleep(0.02)
        with self.lock:
            throttle = path == 'items/3' and not self.throttled
            if throttle:
                self.throttled = True
                self.throttled_at = time.monotonic()
        if throttle:
            return self._response(request, 429, {'message': 'Too many requests'}, {'Retry-After': self.retry_after})
        return self._response(request, 200, {'path': path})

    @staticmethod
    def _response(request, status, body, headers=None):
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers.update(headers or {})
        response.headers['Content-Type'] = 'application/json'
        response.request = request
        response.url = request.url
        return response

    def close(self):
        pass


def test_a_429_holds_every_worker_and_results_stay_in_order():
    portal = SlowPortal()
    client = CloutilityClient('https://portal.example', 'client', ORIGIN, 'user', 'pw', token_cache=False, pool_size=6)
    client.session.mount('https://', portal)
    paths = ['items/%d' % number for number in range(40)]
    started = time.monotonic()
    results = map_bounded(client.get, paths, workers=6)
    elapsed = time.monotonic() - started
    assert results == [{'path': path} for path in paths]
    assert portal.logins == 1
    # Nothing was sent while the portal asked to wait (requests already on their way excepted: a worker that had
    # passed its pause check just before the 429 came may still send, within a few milliseconds of it).
    quiet = [(when, path) for when, path in portal.sent if portal.throttled_at + 0.05 < when < portal.throttled_at + 0.35]
    assert quiet == []
    assert [path for _when, path in portal.sent].count('items/3') == 2
    assert elapsed >= 0.4


def test_without_429_workers_overlap():
    portal = SlowPortal()
    portal.throttled = True  # never throttles
    client = CloutilityClient('https://portal.example', 'client', ORIGIN, 'user', 'pw', token_cache=False, pool_size=8)
    client.session.mount('https://', portal)
    started = time.monotonic()
    assert map_bounded(client.get, ['items/%d' % n for n in range(40)], workers=8) == [{'path': 'items/%d' % n} for n in range(40)]
    assert time.monotonic() - started < 40 * 0.02 / 2
