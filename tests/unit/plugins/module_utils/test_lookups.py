# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of name resolution: business unit paths, reference names, consumers."""

from __future__ import annotations

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import collect_optional, get_all_optional, get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree, find_one, find_ref
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import find_consumer

TREE = {'id': 22, 'name': 'Acme', 'businessUnits': [
    {'id': 30, 'parentId': 22, 'name': 'Customers', 'businessUnits': [
        {'id': 31, 'parentId': 30, 'name': 'Contoso', 'businessUnits': []},
        {'id': 35, 'parentId': 30, 'name': 'Fabrikam', 'businessUnits': []},
    ]},
    {'id': 40, 'parentId': 22, 'name': 'Internal', 'businessUnits': []},
]}


class FakeClient:
    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def get_object(self, path, params=None, what=None, keys=()):  # the real client also checks the shape
        return self.get(path, params)

    def get(self, path, params=None):
        self.calls.append(('get', path))
        answer = self.answers[path]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get_all(self, path, params=None):
        self.calls.append(('get_all', path))
        return self.answers[path]


@pytest.fixture
def tree():
    return BusinessUnitTree(FakeClient({'bunits': TREE}))


@pytest.mark.parametrize('ref, expected', [
    (None, 22), ('', 22), ('Acme', 22), ('Acme/Customers/Contoso', 31), ('/Acme/Customers/Contoso/', 31),
    ('Customers/Fabrikam', 35), ('acme/customers/fabrikam', 35), (40, 40), ('35', 35),
])
def test_resolve(tree, ref, expected):
    assert tree.resolve(ref)['id'] == expected


def test_unknown_path_names_the_missing_part(tree):
    with pytest.raises(CloutilityError) as err:
        tree.resolve('Acme/Customers/Initech')
    assert str(err.value) == ("Business unit path 'Acme/Customers/Initech' not found: 'Acme/Customers' has no unit "
                              "'Initech' (its units: Contoso, Fabrikam)")


@pytest.mark.parametrize('spellings, expected', [
    (['Acme/Customers/Contoso', 'Customers/Contoso', 'acme / customers / CONTOSO', '31', 31], '31'),
    ([None, '', 'Acme', 'acme'], '22'),
    (['Acme/Customers/Initech/Lab', 'customers/initech/LAB'], '30/initech/lab'),
])
def test_key_is_the_same_however_a_unit_is_written(spellings, expected):
    tree = BusinessUnitTree(None, root=TREE)  # a tree read before: no client call
    assert set(tree.key(spelling) for spelling in spellings) == {expected}


def test_unknown_id(tree):
    with pytest.raises(CloutilityError, match='id 99 is not visible'):
        tree.resolve(99)


def test_paths_and_descendants(tree):
    assert tree.path(31) == 'Acme/Customers/Contoso'
    assert [unit['id'] for unit in tree.descendants(30)] == [30, 31, 35]


def test_find_one_prefers_exact_and_refuses_to_guess():
    items = [{'id': 1, 'name': 'Linux'}, {'id': 2, 'name': 'linux'}, {'id': 3, 'name': 'Windows'}]
    assert find_one(items, 'Linux', 'Operating system')['id'] == 1
    assert find_one(items, 'windows', 'Operating system')['id'] == 3
    with pytest.raises(CloutilityError) as err:
        find_one(items, 'LINUX', 'Operating system')
    assert 'ambiguous' in str(err.value) and 'id 1' in str(err.value) and 'id 2' in str(err.value)
    with pytest.raises(CloutilityError) as err:
        find_one(items, 'BeOS', 'Operating system')
    assert str(err.value) == "Operating system 'BeOS' not found. Valid names: Linux, linux, Windows"


def test_find_ref_by_id_or_other_key():
    zones = [{'id': 4, 'name': '(GMT+01:00) Stockholm', 'windowsId': 'W. Europe Standard Time'}]
    assert find_ref(zones, 'W. Europe Standard Time', 'Time zone', keys=('name', 'windowsId'))['id'] == 4
    assert find_ref(zones, '4', 'Time zone')['id'] == 4
    with pytest.raises(CloutilityError, match='Time zone id 5 not found'):
        find_ref(zones, 5, 'Time zone')


def test_duplicate_consumer_names_fail_listing_ids():
    client = FakeClient({'bunits/35/consumers': [{'id': 501, 'name': 'web01'}, {'id': 517, 'name': 'web01'},
                                                 {'id': 520, 'name': 'db01'}]})
    with pytest.raises(CloutilityError) as err:
        find_consumer(client, 35, 'web01')
    assert 'ids 501, 517' in str(err.value) and 'consumer_id' in str(err.value)
    assert find_consumer(client, 35, 'db01')['id'] == 520
    assert find_consumer(client, 35, 'nope') is None


def test_consumer_by_id_and_full_item():
    client = FakeClient({'bunits/35/consumers/517': {'id': 517, 'name': 'web01', 'note': 'n'},
                         'bunits/35/consumers/9': CloutilityApiError('GET', '/v1/bunits/35/consumers/9', 404),
                         'bunits/35/consumers': [{'id': 517, 'name': 'web01'}]})
    assert find_consumer(client, 35, consumer_id=517)['note'] == 'n'
    assert find_consumer(client, 35, consumer_id=9) is None
    assert find_consumer(client, 35, 'web01', full=True)['note'] == 'n'
    with pytest.raises(CloutilityError, match="named 'web01', not 'db01'"):
        find_consumer(client, 35, 'db01', consumer_id=517)


# --------------------------------------------------------------------------- the two kinds of 404
NO_ROUTE = "No HTTP resource was found that matches the request URI 'https://portal.example/v1/nodewarningtypes'."


@pytest.mark.parametrize('status, message, developer_message, route_missing, not_found', [
    (404, NO_ROUTE, None, True, False),
    (404, None, "No type was found that matches the controller named 'nodewarningtypes'.", True, False),
    (404, 'Server Error 404 - File or directory not found. The resource cannot be found.', None, True, False),
    (404, 'Consumption unit 415 (db01) has no reports yet', None, False, True),
    (404, None, None, False, True),
    (400, NO_ROUTE, None, False, False),
    (500, 'boom', None, False, False),
    (None, None, None, False, False),
])
def test_404_classifier(status, message, developer_message, route_missing, not_found):
    error = CloutilityApiError('GET', '/v1/nodewarningtypes', status, message, developer_message)
    assert error.route_missing is route_missing
    assert error.not_found is not_found


class PagedClient(FakeClient):
    def collect(self, path, params=None, limit=None):
        self.calls.append(('collect', path))
        answer = self.answers[path]
        if isinstance(answer, Exception):
            raise answer
        return answer['items'], answer


def test_get_optional_and_collect_optional_tell_no_data_from_a_missing_route():
    client = PagedClient({
        'gone': CloutilityApiError('GET', '/v1/gone', 404, 'Consumer 5 was not found'),
        'missing': CloutilityApiError('GET', '/v1/missing', 404, NO_ROUTE),
        'forbidden': CloutilityApiError('GET', '/v1/forbidden', 403, 'Forbidden'),
        'there': {'items': [{'id': 1}], 'total': 1},
    })
    assert get_optional(client, 'gone') is None
    assert collect_optional(client, 'gone') == ([], None)
    assert get_all_optional(client, 'gone') == []
    assert get_all_optional(client, 'there') == [{'id': 1}]
    for read in (get_optional, collect_optional, get_all_optional):
        for path, status in (('missing', 404), ('forbidden', 403)):
            with pytest.raises(CloutilityApiError) as err:
                read(client, path)
            assert err.value.status == status
    missing = CloutilityApiError('GET', '/v1/bunits/1/consumers/2', 404, NO_ROUTE)
    with pytest.raises(CloutilityApiError):
        find_consumer(FakeClient({'bunits/1/consumers/2': missing}), 1, consumer_id=2)
    assert find_consumer(FakeClient({'bunits/1/consumers/2': CloutilityApiError('GET', '/v1/x', 404, 'not found')}), 1, consumer_id=2) is None
