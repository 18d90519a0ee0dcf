# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Advisory locks on the controller, shared by every fork (process) and thread of one machine.

Plain Python (no Ansible). One lock file per key, under the user's cache directory::

    with ControllerLock('login', api_url, client_id, username):
        ...   # one holder at a time, across forks

The key is hashed (the file name says nothing about the account). Locks are ``flock`` locks on
an open file: the kernel releases them when the holder exits, so a crashed fork never leaves a
stale lock behind. Two threads of one process that open the file separately exclude each other too.
"""

from __future__ import annotations

import errno
import hashlib
import os
import random
import stat
import time

try:
    import fcntl
    HAS_FCNTL = True
except ImportError:  # pragma: no cover - not a POSIX controller: locks become no-ops
    fcntl = None
    HAS_FCNTL = False

DEFAULT_TIMEOUT = 600.0


def cache_root():
    """The collection's own directory under the user's cache (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'cloutility-ansible')


def default_lock_dir():
    return os.path.join(cache_root(), 'locks')


def _private_dir(path):
    """Create ``path`` (0700) and check it is a real directory owned by this user; False when unsafe."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    if info.st_mode & 0o077:
        try:
            os.chmod(path, 0o700)
        except OSError:
            return False
    return True


class LockTimeout(Exception):
    """The lock was not free within the timeout."""


class ControllerLock:
    """An exclusive lock named by ``key`` parts; a context manager.

    When locking is impossible (no ``fcntl``, an unusable directory), the lock is a no-op: it must
    never be the reason a task fails.
    """

    def __init__(self, *key, directory=None, timeout=DEFAULT_TIMEOUT):
        digest = hashlib.sha256('\0'.join(str(part) for part in key).encode('utf-8')).hexdigest()
        self.directory = directory or default_lock_dir()
        self.path = os.path.join(self.directory, digest[:40] + '.lock')
        self.timeout = timeout
        self._fd = None
        self.waited = 0.0

    def acquire(self):
        if not HAS_FCNTL or not _private_dir(self.directory):
            return self
        flags = os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)
        try:
            fd = os.open(self.path, flags, 0o600)
        except OSError:
            return self
        start = time.monotonic()
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(fd)
                    return self
            if time.monotonic() - start >= self.timeout:
                os.close(fd)
                raise LockTimeout('waited %.0f s for the controller lock %s' % (self.timeout, self.path))
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.2)
        self.waited = time.monotonic() - start
        self._fd = fd
        return self

    def release(self):
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None

    @property
    def held(self):
        return self._fd is not None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()
        return False
