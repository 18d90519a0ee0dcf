# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the node helpers: name rules, reference resolution, activation planning, proxies."""

from __future__ import annotations

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import option_problems
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import (
    NODE_OPTIONS,
    ReferenceCache,
    References,
    check_type_supported,
    is_activated,
    pending_deletion,
    plan_activation,
    same_tsm_name,
    validate_node_params,
    validate_tsm_name,
    writable_body,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.proxy import in_proxy_list


class FakeClient:
    """Answers GETs from a dict keyed by path; records every call."""

    def __init__(self, answers=None):
        self.answers = answers or {}
        self.calls = []

    def _answer(self, path):
        answer = self.answers[path]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get_object(self, path, params=None, what=None, keys=()):  # the real client also checks the shape
        return self.get(path, params)

    def get(self, path, params=None):
        self.calls.append(('GET', path, params))
        return self._answer(path)

    def get_all(self, path, params=None):
        self.calls.append(('GET*', path, params))
        return self._answer(path)

    def request(self, method, path, params=None, json=None, retry=None):
        self.calls.append((method, path, params, retry))
        return self._answer(method + ' ' + path)

    def post(self, path, json=None, params=None):
        return self.request('POST', path, params=params, json=json)


# ---------------------------------------------------------------------------- node names
@pytest.mark.parametrize('name, expected', [
    ('web01', 'WEB01'),
    ('CONTOSO-FS01', 'CONTOSO-FS01'),
    ('a.b_c-d+e&f', 'A.B_C-D+E&F'),
    ('X' * 64, 'X' * 64),
    ('0', '0'),
])
def test_valid_tsm_names_are_upper_cased(name, expected):
    assert validate_tsm_name(name) == expected


@pytest.mark.parametrize('name, fragment', [
    ('bad name', 'a space at position 4'),
    ('web01!', "'!' at position 6"),
    ('host/01', "'/' at position 5"),
    ('snö', "'ö' at position 3"),
    ('tab\there', 'a tab at position 4'),
    ('a\x01', 'the control character U+0001 at position 2'),
    ('ß', "'ß' at position 1"),
])
def test_invalid_characters_are_named(name, fragment):
    with pytest.raises(CloutilityError) as err:
        validate_tsm_name(name)
    message = str(err.value)
    assert fragment in message
    assert 'A-Z' in message and '_ . - + &' in message


def test_too_long_name():
    with pytest.raises(CloutilityError, match='65 characters long; .* at most 64'):
        validate_tsm_name('A' * 65)


@pytest.mark.parametrize('name', ['', None])
def test_empty_name(name):
    with pytest.raises(CloutilityError, match='must not be empty'):
        validate_tsm_name(name)


def test_option_name_in_message():
    with pytest.raises(CloutilityError, match="^The server-suggested name 'a b'"):
        validate_tsm_name('a b', option='The server-suggested name')


def test_same_tsm_name_is_case_insensitive():
    assert same_tsm_name('Contoso-Web01', 'CONTOSO-WEB01')
    assert not same_tsm_name('CONTOSO-WEB01', 'CONTOSO-WEB02')
    assert not same_tsm_name(None, 'X')


# ---------------------------------------------------------------------------- parameters before any call
BASE_PARAMS = dict(consumer='fs01', consumer_id=None, tsm_name=None, node_password=None, cpu_count=None)


def test_params_need_a_consumer():
    with pytest.raises(CloutilityError, match='consumer'):
        validate_node_params(dict(BASE_PARAMS, consumer=None))


@pytest.mark.parametrize('changes, fragment', [
    ({'tsm_name': 'web01'}, 'tsm_name is the name to activate the node with and needs activate: true'),
    ({'tsm_name': 'web01', 'activate': True, 'state': 'absent'}, 'activate, tsm_name cannot be used with state: absent'),
    ({'node_password': 'Secret-123', 'state': 'absent'}, 'node_password cannot be used with state: absent'),
])
def test_bad_combinations_fail(changes, fragment):
    with pytest.raises(CloutilityError) as err:
        validate_node_params(dict(BASE_PARAMS, **changes))
    assert fragment in str(err.value)


@pytest.mark.parametrize('changes, message', [
    ({'tsm_name': 'no spaces please'}, "tsm_name 'no spaces please' is not a valid IBM Storage Protect node name"),
    ({'cpu_count': 0}, 'cpu_count must be from 1 to 4096, not 0'),
    ({'node_password': 'has space1'}, 'node_password must be 8 to 64 characters without spaces'),
    ({'node_password': 'abc'}, 'node_password must be 8 to 64 characters without spaces'),
    ({'node_password': 'x' * 65}, 'node_password must be 8 to 64 characters without spaces'),
    ({'consumer': '  '}, 'consumer must not be empty or blank'),
    ({'consumer': {'a': 1}}, 'consumer must be a string, not a dictionary'),
    ({'bunit': -3}, 'bunit must be a business unit path or an id of 1 or more, not -3'),
    ({'consumer_id': 0}, 'consumer_id must be 1 or more, not 0'),
])
def test_bad_values_are_refused_by_the_declared_rules(changes, message):
    found = option_problems(NODE_OPTIONS, dict(BASE_PARAMS, **changes))
    assert len(found) == 1 and found[0].startswith(message), found


def test_good_params_pass():
    validate_node_params(dict(BASE_PARAMS, tsm_name='ok', activate=True, cpu_count=2, node_password='Secret-123'))
    validate_node_params(dict(BASE_PARAMS, state='absent', activate=False))


def test_reference_cache_reads_each_list_once_across_unit_references():
    cache = ReferenceCache()
    client = FakeClient(ANSWERS)
    for _round in range(3):
        References(client, 94, cache=cache).resolve_all({'operating_system': 'Linux', 'node_type': 'File Server', 'domain': '30DAYS'})
    assert sorted(call[1] for call in client.calls) == ['bunits/94/defaultserver/domains', 'nodeoperatingsystems', 'nodetypes']


# ---------------------------------------------------------------------------- references
OSES = [{'id': 3, 'name': 'Linux', 'supportedNodeTypes': [{'id': 2, 'name': 'File Server'}, {'id': 4, 'name': 'Workstation'}]},
        {'id': 8, 'name': 'macOS', 'supportedNodeTypes': [{'id': 4, 'name': 'Workstation'}]}]
TYPES = [{'id': 2, 'name': 'File Server'}, {'id': 4, 'name': 'Workstation'}]
DOMAINS = [{'id': 14, 'name': 'STANDARD'}, {'id': 15, 'name': '30DAYS'}]
ANSWERS = {
    'nodeoperatingsystems': OSES,
    'nodetypes': TYPES,
    'bunits/94/defaultserver/domains': DOMAINS,
    'bunits/94/defaultserver/clientoptionsets': [{'id': 31, 'name': 'DEDUP_AND_COMPRESS'}],
    'bunits/94/defaultserver': {'id': 3, 'name': 'tsm01'},
}
NODE = {'id': 1201, 'operatingSystem': {'id': 3, 'name': 'Linux'}, 'type': {'id': 2, 'name': 'File Server'},
        'domain': {'id': 14, 'name': 'STANDARD', 'server': {'id': 3, 'name': 'tsm01'}}}


def test_current_reference_by_name_or_id_needs_no_lookup():
    client = FakeClient(ANSWERS)
    refs = References(client, 94)
    resolved = refs.resolve_all({'operating_system': 'linux', 'node_type': '2', 'domain': 'STANDARD', 'server': 'tsm01'}, NODE)
    assert resolved['operating_system']['id'] == 3
    assert resolved['node_type']['id'] == 2
    assert resolved['server']['id'] == 3  # taken from domain.server when the node has no server key
    assert client.calls == []


def test_other_reference_is_looked_up_once():
    client = FakeClient(ANSWERS)
    refs = References(client, 94)
    assert refs.resolve('domain', '30days', NODE['domain'])['id'] == 15
    assert refs.resolve('domain', '14', None)['id'] == 14
    assert client.calls == [('GET*', 'bunits/94/defaultserver/domains', None)]


def test_unknown_reference_lists_valid_names():
    refs = References(FakeClient(ANSWERS), 94)
    with pytest.raises(CloutilityError, match="Domain '7YEARS' not found. Valid names: STANDARD, 30DAYS"):
        refs.resolve('domain', '7YEARS')
    with pytest.raises(CloutilityError, match='Client option set .* DEDUP_AND_COMPRESS'):
        refs.resolve('client_option_set', 'NOPE')
    with pytest.raises(CloutilityError, match='Node type id 99 not found'):
        refs.resolve('node_type', 99)


def test_renamed_reference_is_compared_by_id():
    """The node still shows an old name for domain 15: asking for its new name is no change."""
    client = FakeClient(ANSWERS)
    refs = References(client, 94)
    resolved = refs.resolve('domain', '30DAYS', {'id': 15, 'name': 'MONTH'})
    assert resolved['id'] == 15


def test_unsupported_type_for_os():
    refs = References(FakeClient(ANSWERS), 94)
    with pytest.raises(CloutilityError, match="'File Server' is not supported for operating system 'macOS'. Supported: Workstation"):
        refs.resolve_all({'operating_system': 'macOS', 'node_type': 'File Server'})
    check_type_supported({'id': 3, 'name': 'Linux'}, {'id': 2})  # no list: nothing to check


def test_writable_body_sends_ids_only():
    body = writable_body(dict(NODE, contact='x', cpuCount=2, tsmPassword='secret', tsmName='N', href='h'))
    assert body == {'operatingSystem': {'id': 3}, 'type': {'id': 2}, 'domain': {'id': 14}, 'contact': 'x', 'cpuCount': 2}


# ---------------------------------------------------------------------------- activation
def test_plan_activation():
    fresh = {'id': 1}
    active = {'id': 1, 'tsmName': 'CONTOSO-WEB01', 'activatedDate': '2023-07-09T15:20:00Z', 'consumer': {'id': 408}}
    assert plan_activation(fresh, False, None) is None
    assert plan_activation(fresh, True, None) == ''
    assert plan_activation(fresh, True, 'contoso-fs01') == 'CONTOSO-FS01'
    assert plan_activation(None, True, 'x') == 'X'
    assert plan_activation(active, True, 'contoso-web01') is None
    assert plan_activation(active, True, None) is None
    with pytest.raises(CloutilityError, match="already activated as 'CONTOSO-WEB01'.*cannot be renamed"):
        plan_activation(active, True, 'OTHER')
    with pytest.raises(CloutilityError, match='cannot be renamed'):
        plan_activation(active, False, 'OTHER')
    with pytest.raises(CloutilityError, match='a space'):
        plan_activation(fresh, True, 'has space')


def test_is_activated():
    assert not is_activated(None)
    assert not is_activated({'id': 1})
    assert is_activated({'activatedDate': '2024-01-01T00:00:00Z'})


# ---------------------------------------------------------------------------- deletion and proxies
def test_pending_deletion():
    assert pending_deletion(None, {'dataSourceState': {'id': 5, 'name': 'Pending deletion'}})
    assert not pending_deletion({'id': 1}, {'dataSourceState': {'id': 3, 'name': 'Active'}, 'locked': False})


def test_proxy_membership_by_consumer_or_node_id():
    items = [{'id': 1240, 'consumer': {'id': 456}}]
    assert in_proxy_list(items, 456, None)
    assert in_proxy_list(items, 999, {'id': 1240})
    assert not in_proxy_list(items, 408, {'id': 1201})
    assert not in_proxy_list([], 456, None)
