# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import time

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.locks import ControllerLock, LockTimeout


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
