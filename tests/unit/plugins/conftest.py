# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's simulator/ on the import path when the package is not installed (as under ansible-test units), so
the tests import ``cloutility_simulator`` plainly; ``sim``, a simulator for one test (module_utils and lookup tests),
with ``sim.reader()`` (a client and its tree) and ``sim.routes()`` (the requests counted by route)."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

if importlib.util.find_spec('cloutility_simulator') is None:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'simulator'))

try:
    from cloutility_simulator.testing import running_simulator  # pylint: disable=wrong-import-position
except ImportError:  # pragma: no cover - flask missing
    running_simulator = None

# The seeded account's connection options (simulator/cloutility_simulator/seed/default.json).
SEED_LOGIN = dict(client_id='ansible-demo', origin='https://ansible.example.com', username='ansible@example.com', password='Sim-Passw0rd!')


@pytest.fixture
def sim_config():
    """The simulator's settings for ``sim``; a test module overrides this fixture for others (e.g. a smaller page)."""
    return dict(page_size=100)


@pytest.fixture
def sim(sim_config):  # pylint: disable=redefined-outer-name
    """A simulator served in a thread for one test; ``sim.login`` is the seed account's connection options."""
    if running_simulator is None:
        pytest.skip('cloutility_simulator is not installed')
    with running_simulator(**sim_config) as simulator:
        simulator.login = dict(SEED_LOGIN)
        simulator.reader = lambda: _reader(simulator)
        simulator.routes = lambda: _routes(simulator)
        yield simulator


def _reader(simulator):
    """A client of the seed account (no token cache, no retries) and its business unit tree, for a reader."""
    from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient  # pylint: disable=import-outside-toplevel
    from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree  # pylint: disable=import-outside-toplevel
    client = CloutilityClient(simulator.api_url, token_cache=False, retries=0, **simulator.login)
    return client, BusinessUnitTree(client)


def _routes(simulator):
    """The requests the simulator counted, by route, logins left out."""
    return dict((route, count) for route, count in simulator.counters()['by_route'].items() if 'oauth' not in route)
