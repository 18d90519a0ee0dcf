# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the reconcile engine: comparison, minimal change, check mode, diff."""

from __future__ import annotations

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError
from ansible_collections.cloutility.cloutility.plugins.module_utils.masking import MASK
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import Field, Reconciler, ResourceSpec

SPEC = ResourceSpec('thing', [
    Field('name', 'name'),
    Field('note', 'note'),
    Field('size', 'size', kind='float'),
    Field('enabled', 'enabled', kind='bool', default=False),
    Field('mode', 'mode', case_insensitive=True),
    Field('tags', 'tags', kind='list', unordered=True),
    Field('domain', 'domain', kind='ref'),
    Field('secret', 'secret'),
], secrets=('secret',))

CURRENT = {
    'href': 'https://api/v1/things/7', 'id': 7, 'createdDate': '2026-01-01T00:00:00Z', 'name': 'web01',
    'note': 'rack 4', 'size': 100.0, 'mode': 'Active', 'tags': ['b', 'a'], 'unmanaged': 'keep me',
    'domain': {'$type': 'Domain', 'href': 'https://api/v1/domains/3', 'id': 3, 'name': 'STANDARD', 'server': {'id': 1}},
    'users': {'href': 'https://api/v1/things/7/users', 'total': 0, 'items': []}, 'secret': 'hunter2',
}


class BudgetClient:
    """The engine asks the client whether another attempt fits the budget (attempts; time is the client's business)."""

    def __init__(self, retries=3):
        self.retries = retries
        self.waits = []

    def wait_before_retry(self, attempt, started, response=None):
        if attempt > self.retries:
            return False
        self.waits.append(attempt)
        return True


class Calls:
    def __init__(self):
        self.made = []

    def create(self, body):
        self.made.append(('create', body))
        return dict(body, id=99)

    def update(self, body, changed):
        self.made.append(('update', body, changed))
        return body

    def delete(self, obj):
        self.made.append(('delete', obj['id']))


def ensure(current, desired, state='present', check_mode=False, **kwargs):
    calls = Calls()
    result = Reconciler(check_mode).ensure(SPEC, current, desired, state, create=calls.create, update=calls.update,
                                           delete=calls.delete, **kwargs)
    return result, calls.made


@pytest.mark.parametrize('desired', [
    {'name': 'web01'},
    {'note': ' rack 4 '},                      # surrounding white space
    {'size': 100},                             # int vs float
    {'enabled': False},                        # absent means the default
    {'mode': 'ACTIVE'},                        # case of enum names
    {'tags': ['a', 'b']},                      # order where the API does not care
    {'domain': {'id': 3, 'name': 'renamed'}},  # references compare by id only
])
def test_equal_values_are_no_change(desired):
    result, made = ensure(CURRENT, desired)
    assert result['changed'] is False
    assert made == []
    assert result['diff']['before'] == result['diff']['after']


def test_absent_and_empty_string_are_equal():
    result, made = ensure({'id': 1, 'name': 'x'}, {'note': ''})
    assert not result['changed'] and not made


def test_only_supplied_keys_are_compared_and_the_rest_is_kept():
    result, made = ensure(CURRENT, {'note': 'rack 5'})
    assert result['changed'] is True
    assert result['changed_keys'] == ['note']
    operation, body, changed = made[0]
    assert operation == 'update' and changed == ['note']
    assert body['note'] == 'rack 5'
    assert body['unmanaged'] == 'keep me' and body['size'] == 100.0, 'PUT replaces the resource: keep every field'


def test_diff_is_the_whole_object_without_volatile_fields_and_with_masked_secrets():
    result, _made = ensure(CURRENT, {'note': 'rack 5', 'domain': {'id': 4, 'name': '30DAYS'}})
    before, after = result['diff']['before'], result['diff']['after']
    assert before['note'] == 'rack 4' and after['note'] == 'rack 5'
    assert before['domain'] == {'id': 3, 'name': 'STANDARD'} and after['domain'] == {'id': 4, 'name': '30DAYS'}
    assert before['unmanaged'] == after['unmanaged'] == 'keep me'
    for key in ('href', 'createdDate', 'users'):
        assert key not in before and key not in after
    assert before['secret'] == after['secret'] == MASK
    assert result['object']['secret'] == MASK
    assert 'hunter2' not in repr(result)


def test_check_mode_predicts_without_calling():
    result, made = ensure(CURRENT, {'note': 'rack 5'}, check_mode=True)
    assert made == []
    assert result['changed'] is True
    assert result['object']['note'] == 'rack 5' and result['object']['id'] == 7


def test_create_and_check_mode_create():
    result, made = ensure(None, {'name': 'new', 'note': 'n'})
    assert made == [('create', {'name': 'new', 'note': 'n'})]
    assert result['changed'] and result['object']['id'] == 99
    assert result['diff'] == {'before': {}, 'after': {'name': 'new', 'note': 'n', 'id': 99}}
    result, made = ensure(None, {'name': 'new'}, check_mode=True)
    assert made == [] and result['changed'] and result['diff']['after'] == {'name': 'new'}


def test_delete_then_delete_again():
    result, made = ensure(CURRENT, {}, state='absent')
    assert result['changed'] and made == [('delete', 7)]
    assert result['diff']['after'] == {} and result['diff']['before']['name'] == 'web01'
    result, made = ensure(None, {}, state='absent')
    assert not result['changed'] and made == []
    result, made = ensure(CURRENT, {}, state='absent', check_mode=True)
    assert result['changed'] and made == []


def test_failed_post_recovers_when_the_object_was_created():
    def create(body):
        raise CloutilityApiError('POST', '/v1/things', None, reason='connection dropped', uncertain=True)

    result = Reconciler().ensure(SPEC, None, {'name': 'new'}, create=create, recover=lambda: {'id': 5, 'name': 'new'})
    assert result['changed'] and result['object']['id'] == 5


def test_failed_post_raises_when_nothing_was_created_within_the_budget_or_the_server_said_no():
    sent = []

    def create(body):
        sent.append(body)
        raise CloutilityApiError('POST', '/v1/things', 502, uncertain=True)

    with pytest.raises(CloutilityApiError):
        Reconciler(client=BudgetClient(retries=2)).ensure(SPEC, None, {'name': 'new'}, create=create, recover=lambda: None)
    assert len(sent) == 3, 'sent again after each re-read that found nothing, within the budget'

    def refused(body):
        raise CloutilityApiError('POST', '/v1/things', 400, 'Name taken')

    recovered = []
    with pytest.raises(CloutilityApiError, match='Name taken'):
        Reconciler().ensure(SPEC, None, {'name': 'new'}, create=refused, recover=lambda: recovered.append(1))
    assert recovered == [1], 'a refusal is re-read once (the state decides), never sent again'


def test_desired_takes_only_supplied_options_and_resolved_references():
    params = {'name': 'x', 'note': None, 'size': 0, 'domain': 'STANDARD', 'enabled': None}
    assert SPEC.desired(params, {'domain': {'id': 3, 'name': 'STANDARD', 'server': {}}}) == {
        'name': 'x', 'size': 0, 'domain': {'id': 3, 'name': 'STANDARD'}}
