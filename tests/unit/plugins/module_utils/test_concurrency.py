# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import (
    Failure,
    bounded_workers,
    map_bounded,
)


def test_results_in_input_order_and_bounded():
    active = []
    peak = []
    lock = threading.Lock()

    def work(item):
        with lock:
            active.append(item)
            peak.append(len(active))
        time.sleep(0.01 * (5 - item % 5))
        with lock:
            active.remove(item)
        return item * 10

    assert map_bounded(work, range(20), workers=4) == [i * 10 for i in range(20)]
    assert max(peak) == 4


def test_errors_raised_or_captured():
    def work(item):
        if item == 3:
            raise ValueError('three')
        return item

    with pytest.raises(ValueError, match='three'):
        map_bounded(work, range(6), workers=3)
    results = map_bounded(work, range(6), workers=3, capture=True)
    assert isinstance(results[3], Failure) and str(results[3].error) == 'three'
    assert [r for i, r in enumerate(results) if i != 3] == [0, 1, 2, 4, 5]
    assert map_bounded(work, [], workers=3) == []


def test_bounded_workers():
    assert bounded_workers(0) == 1
    assert bounded_workers(1000) == 64
    assert bounded_workers('x') == 8
    assert bounded_workers(16, [1, 2]) == 2
