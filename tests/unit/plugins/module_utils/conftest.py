# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of this folder's tests (the simulator's ``sim`` is in ../conftest.py, shared with the lookup tests)."""

from __future__ import annotations

import threading

import pytest


@pytest.fixture
def run_threads():
    """``run_threads(target, count)``: ``target`` in ``count`` threads started together; returns when all have ended."""
    def run(target, count):
        threads = [threading.Thread(target=target) for _n in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return run


class Clock:
    """A fake clock for the client's waits: ``sleeps`` records each wait, which moves ``now`` on."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """The client's time and jitter replaced: waits are recorded, not slept, and never stretched."""
    from ansible_collections.cloutility.cloutility.plugins.module_utils import api_client  # pylint: disable=import-outside-toplevel
    fake = Clock()
    monkeypatch.setattr(api_client.time, 'sleep', fake.sleep)
    monkeypatch.setattr(api_client.time, 'monotonic', fake.monotonic)
    monkeypatch.setattr(api_client.random, 'random', lambda: 0.0)
    return fake
