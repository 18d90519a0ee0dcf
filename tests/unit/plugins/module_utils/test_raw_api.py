# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of raw_api.py: cloutility_api's path and query checks, and its request (api_call) against the simulator."""

from __future__ import annotations

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.raw_api import api_path, query_params


@pytest.mark.parametrize('given, expected', [
    ('bunits/22', 'bunits/22'),
    ('/bunits/22', 'bunits/22'),
    ('/v1/bunits/22/consumers', 'bunits/22/consumers'),
    ('v1/fullVersion', 'fullVersion'),
])
def test_api_path(given, expected):
    assert api_path(given) == expected


@pytest.mark.parametrize('given, message', [
    ('', 'required'),
    ('https://portal.example.com/v1/bunits', 'relative'),
    ('bunits?x=1', 'query'),
    ('bunits/../oauth', '..'),
    ('/v1/oauth', 'oauth'),
    # the '..' rule on the decoded path (issue 20)
    ('bunits/%2e%2e/oauth', '..'),
    ('bunits/%2E%2E/22', '..'),
    ('bunits/%252e%252e/22', '..'),
    ('bunits/.%2e/22', '..'),
    ('bunits/..%5C22', '..'),
    ('bunits%2F..%2F22', '..'),
    ('%6fauth', 'oauth'),
])
def test_api_path_refuses(given, message):
    with pytest.raises(CloutilityError, match=message.replace('?', r'\?').replace('.', r'\.')):
        api_path(given)


def test_query_params():
    assert query_params({'a': True, 'b': [0, 100], 'c': None, 'd': 5, 'e': 'x'}) == \
        {'a': 'true', 'b': ['0', '100'], 'd': '5', 'e': 'x'}
    assert query_params(None) == {}


# --------------------------------------------------------------------------- api_call against the simulator
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient  # noqa: E402
from ansible_collections.cloutility.cloutility.plugins.module_utils.raw_api import api_call  # noqa: E402

CALL = dict(method='GET', path=None, query=None, body=None, follow_pages=False, return_secrets=False)
ACTIVATE = 'bunits/94/consumers/408/node/activate'


def _client(sim):
    return CloutilityClient(sim.api_url, token_cache=False, retries=0, **sim.login)


def _sent(sim):
    return dict((route, count) for route, count in sim.counters()['by_route'].items() if 'oauth' not in route)


def test_a_get_reads_and_masks_secrets(sim):
    result = api_call(_client(sim), dict(CALL, path='/v1/bunits/94/consumers/408/node'))
    assert (result['method'], result['path'], result['changed'], result['skipped_in_check_mode']) == ('GET', 'bunits/94/consumers/408/node', False, False)
    assert result['json']['tsmPassword'] == '********'
    shown = api_call(_client(sim), dict(CALL, path='bunits/94/consumers/408/node', return_secrets=True))
    assert shown['json']['tsmPassword'] != '********'


def test_follow_pages_collects_every_item(sim):
    result = api_call(_client(sim), dict(CALL, path='bunits/94/consumers', follow_pages=True))
    assert len(result['collection']) == result['json']['total'] and not result['changed']


@pytest.mark.parametrize('change, message', [
    (dict(method='POST', follow_pages=True), 'follow_pages applies to GET only, not POST'),
    (dict(body={'a': 1}), 'A GET request has no body; use query for parameters'),
    (dict(path=ACTIVATE, follow_pages=True), 'follow_pages does not apply to GET %s: it acts, it is no collection' % ACTIVATE),
    (dict(path='bunits/%2e%2e/oauth'), '..'),
])
def test_refused_before_any_request(sim, change, message):
    params = dict(CALL, path='bunits/94')
    params.update(change)
    with pytest.raises(CloutilityError) as caught:
        api_call(_client(sim), params)
    assert message in str(caught.value)
    assert sim.counters()['total'] == 0


@pytest.mark.parametrize('method, path', [('GET', ACTIVATE), ('POST', 'bunits/94/consumers'), ('DELETE', 'bunits/94/consumers/408')])
def test_check_mode_sends_nothing_with_a_side_effect(sim, method, path):
    result = api_call(_client(sim), dict(CALL, method=method, path=path, body={'name': 'x'} if method == 'POST' else None), check_mode=True)
    assert result == dict(method=method, path=path, changed=True, skipped_in_check_mode=True, json=None)
    assert sim.counters()['total'] == 0


def test_check_mode_sends_a_get_without_side_effect(sim):
    result = api_call(_client(sim), dict(CALL, path='bunits/94'), check_mode=True)
    assert result['json']['name'] == 'Contoso' and not result['changed'] and not result['skipped_in_check_mode']
    assert _sent(sim) == {'GET /v1/bunits/{id}': 1}
