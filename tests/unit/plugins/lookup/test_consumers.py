# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The consumers lookup against the simulator: concurrent lists give the same entries, in the same order."""

from __future__ import annotations


import pytest

from ansible.errors import AnsibleError
from ansible.plugins.loader import lookup_loader


@pytest.fixture
def sim_config():
    """A small page (the lookup walks several) and a strict simulator, for ``sim`` (../conftest.py)."""
    return dict(page_size=3, strict=True)


def _lookup(sim, terms, **options):
    lookup = lookup_loader.get('cloutility.cloutility.consumers')
    return lookup.run(terms, variables={}, api_url=sim.api_url, token_cache=False, **dict(sim.login, **options))


def test_workers_give_the_same_entries_in_the_same_order(sim):
    serial = _lookup(sim, [''], descendants=True, workers=1)
    requests = sim.counters()['by_route']['GET /v1/bunits/{id}/consumers']
    parallel = _lookup(sim, [''], descendants=True, workers=8)
    assert parallel == serial
    assert [entry['id'] for entry in serial] == [408, 415, 423, 431, 442, 448, 456, 463]
    assert serial[0] == dict(id=408, name='web01', bunit_id=94, bunit_path='Acme Hosting/Customers/Contoso')
    assert sim.counters()['by_route']['GET /v1/bunits/{id}/consumers'] == 2 * requests


def test_workers_out_of_range_refused_before_any_request(sim):
    with pytest.raises(AnsibleError, match='cloutility.cloutility.consumers: workers must be from 1 to 64, not 0'):
        _lookup(sim, [''], workers=0)
    assert sim.counters()['total'] == 0


@pytest.mark.parametrize('options, problem', [
    (dict(retries=-1), 'retries must be from 0 to 100, not -1'),
    (dict(retry_max_time=-5), 'retry_max_time must be from 0 to 86400, not -5'),
    (dict(timeout=99999), 'timeout must be from 1 to 3600, not 99999'),
    (dict(workers=True), 'workers must be a number, not a boolean'),
])
def test_the_lookups_check_their_options_like_the_modules(sim, options, problem):
    """plugin_utils/connection.py: the controller-side plugins go through the modules' validator and rules (issue 29)."""
    with pytest.raises(AnsibleError, match=problem):
        _lookup(sim, [''], **options)
    lookup = lookup_loader.get('cloutility.cloutility.default_server')
    url = sim.api_url.replace('://', '://someone:Url-Secret-3@')
    with pytest.raises(AnsibleError) as raised:
        lookup.run(['Contoso'], variables={}, token_cache=False, **dict(sim.login, api_url=url))
    assert 'cloutility.cloutility.default_server: api_url must not hold a user name or password' in str(raised.value)
    assert 'Url-Secret-3' not in str(raised.value)
    assert sim.counters()['total'] == 0
