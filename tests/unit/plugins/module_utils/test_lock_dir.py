# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared lock folder (lock_dir) and lock files that go away: processes exclude each other through it, a lock
file is removed when released, a locker that waited on a removed file takes a fresh one, an unsafe folder is refused."""

from __future__ import annotations

import multiprocessing
import os
import stat
import time

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.cloutility.cloutility.plugins.module_utils import locks
from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import (
    argument_spec_of,
    client_from_options,
    connection_argument_spec,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.locks import ControllerLock, LockDirError, LockTimeout, check_lock_dir

LOGIN = dict(client_id='client-1', origin='https://origin.example.com', username='alice', password='very-secret-pw')
URL = 'https://portal.example.com'

FORK = 'fork' in multiprocessing.get_all_start_methods()
pytestmark = pytest.mark.skipif(not FORK or not locks.HAS_FCNTL, reason='needs fork and flock')


def lock_files(directory):
    return sorted(name for name in os.listdir(str(directory)) if name.endswith('.lock'))


def mode(path):
    return stat.S_IMODE(os.lstat(str(path)).st_mode)


def _hold(directory, held, release):
    with ControllerLock('unit', 'web01', directory=directory, shared=True, timeout=10) as lock:
        assert lock.held
        held.set()
        release.wait(10)


def test_two_processes_sharing_a_lock_dir_exclude_each_other(tmp_path):
    shared = str(tmp_path / 'shared')
    check_lock_dir(shared)
    ctx = multiprocessing.get_context('fork')
    held, release = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold, args=(shared, held, release))
    other.start()
    try:
        assert held.wait(10)
        with pytest.raises(LockTimeout):
            ControllerLock('unit', 'web01', directory=shared, shared=True, timeout=0.3).acquire()
        # Another key never waits.
        with ControllerLock('unit', 'web02', directory=shared, shared=True, timeout=0.3) as free:
            assert free.held
    finally:
        release.set()
        other.join(10)
    assert other.exitcode == 0
    with ControllerLock('unit', 'web01', directory=shared, shared=True, timeout=5) as lock:
        assert lock.held
    assert lock_files(shared) == [], 'the lock file goes with the last holder'


@pytest.mark.parametrize('shared', [False, True])
def test_a_lock_file_is_gone_after_release(tmp_path, shared):
    directory = tmp_path / 'locks'
    with ControllerLock('unit', 'web01', directory=str(directory), shared=shared) as lock:
        assert lock.held and lock_files(directory) == [os.path.basename(lock.path)]
    assert lock_files(directory) == []


def test_a_locker_that_opened_the_removed_file_takes_a_fresh_one(tmp_path):
    """The race the removal opens: a locker opens the file, the holder before it releases and removes it, then the
    locker gets the lock of a file that has no name any more. It must notice and lock the file now under the name."""
    directory = str(tmp_path / 'locks')
    opened = []

    class Racer(ControllerLock):
        def _open_file(self, dir_fd):
            fd = super()._open_file(dir_fd)
            opened.append(os.fstat(fd).st_ino)
            if len(opened) == 1:
                # Another holder comes and goes right now: nobody waits on its lock, so it removes the file.
                with ControllerLock('same', directory=directory) as other:
                    assert other.held
                assert lock_files(directory) == []
            return fd

    with Racer('same', directory=directory, timeout=5) as racer:
        assert racer.held and len(opened) == 2
        assert os.fstat(racer._fd).st_ino == os.stat(racer.path).st_ino
        with pytest.raises(LockTimeout):
            ControllerLock('same', directory=directory, timeout=0.2).acquire()
    assert lock_files(directory) == []


def _count(directory, counter, rounds):
    for _round in range(rounds):
        with ControllerLock('counter', directory=directory, shared=True, timeout=60) as lock:
            assert lock.held
            with open(counter) as handle:
                value = int(handle.read() or 0)
            time.sleep(0.0005)  # widen the read-modify-write window
            with open(counter, 'w') as handle:
                handle.write(str(value + 1))


def test_stress_several_processes_never_hold_the_lock_together(tmp_path):
    shared = str(tmp_path / 'shared')
    counter = str(tmp_path / 'counter')
    with open(counter, 'w') as handle:
        handle.write('0')
    ctx = multiprocessing.get_context('fork')
    workers = [ctx.Process(target=_count, args=(shared, counter, 40)) for _worker in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0] * 6
    with open(counter) as handle:
        assert int(handle.read()) == 6 * 40, 'an increment was lost: two processes held the lock at once'
    assert lock_files(shared) == []


def test_stale_lock_files_are_pruned_at_most_once_per_interval(tmp_path):
    directory = tmp_path / 'locks'
    directory.mkdir(mode=0o700)
    old = time.time() - 3600
    for index in range(3):
        path = directory / ('%040d.lock' % index)
        path.write_text('')
        os.utime(str(path), (old, old))
    held = ControllerLock('held', directory=str(directory)).acquire()
    os.utime(held.path, (old, old))
    fd = os.open(str(directory), os.O_RDONLY)
    try:
        assert locks.prune_lock_files(fd) == 3, 'the files nobody holds go, the held one stays'
        assert lock_files(directory) == [os.path.basename(held.path)]
        (directory / 'late.lock').write_text('')
        os.utime(str(directory / 'late.lock'), (old, old))
        assert locks.prune_lock_files(fd) == 0, 'not again within the hour'
    finally:
        os.close(fd)
    held.release()
    assert lock_files(directory) == ['late.lock']


def test_a_missing_lock_dir_is_created_private_and_a_group_shared_one_is_kept(tmp_path):
    created = tmp_path / 'new'
    assert check_lock_dir(str(created)) == str(created)
    assert mode(created) == 0o700
    group = tmp_path / 'group'
    group.mkdir()
    os.chmod(str(group), 0o2770)
    check_lock_dir(str(group))
    with ControllerLock('x', directory=str(group), shared=True) as lock:
        assert lock.held
        assert mode(lock.path) & 0o660 == 0o660, 'the other controllers of the group can open it'
    assert mode(group) == 0o2770, 'a shared folder keeps its mode'
    sticky = tmp_path / 'sticky'
    sticky.mkdir()
    os.chmod(str(sticky), 0o1777)
    check_lock_dir(str(sticky))


def test_an_unsafe_lock_dir_is_refused_naming_the_option(tmp_path):
    open_dir = tmp_path / 'open'
    open_dir.mkdir()
    os.chmod(str(open_dir), 0o777)
    link = tmp_path / 'link'
    link.symlink_to(tmp_path / 'new')
    a_file = tmp_path / 'file'
    a_file.write_text('')
    for path, says in ((open_dir, 'sticky bit'), (link, 'symlink'), (a_file, 'not a directory')):
        with pytest.raises(LockDirError) as err:
            check_lock_dir(str(path))
        assert 'lock_dir' in str(err.value) and says in str(err.value)
        with pytest.raises(CloutilityError) as err:
            CloutilityClient(URL, lock_dir=str(path), **LOGIN)
        assert 'lock_dir %s' % path in str(err.value)
    assert not (tmp_path / 'new').exists(), 'nothing is created through a symlink'
    # The locks themselves never fail a task: an unsafe folder means no lock.
    lock = ControllerLock('x', directory=str(open_dir), shared=True).acquire()
    assert not lock.held and os.listdir(str(open_dir)) == []


def test_the_client_takes_its_object_and_login_locks_in_lock_dir(tmp_path):
    shared = tmp_path / 'shared'
    client = CloutilityClient(URL, lock_dir=str(shared), cache_dir=str(tmp_path / 'cache'), **LOGIN)
    assert client.lock_dir == str(shared)
    with client.controller_lock(7, 'consumer', 'web01') as lock:
        assert lock.held and os.path.dirname(lock.path) == str(shared)
        assert ControllerLock(client.base_url, 7, 'consumer', 'web01', directory=str(shared), shared=True).path == lock.path
    login = client._cache.login_lock(client._cache_key, 5, account=(client.base_url, LOGIN['client_id'], LOGIN['origin'], LOGIN['username']))
    assert os.path.dirname(login.path) == str(shared)
    other_home = CloutilityClient(URL, lock_dir=str(shared), cache_dir=str(tmp_path / 'other-cache'), **LOGIN)
    again = other_home._cache.login_lock(other_home._cache_key, 5, account=(other_home.base_url, LOGIN['client_id'], LOGIN['origin'],
                                                                            LOGIN['username']))
    assert again.path == login.path, 'controllers with their own homes (own cache keys) share the login lock'
    assert LOGIN['password'] not in login.path
    # Without lock_dir: the private folder, as before.
    assert CloutilityClient(URL, cache_dir=str(tmp_path / 'cache'), **LOGIN).controller_lock('x').directory == locks.default_lock_dir()


def test_login_through_lock_dir_keeps_tokens_private_and_leaves_no_lock(tmp_path, sim):
    shared = tmp_path / 'shared'
    cache = tmp_path / 'cache'
    client = CloutilityClient(sim.api_url, lock_dir=str(shared), cache_dir=str(cache), retries=0, **sim.login)
    client.get('bunits')
    assert client.login_count == 1
    assert lock_files(shared) == []
    assert not [name for name in os.listdir(str(shared)) if name.endswith('.json') or name == '.key'], 'no token in the shared folder'
    assert [name for name in os.listdir(str(cache)) if name.endswith('.json')], 'the token is in the private cache'


def test_the_environment_variable_sets_lock_dir(tmp_path, monkeypatch):
    shared = tmp_path / 'from-env'
    monkeypatch.setenv('CLOUTILITY_LOCK_DIR', str(shared))
    params = dict(api_url=URL, **LOGIN)
    result = ArgumentSpecValidator(argument_spec_of(connection_argument_spec())).validate(params)
    assert not result.error_messages
    assert result.validated_parameters['lock_dir'] == str(shared)
    client = client_from_options(result.validated_parameters)
    assert client.lock_dir == str(shared) and shared.is_dir()
    monkeypatch.setenv('CLOUTILITY_LOCK_DIR', str(tmp_path))
    os.chmod(str(tmp_path), 0o777)
    try:
        with pytest.raises(CloutilityError, match='lock_dir'):
            client_from_options(ArgumentSpecValidator(argument_spec_of(connection_argument_spec())).validate(params).validated_parameters)
    finally:
        os.chmod(str(tmp_path), 0o700)


# ------------------------------------------------------------------ issue 29: a lock file of another user
OTHER_UID = 65534  # nobody
needs_root = pytest.mark.skipif(not hasattr(os, 'geteuid') or os.geteuid() != 0, reason='needs root, to run a holder as another user')


@pytest.fixture
def world_dir():
    """A lock folder every user can write to (mode 1777, like /tmp), in a folder another user can reach."""
    import shutil  # pylint: disable=import-outside-toplevel
    import tempfile  # pylint: disable=import-outside-toplevel
    base = tempfile.mkdtemp(prefix='cloutility-locks-')
    os.chmod(base, 0o755)
    shared = os.path.join(base, 'shared')
    os.mkdir(shared)
    os.chmod(shared, 0o1777)
    yield shared
    shutil.rmtree(base, ignore_errors=True)


def _hold_as_other_user(directory, key, held, release):
    os.setgid(OTHER_UID)
    os.setuid(OTHER_UID)
    with ControllerLock(*key, directory=directory, shared=True, timeout=60) as lock:
        if lock.held:
            held.set()
        release.wait(60)


def _other_user_holds(directory, key):
    ctx = multiprocessing.get_context('fork')
    held, release = ctx.Event(), ctx.Event()
    process = ctx.Process(target=_hold_as_other_user, args=(directory, key, held, release))
    process.start()
    assert held.wait(10), 'the other user could not take the lock'
    return process, release


@needs_root
def test_a_lock_file_of_another_user_is_not_waited_on_for_long(world_dir, tmp_path, monkeypatch):
    """Measured: in a shared lock_dir (1777) another local user holding a lock stalled every task (210 s for the login)."""
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'home-cache'))
    process, release = _other_user_holds(world_dir, ('unit', 'web01'))
    try:
        path = ControllerLock('unit', 'web01', directory=world_dir, shared=True).path
        assert os.stat(path).st_uid == OTHER_UID
        warnings = []
        started = time.monotonic()
        lock = ControllerLock('unit', 'web01', directory=world_dir, shared=True, timeout=60, on_warning=warnings.append).acquire()
        try:
            assert lock.held and lock.fell_back
            assert locks.FOREIGN_WAIT <= time.monotonic() - started < locks.FOREIGN_WAIT + 3
            assert len(warnings) == 1 and path in warnings[0] and 'uid %d' % OTHER_UID in warnings[0]
            assert 'is not waited on for more than 5 s' in warnings[0] and locks.default_lock_dir() in warnings[0]
            # Its own lock still excludes the forks of this controller.
            with pytest.raises(LockTimeout):
                ControllerLock('unit', 'web01', directory=world_dir, shared=True, timeout=0.3, foreign_wait=0.2).acquire()
        finally:
            lock.release()
        assert not lock.held
        with ControllerLock('unit', 'web01', directory=world_dir, shared=True, timeout=1, foreign_wait=0.2) as again:
            assert again.held and again.fell_back
        assert os.stat(path).st_uid == OTHER_UID and os.path.getsize(path) > 0, "the other user's file is left as it is"
    finally:
        release.set()
        process.join(10)


@needs_root
def test_a_free_lock_file_of_another_user_is_taken_and_never_written(world_dir, tmp_path, monkeypatch):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'home-cache'))
    lock = ControllerLock('free', directory=world_dir, shared=True)
    fd = os.open(lock.path, os.O_CREAT | os.O_WRONLY, 0o644)
    os.close(fd)
    os.chown(lock.path, OTHER_UID, OTHER_UID)
    with lock:
        assert lock.held and not lock.fell_back
    assert not os.path.exists(lock.path) or os.path.getsize(lock.path) == 0


@needs_root
def test_the_login_lock_of_another_user_costs_a_task_seconds_not_minutes(world_dir, tmp_path, sim, monkeypatch):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'home-cache'))
    client = CloutilityClient(sim.api_url, lock_dir=world_dir, cache_dir=str(tmp_path / 'cache'), **sim.login)
    account = (client.base_url, sim.login['client_id'], sim.login['origin'], sim.login['username'])
    process, release = _other_user_holds(world_dir, ('login',) + account)
    try:
        started = time.monotonic()
        client.get('bunits')
        assert time.monotonic() - started < locks.FOREIGN_WAIT + 5
        assert client.login_count == 1
        assert [line for line in client.warnings if 'uid %d' % OTHER_UID in line and 'first-login lock' in line]
    finally:
        release.set()
        process.join(10)


def test_a_symlink_planted_under_a_lock_name_is_never_followed(tmp_path, monkeypatch):
    """Another user plants a symlink where the lock file will be: never followed nor written through; own lock, a warning."""
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'home-cache'))
    shared = tmp_path / 'shared'
    shared.mkdir()
    os.chmod(str(shared), 0o1777)
    target = tmp_path / 'victim'
    target.write_text('keep me')
    warnings = []
    lock = ControllerLock('unit', 'web01', directory=str(shared), shared=True, on_warning=warnings.append)
    os.symlink(str(target), lock.path)
    with lock:
        assert lock.held and lock.fell_back
        assert os.path.dirname(lock._fallback.path) == locks.default_lock_dir()
    assert target.read_text() == 'keep me' and os.path.islink(lock.path)
    assert len(warnings) == 1 and 'a symlink' in warnings[0] and lock.path in warnings[0]
