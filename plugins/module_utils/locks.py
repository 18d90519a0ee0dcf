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


def cache_base():
    """The user's cache directory: ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    return os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')


def cache_root():
    """The collection's own directory under the user's cache (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    return os.path.join(cache_base(), 'cloutility-ansible')


def default_lock_dir():
    return os.path.join(cache_root(), 'locks')


_DIR_FLAGS = os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0) | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)


def _owned_private(fd):
    """The open directory ``fd`` belongs to this user; its mode is made 0700. False when it is someone else's."""
    info = os.fstat(fd)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.fchmod(fd, 0o700)
    return True


def private_dir(path):
    """Create ``path`` and check it is safe to keep secrets in; False when it is not.

    Every directory of the collection's own part of the path (below the user's cache directory for
    the default directories, else only the last one) is created 0700, must be a real directory (a
    symlink is refused, never followed) owned by this user, and is made 0700 if it is more open.
    Each step opens the directory it checked (``O_NOFOLLOW``) and works relative to it, so nothing
    can be swapped in between a check and its use.
    """
    path = os.path.abspath(path)
    base = os.path.abspath(cache_base())
    if path != base and path.startswith(os.path.join(base, '')):
        parent, parts = base, os.path.relpath(path, base).split(os.sep)
    else:
        parent, parts = os.path.dirname(path), [os.path.basename(path)]
    try:
        os.makedirs(parent, mode=0o700, exist_ok=True)
        fd = os.open(parent, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0) | getattr(os, 'O_CLOEXEC', 0))
    except OSError:
        return False
    try:
        for part in parts:
            try:
                os.mkdir(part, 0o700, dir_fd=fd)
            except FileExistsError:
                pass
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)  # ELOOP on a symlink, ENOTDIR on a file
            os.close(fd)
            fd = child
            if not _owned_private(fd):
                return False
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


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
        if not HAS_FCNTL or not private_dir(self.directory):
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
