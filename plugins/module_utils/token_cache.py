# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""On-disk cache of short-lived Cloutility access tokens.

Every Ansible task is a new process; without a cache, each would log in again. Only the
access token, its expiry and its lifetime are stored: never the password, never the refresh token.
A file is keyed by an HMAC of URL, client id, origin, user *and password* under a random
per-user secret, so the name reveals nothing about the account, and a task with a wrong
password finds no token and fails at login, as it must.

Nothing in the cache is trusted: every directory of its path must be a real directory (never a
symlink) of this user, made 0700; every file is opened without following symlinks and must be a
regular file of this user that nobody else can read or write; an entry must hold a well-formed
token. Anything else is ignored (and a bad entry removed): the task logs in again, it never fails
because of the cache and never prints what it found there.

The cache tidies itself: at most once an hour (the mtime of a stamp file), a store removes the entries no reader
would take any more (expired, or within the reader's margin of expiry) and temporary files a killed writer left.
An entry is removed only while its name still leads to the file that was judged, so a token another task has just
stored under that name is kept (the window between that check and the removal is a few system calls; losing it
costs one login, never a failure).

Tokens stay in this per-user folder even when the controllers share a lock folder (``lock_dir``): only the login
lock goes there, named by a hash of URL, client id, origin and user (never the password), so controllers that
share it take turns for the first login of an account.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import stat
import tempfile
import time

from ansible_collections.cloutility.cloutility.plugins.module_utils.locks import (
    PRUNE_INTERVAL,
    PRUNE_LIMIT,
    ControllerLock,
    cache_root,
    due_for_pruning,
    open_private_dir,
    private_dir,
)

SECRET_FILE = '.key'
MAX_FILE = 64 * 1024
# RFC 6750 b64token: what a bearer token may hold. Anything else (CR, LF, spaces...) would break
# the Authorization header, and the error would print the header.
TOKEN_PATTERN = re.compile(r'^[A-Za-z0-9\-._~+/]+=*$')
MAX_TOKEN = 8192

_READ_FLAGS = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)


def default_cache_dir():
    return os.path.join(cache_root(), 'tokens')


def valid_token(token):
    """Whether ``token`` can be sent as ``Authorization: Bearer <token>``."""
    return isinstance(token, str) and 0 < len(token) <= MAX_TOKEN and TOKEN_PATTERN.match(token) is not None


def read_private_file(path):
    """The bytes of ``path`` when it is a regular file of this user that only this user can use, else None.

    Never follows a symlink (``O_NOFOLLOW``); checks the file it opened (``fstat``), not the name.
    """
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077 or info.st_size > MAX_FILE:
            return None
        with os.fdopen(os.dup(fd), 'rb') as handle:
            return handle.read(MAX_FILE + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def _remove_older(dir_fd, name, before):
    """Remove the regular file ``name`` of the folder when it was last changed before ``before``; 1 when it went."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if stat.S_ISREG(info.st_mode) and info.st_mtime < before:
            os.unlink(name, dir_fd=dir_fd)
            return 1
    except OSError:
        pass
    return 0


class TokenCache:
    """Best effort: any problem with the cache means logging in again, never a failure."""

    def __init__(self, directory=None, lock_dir=None, margin=None):
        self.directory = directory or default_cache_dir()
        # Login locks of the default cache live with the other controller locks; a cache
        # somewhere else (tests, a CI job's own directory) keeps its locks beside its tokens.
        self.lock_directory = None if directory is None else os.path.join(self.directory, 'locks')
        # A folder several controllers share (the lock_dir option, checked by the caller): the login lock goes there.
        self.shared_lock_dir = lock_dir
        # Seconds before expiry from which a reader no longer takes a token (a function of its lifetime): pruning
        # removes such entries, never one a reader would still take.
        self.margin = margin

    def _ready(self):
        return private_dir(self.directory)

    def _secret(self):
        path = os.path.join(self.directory, SECRET_FILE)
        secret = read_private_file(path)
        if secret is not None and len(secret) >= 32:
            return secret
        if not os.path.lexists(path):
            # First use: create it once. os.link fails when the name exists, so forks (or threads) that start
            # together all end up with the one secret that won, never each with its own (which would name the
            # login lock and the cache files differently for each of them).
            self._write(path, os.urandom(32), replace=False)
        else:
            # Another fork may have created it since the read above: take that one, or two forks starting together
            # would each hold a secret of their own (and each log in: a lock of its own).
            secret = read_private_file(path)
            if secret is not None and len(secret) >= 32:
                return secret
            self._write(path, os.urandom(32))  # unusable (short, foreign, a symlink): replaced, never followed
        secret = read_private_file(path)
        if secret is None or len(secret) < 32:
            raise OSError('the token cache key is not usable')
        return secret

    def _write(self, path, payload, replace=True):
        # mkstemp: O_EXCL, mode 0600; os.replace swaps the name (a symlink there is replaced, never followed).
        # replace=False: only when nothing has the name yet (os.link refuses an existing name).
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix='.tmp-')
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, 'wb') as handle:
                handle.write(payload)
            if replace:
                os.replace(tmp, path)
                return
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            os.unlink(tmp)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def digest(self, key):
        """The anonymous name of ``key``: an HMAC under this user's secret."""
        message = '\0'.join(str(part) for part in key).encode('utf-8')
        return hmac.new(self._secret(), message, hashlib.sha256).hexdigest()

    def _path(self, name):
        """The cache file of the entry whose digest is ``name``."""
        return os.path.join(self.directory, name + '.json')

    def _usable_digest(self, key):
        """``key``'s digest, or None when the cache is unusable or its secret cannot be read (then there is nothing to do)."""
        if not self._ready():
            return None
        try:
            return self.digest(key)
        except OSError:
            return None

    def login_lock(self, key, timeout, account=None, on_warning=None):
        """A controller lock for the first login of ``key``'s account, named by the anonymous digest.

        With a shared lock folder and ``account`` (URL, client id, origin, user: never the password), the lock is
        taken there, named by a hash of ``account`` that every controller computes alike.
        Returns None when the cache is unusable (no cache, no point in waiting for another fork's login).
        """
        name = self._usable_digest(key)
        if name is None:
            return None
        if self.shared_lock_dir and account:
            return ControllerLock('login', *account, directory=self.shared_lock_dir, shared=True, timeout=timeout,
                                  what='the first-login lock of %s' % account[0], on_warning=on_warning)
        return ControllerLock('login', name, directory=self.lock_directory, timeout=timeout, what='the first-login lock')

    @staticmethod
    def _parse(raw):
        """(token, expires_at, lifetime) from a cache file's bytes, or None when anything is off."""
        try:
            entry = json.loads(raw.decode('utf-8'))
            token = entry['access_token']
            expires_at = float(entry['expires_at'])
            lifetime = float(entry.get('lifetime') or 0)
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            return None
        if not valid_token(token) or not math.isfinite(expires_at) or not math.isfinite(lifetime) or lifetime < 0:
            return None
        return token, expires_at, lifetime

    def load(self, key, margin=None):
        """``(token, expires_at, lifetime)`` when a well-formed token for exactly this key is still valid.

        ``margin`` is a function of the lifetime: seconds before expiry from which the token counts as expired.
        """
        name = self._usable_digest(key)
        if name is None:
            return None
        path = self._path(name)
        raw = read_private_file(path)
        if raw is None:
            return None
        entry = self._parse(raw)
        if entry is None:
            self._remove(path)  # garbage: the next login writes a good one
            return None
        token, expires_at, lifetime = entry
        if time.time() >= expires_at - (margin(lifetime) if margin else 0):
            return None
        return entry

    def store(self, key, token, expires_at, lifetime=0):
        if not valid_token(token) or not self._ready():
            return
        try:
            payload = json.dumps({'access_token': token, 'expires_at': expires_at, 'lifetime': lifetime}).encode('utf-8')
            self._write(self._path(self.digest(key)), payload)
        except OSError:
            pass
        self.prune()

    def _useless(self, entry, now):
        """Whether no reader would take this entry any more (expired, or within the readers' margin)."""
        _token, expires_at, lifetime = entry
        return now >= expires_at - (self.margin(lifetime) if self.margin else 0)

    def prune(self, interval=PRUNE_INTERVAL, limit=PRUNE_LIMIT):
        """At most once per ``interval`` seconds: remove up to ``limit`` entries no reader would take (expired, or
        within the margin; garbage) and temporary files older than ``interval``. Returns how many went."""
        fd = open_private_dir(self.directory)
        if fd is None:
            return 0
        removed = 0
        try:
            if not due_for_pruning(fd, interval):
                return 0
            now = time.time()
            for name in os.listdir(fd)[:limit * 4]:
                if removed >= limit:
                    break
                if name.endswith('.json'):
                    removed += self._prune_entry(fd, name, now)
                elif name.startswith('.tmp-'):
                    removed += _remove_older(fd, name, now - interval)
        except OSError:
            pass
        finally:
            os.close(fd)
        return removed

    def _prune_entry(self, dir_fd, name, now):
        try:
            fd = os.open(name, _READ_FLAGS | getattr(os, 'O_NONBLOCK', 0), dir_fd=dir_fd)
        except OSError:
            return 0
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_size > MAX_FILE:
                return 0  # not ours to judge: load() ignores it
            with os.fdopen(os.dup(fd), 'rb') as handle:
                entry = self._parse(handle.read(MAX_FILE + 1))
            if entry is not None and not self._useless(entry, now):
                return 0
            linked = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            if (linked.st_dev, linked.st_ino) != (info.st_dev, info.st_ino):
                return 0  # replaced since it was read: a fresh token another task just stored
            os.unlink(name, dir_fd=dir_fd)
            return 1
        except OSError:
            return 0
        finally:
            os.close(fd)

    @staticmethod
    def _remove(path):
        try:
            os.unlink(path)
        except OSError:
            pass

    def forget(self, key, token=None):
        """Remove the entry of ``key``; with ``token``, only when it still holds that token."""
        name = self._usable_digest(key)
        if name is None:
            return
        path = self._path(name)
        if token is not None:
            raw = read_private_file(path)
            entry = self._parse(raw) if raw is not None else None
            if entry is not None and not hmac.compare_digest(entry[0], token):
                return  # a newer token, stored by another task after ours failed
        self._remove(path)
