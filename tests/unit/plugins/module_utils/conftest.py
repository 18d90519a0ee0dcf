# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator for the tests of this folder: ``sim`` serves one (page size 100) and carries the seed's login."""

from __future__ import annotations


import pytest

try:
    from cloutility_simulator.testing import running_simulator
except ImportError:  # pragma: no cover - flask missing (the simulator's folder is on the path: ../conftest.py)
    running_simulator = None

# The seeded account's connection options (simulator/cloutility_simulator/seed/default.json).
SEED_LOGIN = dict(client_id='ansible-demo', origin='https://ansible.example.com', username='ansible@example.com', password='Sim-Passw0rd!')


@pytest.fixture
def sim():
    """A simulator served in a thread for one test; ``sim.login`` is the seed account's connection options."""
    if running_simulator is None:
        pytest.skip('cloutility_simulator is not installed')
    with running_simulator(page_size=100) as simulator:
        simulator.login = dict(SEED_LOGIN)
        yield simulator
