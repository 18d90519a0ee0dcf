# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""On-disk cache of short-lived Cloutility access tokens.

Every Ansible task is a new process; without a cache, each would log in again. Only the
access token and its expiry are stored: never the password, never the refresh token.
A file is keyed by an HMAC of URL, client id, origin, user *and password* under a random
per-user secret, so the name reveals nothing about the account, and a task with a wrong
password finds no token and fails at login, as it must.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import time

SECRET_FILE = '.key'


def default_cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'cloutility-ansible', 'tokens')


class TokenCache:
    """Best effort: any problem with the cache means logging in again, never a failure."""

    def __init__(self, directory=None):
        self.directory = directory or default_cache_dir()

    def _ready(self):
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            info = os.stat(self.directory)
            if info.st_uid != os.getuid():
                return False
            if info.st_mode & 0o077:
                os.chmod(self.directory, 0o700)
            return True
        except OSError:
            return False

    def _secret(self):
        path = os.path.join(self.directory, SECRET_FILE)
        try:
            with open(path, 'rb') as handle:
                secret = handle.read()
            if len(secret) >= 32:
                return secret
        except OSError:
            pass
        secret = os.urandom(32)
        self._write(path, secret)
        # Another process may have won the race: use whatever is on disk now.
        with open(path, 'rb') as handle:
            return handle.read()

    def _write(self, path, payload):
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix='.tmp-')
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, 'wb') as handle:
                handle.write(payload)
            os.replace(tmp, path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def _path(self, key):
        message = '\0'.join(str(part) for part in key).encode('utf-8')
        digest = hmac.new(self._secret(), message, hashlib.sha256).hexdigest()
        return os.path.join(self.directory, digest + '.json')

    def load(self, key, margin=0):
        """Return (token, expires_at) when a token for exactly this key is still valid."""
        if not self._ready():
            return None
        try:
            with open(self._path(key), 'r', encoding='utf-8') as handle:
                entry = json.load(handle)
            token, expires_at = entry['access_token'], float(entry['expires_at'])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if time.time() >= expires_at - margin:
            return None
        return token, expires_at

    def store(self, key, token, expires_at):
        if not self._ready():
            return
        try:
            payload = json.dumps({'access_token': token, 'expires_at': expires_at}).encode('utf-8')
            self._write(self._path(key), payload)
        except OSError:
            pass

    def forget(self, key):
        if not self._ready():
            return
        try:
            os.unlink(self._path(key))
        except OSError:
            pass
