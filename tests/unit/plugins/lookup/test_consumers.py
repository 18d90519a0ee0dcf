# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The consumers lookup against the simulator: concurrent lists give the same entries, in the same order."""

from __future__ import annotations


import pytest

from ansible.errors import AnsibleError
from ansible.plugins.loader import lookup_loader

try:
    from cloutility_simulator.testing import running_simulator
except ImportError:  # pragma: no cover - flask missing (the simulator's folder is on the path: ../conftest.py)
    running_simulator = None

SEED = dict(client_id='ansible-demo', origin='https://ansible.example.com', username='ansible@example.com', password='Sim-Passw0rd!')


@pytest.fixture
def simulator():
    if running_simulator is None:
        pytest.skip('cloutility_simulator is not installed')
    with running_simulator(page_size=3, strict=True) as sim:
        yield sim


def _lookup(sim, terms, **options):
    lookup = lookup_loader.get('cloutility.cloutility.consumers')
    return lookup.run(terms, variables={}, api_url=sim.api_url, token_cache=False, **dict(SEED, **options))


def test_workers_give_the_same_entries_in_the_same_order(simulator):
    serial = _lookup(simulator, [''], descendants=True, workers=1)
    requests = simulator.counters()['by_route']['GET /v1/bunits/{id}/consumers']
    parallel = _lookup(simulator, [''], descendants=True, workers=8)
    assert parallel == serial
    assert [entry['id'] for entry in serial] == [408, 415, 423, 431, 442, 448, 456, 463]
    assert serial[0] == dict(id=408, name='web01', bunit_id=94, bunit_path='Acme Hosting/Customers/Contoso')
    assert simulator.counters()['by_route']['GET /v1/bunits/{id}/consumers'] == 2 * requests


def test_workers_out_of_range_refused_before_any_request(simulator):
    with pytest.raises(AnsibleError, match='workers must be between 1 and 64'):
        _lookup(simulator, [''], workers=0)
    assert simulator.counters()['total'] == 0
