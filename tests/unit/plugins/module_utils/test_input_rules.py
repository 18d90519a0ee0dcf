# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input rules beyond the argument spec, secret masking by key name, and the side-effect GETs."""

from __future__ import annotations

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import (
    RULE_KEYS,
    argument_spec_of,
    connection_argument_spec,
    option_problems,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import has_side_effect
from ansible_collections.cloutility.cloutility.plugins.module_utils.masking import mask_secrets, secret_values

SPEC = dict(
    name=dict(type='str', required=True, not_blank=True),
    note=dict(type='str', only_in_state='present'),
    limit=dict(type='float', min=0, only_in_state='present'),
    count=dict(type='int', min=1, max=10),
    flag=dict(type='bool'),
    purge=dict(type='bool', default=False, only_in_state='absent'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    code=dict(type='str', check=lambda value: None if value.isalpha() else 'must hold letters only'),
    items=dict(type='list', elements='dict', options=dict(host=dict(type='str', not_blank=True), size=dict(type='int', min=1))),
)


def problems(given, **params):
    converted = dict((key, None) for key in SPEC)
    converted.update(state='present', purge=False)
    converted.update(params)
    return option_problems(SPEC, converted, given)


def test_good_input_has_no_problem():
    assert problems({'name': 'web01', 'count': 3}, name='web01', count=3, limit=0.0) == []
    assert problems({'name': 2026}, name='2026') == [], 'a number is text, as Ansible converts it'
    assert problems({'name': 'web01', 'purge': True, 'state': 'absent'}, name='web01', purge=True, state='absent') == []


@pytest.mark.parametrize('value, kind', [({'a': 1}, 'a dictionary'), (['a'], 'a list'), (True, 'a boolean')])
def test_wrong_types_for_text_are_refused(value, kind):
    assert problems({'name': value}, name=str(value)) == [
        'name must be a string, not %s; quote the value if it is meant as text' % kind]


def test_booleans_and_collections_are_no_numbers():
    assert problems({'name': 'x', 'count': True}, name='x', count=1) == ['count must be a number, not a boolean']
    assert problems({'name': 'x', 'limit': [1]}, name='x', limit=1.0) == ['limit must be a number, not a list']
    assert problems({'name': 'x', 'limit': float('inf')}, name='x', limit=float('inf')) == ['limit must be a finite number, not inf']


def test_without_the_given_values_the_converted_ones_are_judged():
    assert option_problems(SPEC, {'name': {'a': 1}}) == ['name must be a string, not a dictionary; quote the value if it is meant as text']


@pytest.mark.parametrize('name', ['', ' ', '\t\n'])
def test_blank_names_are_refused(name):
    assert problems({'name': name}, name=name) == ['name must not be empty or blank']


@pytest.mark.parametrize('params, message', [
    ({'limit': -0.5}, 'limit must be 0 or more, not -0.5'),
    ({'limit': float('nan')}, 'limit must be 0 or more, not nan'),
    ({'limit': float('-inf')}, 'limit must be 0 or more, not -inf'),
    ({'count': 0}, 'count must be from 1 to 10, not 0'),
    ({'count': 11}, 'count must be from 1 to 10, not 11'),
])
def test_numbers_out_of_their_range_are_refused(params, message):
    assert problems({'name': 'x'}, name='x', **params) == [message]


def test_options_without_effect_in_the_state_are_refused():
    assert problems({}, name='x', state='absent', note='gone') == [
        'note has no effect with state=absent (only with state=present); remove it']
    assert problems({}, name='x', purge=True) == ['purge has no effect with state=present (only with state=absent); remove it']
    assert problems({}, name='x', purge=False) == [], 'the default is no choice'


def test_a_rule_of_its_own():
    assert problems({}, name='x', code='ab1') == ['code must hold letters only']
    assert problems({}, name='x', code='abc') == []


def test_entries_of_a_list_are_checked_and_named():
    given = [dict(host='a', size=2), dict(host=' ', size=0), dict(host=['x'], size=1)]
    converted = [dict(host='a', size=2), dict(host=' ', size=0), dict(host="['x']", size=1)]
    assert problems({'items': given}, name='x', items=converted) == [
        'items[1].host must not be empty or blank', 'items[1].size must be 1 or more, not 0',
        "items[2].host must be a string, not a list; quote the value if it is meant as text"]


def test_every_problem_is_listed():
    assert len(problems({'name': ' '}, name=' ', limit=-1.0, state='absent', note='n')) == 4


def test_the_argument_spec_has_no_rules():
    spec = argument_spec_of(SPEC)
    assert spec['count'] == dict(type='int') and spec['name'] == dict(type='str', required=True)
    assert spec['items']['options']['size'] == dict(type='int') and SPEC['count']['min'] == 1
    assert not [key for option in spec.values() for key in option if key in RULE_KEYS]


def test_the_connection_options_have_ranges():
    declared = connection_argument_spec()
    params = dict((name, None) for name in declared)
    assert option_problems(declared, dict(params, timeout=10 ** 308)) == ['timeout must be from 1 to 3600, not %s' % 10 ** 308]
    assert option_problems(declared, dict(params, retries=-3, retry_max_time=-1.0)) == [
        'retries must be from 0 to 100, not -3', 'retry_max_time must be from 0 to 86400, not -1.0']


def test_secret_keys_are_masked_at_any_depth():
    answer = {'id': 1, 'tsmPassword': 'pw', 'node': {'items': [{'apiToken': 'tk', 'clientSecret': {'value': 's'}}]},
              'passwordExpirationDays': 90, 'mustChangePassword': False, 'resetToken': None, 'name': 'password'}
    assert mask_secrets(answer) == {'id': 1, 'tsmPassword': '********', 'node': {'items': [{'apiToken': '********', 'clientSecret': '********'}]},
                                    'passwordExpirationDays': 90, 'mustChangePassword': False, 'resetToken': None, 'name': 'password'}
    assert mask_secrets([{'TSMPASSWORD': 'x'}, 'plain']) == [{'TSMPASSWORD': '********'}, 'plain']
    assert answer['tsmPassword'] == 'pw', 'the answer itself is left alone'


def test_secret_values_of_a_request_body():
    assert secret_values({'tsmPassword': 'p1', 'name': 'n', 'nested': [{'token': 't1'}], 'secrets': {'a': 'p2'}}) == {'p1', 't1', 'p2'}
    assert secret_values(None) == set() and secret_values('text') == set()


@pytest.mark.parametrize('method, path, acts', [
    ('GET', 'bunits/94/consumers/415/node/activate', True),
    ('GET', '/v1/bunits/94/consumers/415/node/activate?tsmName=X', True),
    ('GET', 'bunits/94/consumers/415/node', False),
    ('GET', 'bunits/94/consumers/415/node/filespaces', False),
    ('GET', 'fullVersion', False),
    ('POST', 'bunits/94/consumers', True),
    ('DELETE', 'bunits/94', True),
    ('PATCH', 'x', True),
    # judged on the path the portal serves (issue 20): percent-decoded until stable, '//' collapsed, any letter case
    ('GET', 'bunits/94/consumers/415/node/%61ctivate', True),
    ('GET', 'bunits/94/consumers/415/node//activate', True),
    ('GET', 'BUNITS/94/CONSUMERS/415/NODE/ACTIVATE', True),
    ('GET', 'bunits/94/consumers/415/node/%2561ctivate', True),
    ('GET', 'bunits/94/consumers/415/node/%252561ctivate', True),
    ('GET', '//v1//bunits/94/consumers/415/node/./activate/', True),
    ('GET', 'V1/bunits%2F94%2Fconsumers%2F415%2Fnode%2Factivate', True),
    ('GET', 'bunits\\94\\consumers\\415\\node\\activate', True),
    ('GET', 'bunits/94/consumers/415/node/%61ctivate?tsmName=X', True),
    ('GET', 'bunits/94/consumers/415/node/%66ilespaces', False),
])
def test_side_effects(method, path, acts):
    assert has_side_effect(method, path) is acts


# ------------------------------------------------------------------ checked_settings: code outside a module
OWN = dict(port=dict(type='int', default=5000, min=0, max=65535), bookmark=dict(type='path', not_blank=True),
           kinds=dict(type='list', elements='str', default=['a']), code=dict(type='str', required=True, no_log=True, env='SOURCE_CODE'))


@pytest.mark.parametrize('given, problem', [
    (dict(port=True, code='c'), 'port must be a number, not a boolean'),
    (dict(bookmark=['a', 'b'], code='c'), 'bookmark must be a string, not a list'),
    (dict(port=70000, code='c'), 'port must be from 0 to 65535, not 70000'),
    (dict(bookmark=' ', code='c'), 'bookmark must not be empty or blank'),
    (dict(porte=1, code='c'), 'unknown argument porte; the arguments are bookmark, code, kinds, port'),
    (dict(port=1), 'missing arguments: code. Set them as arguments, or with the environment variable SOURCE_CODE'),
])
def test_checked_settings_refuses_what_a_module_refuses(given, problem):
    from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import checked_settings  # pylint: disable=import-outside-toplevel
    options, problems = checked_settings(OWN, given, environ={}, connection=False)
    assert [p for p in problems if problem in p], problems


def test_checked_settings_converts_reads_variables_and_checks_connection_options():
    from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import checked_settings  # pylint: disable=import-outside-toplevel
    options, problems = checked_settings(OWN, dict(port='80'), environ={'SOURCE_CODE': 'abc'}, connection=False)
    assert problems == [] and options['port'] == 80 and options['code'] == 'abc' and options['kinds'] == ['a']
    login = dict(api_url='http://127.0.0.1:1/v1', client_id='c', origin='o', username='u', password='p')
    options, problems = checked_settings(OWN, dict(login, timeout=0, code='c'), environ={})
    assert problems == ['timeout must be from 1 to 3600, not 0']
    options, problems = checked_settings(OWN, dict(code='c'), environ={'CLOUTILITY_API_URL': 'http://127.0.0.1:1/v1'})
    assert problems and problems[0].startswith('missing connection options: client_id, origin, password, username.')
