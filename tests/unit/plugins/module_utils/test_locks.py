# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import threading
import time

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils import locks
from ansible_collections.cloutility.cloutility.plugins.module_utils.locks import ControllerLock, LockTimeout, holder_text, read_holder


def test_lock_excludes_other_holders_and_is_released(tmp_path):
    first = ControllerLock('unit', 'web01', directory=str(tmp_path)).acquire()
    assert first.held
    with pytest.raises(LockTimeout):
        ControllerLock('unit', 'web01', directory=str(tmp_path), timeout=0.2).acquire()
    # Another key never waits.
    with ControllerLock('unit', 'web02', directory=str(tmp_path), timeout=0.2) as other:
        assert other.held
    first.release()
    with ControllerLock('unit', 'web01', directory=str(tmp_path), timeout=0.2) as again:
        assert again.held
    assert oct(os.stat(str(tmp_path)).st_mode & 0o777) == oct(0o700)


def test_threads_take_turns(tmp_path, run_threads):
    inside = []
    overlap = []

    def work():
        with ControllerLock('same', directory=str(tmp_path), timeout=10):
            inside.append(1)
            if len(inside) > 1:
                overlap.append(True)
            time.sleep(0.02)
            inside.pop()

    run_threads(work, 6)
    assert not overlap


def test_unusable_directory_means_no_lock_not_failure(tmp_path):
    target = tmp_path / 'elsewhere'
    target.mkdir()
    link = tmp_path / 'locks'
    link.symlink_to(target)
    lock = ControllerLock('x', directory=str(link)).acquire()
    assert not lock.held
    assert not list(target.iterdir())
    lock.release()


# ------------------------------------------------------------------ issue 29: a lock held too long
def _hold_in_process(directory, key, held, release, shared=False):
    with ControllerLock(*key, directory=directory, shared=shared, timeout=30) as lock:
        assert lock.held
        held.set()
        release.wait(30)


def _other_process(directory, key, shared=False):
    ctx = multiprocessing.get_context('fork')
    held, release = ctx.Event(), ctx.Event()
    process = ctx.Process(target=_hold_in_process, args=(directory, key, held, release, shared))
    process.start()
    assert held.wait(10)
    return process, release


needs_fork = pytest.mark.skipif('fork' not in multiprocessing.get_all_start_methods() or not locks.HAS_FCNTL, reason='needs fork and flock')


@needs_fork
def test_a_stuck_holder_fails_the_waiter_soon_naming_the_object_and_the_holder(tmp_path):
    """Measured: an object lock held by a stuck process failed the task after 600 s, MODULE FAILURE: LockTimeout."""
    process, release = _other_process(str(tmp_path), ('unit', 'web01'))
    try:
        started = time.monotonic()
        with pytest.raises(LockTimeout) as raised:
            ControllerLock('unit', 'web01', directory=str(tmp_path), timeout=0.5, what="the lock on consumption unit 'web01'").acquire()
        assert 0.5 <= time.monotonic() - started < 5
        message = str(raised.value)
        assert message.startswith("the lock on consumption unit 'web01' is held by pid %d on host %s, user " % (process.pid, socket.gethostname()))
        assert 'raise lock_timeout (now 0.5 s)' in message
        assert raised.value.holder['pid'] == process.pid and raised.value.what == "the lock on consumption unit 'web01'"
    finally:
        release.set()
        process.join(10)
    with ControllerLock('unit', 'web01', directory=str(tmp_path), timeout=0.5) as lock:
        assert lock.held and read_holder(lock._fd)['pid'] == os.getpid()


@needs_fork
def test_the_client_fails_with_a_clean_error_never_a_traceback(tmp_path):
    from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (  # pylint: disable=import-outside-toplevel
        CloutilityClient, CloutilityError)
    client = CloutilityClient('https://portal.example.com', 'c', 'https://o.example.com', 'u', 'p', lock_dir=str(tmp_path / 'shared'),
                              lock_timeout=0.5)
    process, release = _other_process(str(tmp_path / 'shared'), (client.base_url, 7, 'consumer', 'web01'), shared=True)
    try:
        with pytest.raises(CloutilityError) as raised:
            with client.controller_lock(7, 'consumer', 'web01'):
                pass
        assert isinstance(raised.value, LockTimeout)
        assert str(raised.value).startswith("the lock on consumption unit 'web01' (in business unit 7) is held by pid %d" % process.pid)
    finally:
        release.set()
        process.join(10)


def test_the_clock_starts_again_when_the_lock_changes_hands(tmp_path):
    """A queue of holders that each keep it briefly never fails a waiter; only one holder that keeps it too long does."""
    holder = ControllerLock('q', directory=str(tmp_path)).acquire()
    done = []

    def hand_over():
        for number in range(4):  # a new holder every 0.3 s, for 1.2 s in all
            time.sleep(0.3)
            os.pwrite(holder._fd, json.dumps(dict(pid=100000 + number, host='other', user='x', since=time.time())).encode().ljust(200), 0)
        time.sleep(0.2)
        holder.release()
        done.append(True)

    thread = threading.Thread(target=hand_over)
    thread.start()
    started = time.monotonic()
    with ControllerLock('q', directory=str(tmp_path), timeout=0.6) as lock:
        assert lock.held and time.monotonic() - started > 1.0
    thread.join()
    # The same holder for longer than the timeout: a failure; a wait never lasts more than MAX_WAIT_FACTOR timeouts.
    holder = ControllerLock('q', directory=str(tmp_path)).acquire()
    try:
        with pytest.raises(LockTimeout, match='held by pid %d' % os.getpid()):
            ControllerLock('q', directory=str(tmp_path), timeout=0.3).acquire()
    finally:
        holder.release()


def test_a_holder_record_is_never_written_into_a_file_with_another_name(tmp_path):
    """A hard link planted under a lock's name (to a file of ours) is locked but never written to."""
    lock = ControllerLock('h', directory=str(tmp_path))
    precious = tmp_path / 'token.json'
    precious.write_text('keep me')
    os.link(str(precious), lock.path)
    with lock:
        assert lock.held
    assert precious.read_text() == 'keep me'
    assert read_holder(os.open(str(precious), os.O_RDONLY)) is None
    assert holder_text(None).startswith('a holder that did not say who it is')
