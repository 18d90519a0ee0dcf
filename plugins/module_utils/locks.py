# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Advisory locks on the controller, shared by every fork (process) and thread of one machine, or of every
controller that shares a lock folder (the ``lock_dir`` connection option).

Plain Python (no Ansible). One lock file per key, under the user's cache directory or a shared folder::

    with ControllerLock('login', api_url, client_id, username):
        ...   # one holder at a time, across forks
    with ControllerLock(api_url, 'consumer', name, directory='/shared/locks', shared=True):
        ...   # one holder at a time, across controllers that share /shared/locks

The key is hashed (the file name says nothing readable about the account). Locks are ``flock`` locks on
an open file: the kernel releases them when the holder exits, so a crashed fork never leaves a
stale lock behind. Two threads of one process that open the file separately exclude each other too.

Lock files do not pile up: after releasing, the holder takes the lock again without waiting and, when it gets it
(nobody else is queued), removes the file while holding it. A locker that opened the file before it was removed
finds, once it holds the lock, that the name no longer leads to the file it holds (``fstat`` against ``stat``) and
starts again with a fresh file, so two holders never hold the same name. At most once an hour a locker also removes
the files of the folder nobody holds (left by a version that kept them, or a holder killed between two steps).

On NFS, ``flock`` either works across hosts (Linux NFS clients emulate it with NFS byte-range locks) or only
locally (the ``local_lock=flock`` mount option, some older servers): then a shared folder excludes forks of one
controller but not several controllers. The locks are a fast path either way; what the collection does when two
writers race does not rest on them.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import socket
import stat
import time

try:
    import fcntl
    HAS_FCNTL = True
except ImportError:  # pragma: no cover - not a POSIX controller: locks become no-ops
    fcntl = None
    HAS_FCNTL = False

# A lock one holder keeps longer than ``timeout`` (the client's lock_timeout) fails the waiter naming the holder; the
# clock starts again whenever the lock changes hands, and no wait is longer than MAX_WAIT_FACTOR times the timeout.
DEFAULT_TIMEOUT = 120.0
MAX_WAIT_FACTOR = 5
# A lock file of a shared folder that belongs to another user is waited on at most this long (another local user can
# create and hold a file under the lock's name): then this user's own lock (its private folder) is taken instead.
FOREIGN_WAIT = 5.0
HOLDER_BYTES = 1024
LOCK_SUFFIX = '.lock'
# Stale lock files (nobody holds them) are removed at most once per PRUNE_INTERVAL per folder, at most PRUNE_LIMIT
# files per pass, and only files untouched for PRUNE_MIN_AGE seconds; the pass is tracked by this file's mtime.
PRUNE_STAMP = '.pruned'
PRUNE_INTERVAL = 3600.0
PRUNE_LIMIT = 1000
PRUNE_MIN_AGE = 60.0
LOCK_DIR_ENV = 'CLOUTILITY_LOCK_DIR'


def cache_base():
    """The user's cache directory: ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    return os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')


def cache_root():
    """The collection's own directory under the user's cache (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    return os.path.join(cache_base(), 'cloutility-ansible')


def default_lock_dir():
    return os.path.join(cache_root(), 'locks')


_DIR_FLAGS = os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0) | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)
# O_NONBLOCK: a FIFO planted under a lock's name must not block the open.
_LOCK_FLAGS = os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0) | getattr(os, 'O_NONBLOCK', 0)
_BUSY = (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK)


def _close(fd):
    try:
        os.close(fd)
    except OSError:
        pass


def _owned_private(fd):
    """The open directory ``fd`` belongs to this user; its mode is made 0700. False when it is someone else's."""
    info = os.fstat(fd)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.fchmod(fd, 0o700)
    return True


def open_private_dir(path):
    """An open descriptor of ``path`` made safe to keep secrets in (see private_dir), or None."""
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
        return None
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
                os.close(fd)
                return None
        return fd
    except OSError:
        _close(fd)
        return None


def private_dir(path):
    """Create ``path`` and check it is safe to keep secrets in; False when it is not.

    Every directory of the collection's own part of the path (below the user's cache directory for
    the default directories, else only the last one) is created 0700, must be a real directory (a
    symlink is refused, never followed) owned by this user, and is made 0700 if it is more open.
    Each step opens the directory it checked (``O_NOFOLLOW``) and works relative to it, so nothing
    can be swapped in between a check and its use.
    """
    fd = open_private_dir(path)
    if fd is None:
        return False
    os.close(fd)
    return True


class LockDirError(ValueError):
    """The ``lock_dir`` folder cannot be used; the message names the option and says why."""


def _shared_problem(info, path):
    """What makes the open folder ``info`` (an ``fstat``) unsafe as a shared lock folder, or None."""
    if not stat.S_ISDIR(info.st_mode):
        return 'lock_dir %s is not a directory' % path
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
        return ('lock_dir %s is writable by every user and has no sticky bit (anyone could remove or replace the lock '
                'files): make it group-writable for the controllers that share it (for example chmod 2770) or set the '
                'sticky bit (chmod +t)' % path)
    return None


def _shared_dir_fd(path):
    """An open descriptor of the shared lock folder ``path``; LockDirError when it is not safe to use."""
    path = os.path.abspath(os.path.expanduser(path))
    if os.path.islink(path):
        raise LockDirError('lock_dir %s is a symlink; give the real folder' % path)
    try:
        os.mkdir(path, 0o700)  # missing: ours, private (os.mkdir never follows a symlink planted under the name)
    except FileExistsError:
        pass
    except FileNotFoundError:
        raise LockDirError('lock_dir %s cannot be created: its parent folder does not exist' % path)
    except OSError as exc:
        raise LockDirError('lock_dir %s cannot be created: %s' % (path, exc.strerror or exc))
    try:
        fd = os.open(path, _DIR_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise LockDirError('lock_dir %s is a symlink; give the real folder' % path)
        if exc.errno == errno.ENOTDIR:
            raise LockDirError('lock_dir %s is not a directory' % path)
        raise LockDirError('lock_dir %s cannot be opened: %s' % (path, exc.strerror or exc))
    try:
        problem = _shared_problem(os.fstat(fd), path)
        if problem is None and not os.access(path, os.W_OK | os.X_OK):
            problem = 'lock_dir %s is not writable by this user' % path
    except OSError as exc:
        problem = 'lock_dir %s cannot be checked: %s' % (path, exc.strerror or exc)
    if problem:
        os.close(fd)
        raise LockDirError(problem)
    return fd


def check_lock_dir(path):
    """The absolute path of a usable shared lock folder (created 0700 when missing); LockDirError naming
    ``lock_dir`` when it is a symlink, not a directory, writable by everyone without the sticky bit, or not
    writable by this user. An existing folder's mode is kept (a group-shared folder is used as it is)."""
    os.close(_shared_dir_fd(path))
    return os.path.abspath(os.path.expanduser(path))


def _open_dir(directory, shared):
    if shared:
        try:
            return _shared_dir_fd(directory)
        except LockDirError:
            return None
    return open_private_dir(directory)


class LockTimeout(Exception):
    """The lock stayed with one holder for longer than the timeout. ``what`` names the object, ``holder`` is what the
    holder wrote into the lock file (pid, host, user, since: see holder_text) or None, ``waited`` the seconds waited."""

    def __init__(self, message, what=None, holder=None, waited=None, path=None):
        super().__init__(message)
        self.what = what
        self.holder = holder
        self.waited = waited
        self.path = path


def _user_name(uid):
    try:
        import pwd  # pylint: disable=import-outside-toplevel
        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return None


def _clean(value, limit=64):
    """A field of a holder record for a message: printable, short (the file may have been written by anyone)."""
    text = ''.join(char for char in str(value) if char.isprintable())
    return text[:limit]


def holder_record():
    """What a holder writes into its lock file: who holds it (pid, host, user) and since when."""
    return dict(pid=os.getpid(), host=socket.gethostname(), user=_user_name(os.getuid()) or str(os.getuid()), since=time.time())


def read_holder(fd):
    """The holder record in the open lock file ``fd`` (a dict of pid, host, user, since), or None (none, or not one)."""
    try:
        data = os.pread(fd, HOLDER_BYTES, 0)
        record = json.loads(data.decode('utf-8')) if data.strip() else None
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict):
        return None
    holder = {}
    if isinstance(record.get('pid'), int) and not isinstance(record.get('pid'), bool):
        holder['pid'] = record['pid']
    for key in ('host', 'user'):
        if isinstance(record.get(key), str) and record[key].strip():
            holder[key] = _clean(record[key])
    if isinstance(record.get('since'), (int, float)) and not isinstance(record.get('since'), bool):
        holder['since'] = float(record['since'])
    return holder or None


def holder_text(holder, now=None):
    """``pid 4242 on host ctl1, user awx, for 130 s``; 'a holder that did not say who it is' when unknown."""
    if not holder:
        return 'a holder that did not say who it is (an older version of the collection, or another user\'s file)'
    parts = []
    if 'pid' in holder:
        parts.append('pid %s' % holder['pid'])
    if 'host' in holder:
        parts.append('on host %s' % holder['host'])
    text = ' '.join(parts) or 'a process'
    if 'user' in holder:
        text += ', user %s' % holder['user']
    if 'since' in holder:
        held = (time.time() if now is None else now) - holder['since']
        if 0 <= held < 10 ** 7:
            text += ', holding it for %.0f s' % held
    return text


def _same_file(dir_fd, name, fd):
    """Whether ``name`` in the folder still leads to the open file ``fd`` (it was not removed and replaced)."""
    try:
        linked = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        held = os.fstat(fd)
    except OSError:
        return False
    return (linked.st_dev, linked.st_ino) == (held.st_dev, held.st_ino)


def _try_lock(fd):
    """True when the exclusive lock was taken, False when someone holds it; OSError when locking is impossible."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in _BUSY:
            return False
        raise


def _remove_if_free(dir_fd, name, fd):
    """With ``fd`` open on ``name`` and not locked by us: remove the file when nobody holds it; True when removed.
    Closes ``fd``."""
    try:
        if _try_lock(fd) and _same_file(dir_fd, name, fd):
            os.unlink(name, dir_fd=dir_fd)  # held by us, and the name is still our file: nobody can hold it
            return True
    except OSError:
        pass
    finally:
        _close(fd)  # closing releases the lock
    return False


class ControllerLock:
    """An exclusive lock named by ``key`` parts; a context manager.

    ``directory`` is the folder of the lock files (default: the user's private ``cloutility-ansible/locks``).
    ``shared=True`` marks a folder several controllers share (``lock_dir``): it is checked (check_lock_dir), not
    made private, and its lock files are made group-writable when the folder is.

    The holder writes who it is (holder_record: pid, host, user, since) into the lock file it holds, when the file is
    its own. A waiter fails with ``timeout_error`` (LockTimeout, or the caller's subclass) naming ``what`` (the object)
    and the holder when one holder keeps the lock ``timeout`` seconds (the clock starts again when the lock changes
    hands; no wait is longer than MAX_WAIT_FACTOR times ``timeout``).

    A lock file of a shared folder that belongs to another user (anyone may create files in a folder every user can
    write to, and hold them for ever) is waited on at most FOREIGN_WAIT seconds: then the lock of the same key in this
    user's private folder is taken instead (it excludes the forks of this controller, not other controllers), and
    ``on_warning`` (a callable taking one line) is told which file, whose, and why.

    When locking is impossible (no ``fcntl``, an unusable directory or file, a file system without ``flock``),
    the lock is a no-op: it must never be the reason a task fails.
    """

    def __init__(self, *key, directory=None, timeout=DEFAULT_TIMEOUT, shared=False, what=None, on_warning=None,
                 timeout_error=LockTimeout, foreign_wait=FOREIGN_WAIT):
        digest = hashlib.sha256('\0'.join(str(part) for part in key).encode('utf-8')).hexdigest()
        self.key = key
        self.directory = directory or default_lock_dir()
        self.shared = bool(shared and directory)
        self.name = digest[:40] + LOCK_SUFFIX
        self.path = os.path.join(self.directory, self.name)
        self.timeout = timeout
        self.what = what or 'the controller lock %s' % self.path
        self.on_warning = on_warning
        self.timeout_error = timeout_error
        self.foreign_wait = foreign_wait
        self._fd = None
        self._dir_fd = None
        self._wrote = False
        self._fallback = None
        self.waited = 0.0
        self.fell_back = False

    def _open_file(self, dir_fd):
        """The lock file, opened (created when missing) without following a symlink; None when impossible."""
        mode = 0o600
        group_shared = False
        if self.shared:
            group_shared = bool(stat.S_IMODE(os.fstat(dir_fd).st_mode) & stat.S_IWGRP)
            mode = 0o660 if group_shared else 0o600
        fd = None
        for access in (os.O_RDWR, os.O_RDONLY):  # a file of another user of the group may be read-only to us
            try:
                fd = os.open(self.name, _LOCK_FLAGS | access, mode, dir_fd=dir_fd)
                break
            except OSError as exc:
                if exc.errno != errno.EACCES:
                    return None
        if fd is None:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                _close(fd)
                return None
            if group_shared and info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o060 != 0o060:
                os.fchmod(fd, 0o660)  # the umask took the group's write: the other controllers' users need it
        except OSError:
            pass
        return fd

    @staticmethod
    def _owner(fd):
        """The uid that owns the open file, or None."""
        try:
            return os.fstat(fd).st_uid
        except OSError:
            return None

    def _timed_out(self, fd, waited, holder):
        _close(fd)
        message = ('%s is held by %s; waited %.0f s for it. If that process is stuck, stop it; if it is working (a slow portal), '
                   'raise lock_timeout (now %s s)' % (self.what, holder_text(holder), waited, ('%.1f' % self.timeout).rstrip('0').rstrip('.')))
        return self.timeout_error(message, what=self.what, holder=holder, waited=waited, path=self.path)

    def _wait(self, fd, start):
        """Wait for the lock of the open file ``fd``: True when taken, False to give up a foreign file (fall back).
        OSError when locking is impossible here; ``timeout_error`` when one holder kept it too long."""
        foreign = self.shared and self._owner(fd) not in (None, os.getuid())
        delay = 0.005
        seen = (None, None)
        seen_at = time.monotonic()
        while not _try_lock(fd):
            now = time.monotonic()
            holder = read_holder(fd)
            if (os.fstat(fd).st_ino, holder) != seen:  # the lock changed hands (or we just started): the clock starts again
                seen, seen_at = (os.fstat(fd).st_ino, holder), now
            if foreign and now - start >= self.foreign_wait:
                return False
            if now - seen_at >= self.timeout or now - start >= self.timeout * MAX_WAIT_FACTOR:
                raise self._timed_out(fd, now - start, holder)
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.2)
        return True

    def _write_holder(self, fd):
        """Say who holds the lock, in the file itself, when it is this user's own file with no other name (a hard link
        planted under the lock's name must never be written to)."""
        try:
            info = os.fstat(fd)
            if info.st_uid != os.getuid() or info.st_nlink != 1 or not stat.S_ISREG(info.st_mode):
                return
            data = json.dumps(holder_record()).encode('utf-8')
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
            self._wrote = True
        except OSError:
            pass

    def _fall_back(self, fd, dir_fd, start):
        """A foreign lock file stayed held (``fd``), or none could be opened under the lock's name in the shared folder
        (``fd`` None: a symlink, a FIFO, a file we may not open): take this user's own lock of the same key instead, and say so."""
        if fd is not None:
            owners = (_owner_text(self._owner(fd)), _owner_text(os.getuid()), self.foreign_wait)
            why = ('belongs to %s, not to this user (%s), and another process holds it; a lock of another user is not waited '
                   'on for more than %.0f s (it could stall every task)' % owners)
            _close(fd)
        else:
            why = 'cannot be used (%s; it is never followed or written through)' % _name_kind(dir_fd, self.name)
        _close(dir_fd)
        own = ControllerLock(*self.key, timeout=max(self.timeout - (time.monotonic() - start), 1.0), what=self.what,
                             timeout_error=self.timeout_error)
        self.fell_back = True
        if self.on_warning is not None:
            line = ('Cloutility: the lock file %s (%s) in lock_dir %s, so this task took its own lock in %s instead, which '
                    "excludes the forks of this controller only. Let only the controllers' user (or a group of them alone) "
                    'write to lock_dir' % (self.path, self.what, why, own.directory))
            try:
                self.on_warning(line)
            except Exception:  # pylint: disable=broad-exception-caught
                pass
        own.acquire()
        self._fallback = own
        self.waited = time.monotonic() - start
        return self

    def acquire(self):
        if not HAS_FCNTL:
            return self
        dir_fd = _open_dir(self.directory, self.shared)
        if dir_fd is None:
            return self
        start = time.monotonic()
        while True:
            fd = self._open_file(dir_fd)
            if fd is None and self.shared:
                return self._fall_back(None, dir_fd, start)  # something planted under the name: this user's own lock
            if fd is None:
                _close(dir_fd)
                return self
            try:
                taken = self._wait(fd, start)
            except OSError:  # no flock here (some NFS mounts): no lock, never a failure
                _close(fd)
                _close(dir_fd)
                return self
            except LockTimeout:
                _close(dir_fd)
                raise
            if not taken:
                return self._fall_back(fd, dir_fd, start)
            if _same_file(dir_fd, self.name, fd):
                break
            # The holder before us removed the file we waited on: take the lock of the file now under the name.
            _close(fd)
        self.waited = time.monotonic() - start
        self._fd = fd
        self._dir_fd = dir_fd
        self._write_holder(fd)
        return self

    def release(self):
        if self._fallback is not None:
            fallback, self._fallback = self._fallback, None
            fallback.release()
            return
        if self._fd is None:
            return
        fd, dir_fd = self._fd, self._dir_fd
        self._fd = self._dir_fd = None
        if self._wrote:
            self._wrote = False
            try:
                os.ftruncate(fd, 0)  # no record of a holder that is gone
            except OSError:
                pass
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError:
            pass
        # Nobody queued (we get it back at once): remove the file while holding it; else the next holder will.
        _remove_if_free(dir_fd, self.name, fd)
        try:
            prune_lock_files(dir_fd)
        finally:
            _close(dir_fd)

    @property
    def held(self):
        return self._fd is not None or (self._fallback is not None and self._fallback.held)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()
        return False


def _name_kind(dir_fd, name):
    """What is under ``name`` in the folder, for a message: ``a symlink``, ``a FIFO``, ``a file this user may not open``."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return 'it cannot be created'
    if stat.S_ISLNK(info.st_mode):
        return 'a symlink'
    if not stat.S_ISREG(info.st_mode):
        return 'not a regular file'
    return 'a file of %s this user may not open' % _owner_text(info.st_uid)


def _owner_text(uid):
    if uid is None:
        return 'an unknown user'
    name = _user_name(uid)
    return 'user %s (uid %s)' % (name, uid) if name else 'uid %s' % uid


def due_for_pruning(dir_fd, interval=PRUNE_INTERVAL):
    """True (and the stamp touched) when the folder's last pruning is older than ``interval`` seconds.

    The stamp is touched before the pass, so forks that come at the same moment mostly skip it; a folder where
    the stamp cannot be written (another user's) is not pruned by this user."""
    now = time.time()
    try:
        info = os.stat(PRUNE_STAMP, dir_fd=dir_fd, follow_symlinks=False)
        if stat.S_ISREG(info.st_mode) and 0 <= now - info.st_mtime < interval:
            return False
    except FileNotFoundError:
        pass
    except OSError:
        return False
    try:
        fd = os.open(PRUNE_STAMP, os.O_WRONLY | _LOCK_FLAGS, 0o600, dir_fd=dir_fd)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        os.utime(fd)
        return True
    except OSError:
        return False
    finally:
        _close(fd)


def prune_lock_files(dir_fd, interval=PRUNE_INTERVAL, limit=PRUNE_LIMIT, min_age=PRUNE_MIN_AGE):
    """At most once per ``interval``: remove up to ``limit`` lock files of the folder that nobody holds and that
    nobody touched for ``min_age`` seconds (each under its own lock, as release does). Returns how many went."""
    if not HAS_FCNTL or not due_for_pruning(dir_fd, interval):
        return 0
    removed = 0
    now = time.time()
    try:
        names = os.listdir(dir_fd)
    except OSError:
        return 0
    for name in names[:limit * 4]:
        if removed >= limit:
            break
        if not name.endswith(LOCK_SUFFIX):
            continue
        try:
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < min_age:
                continue
            fd = os.open(name, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0) | getattr(os, 'O_NONBLOCK', 0),
                         dir_fd=dir_fd)
        except OSError:
            continue
        if _remove_if_free(dir_fd, name, fd):
            removed += 1
    return removed
