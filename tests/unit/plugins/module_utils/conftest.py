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
