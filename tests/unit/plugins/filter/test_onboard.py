# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onboard role's claims and the audit report's orphans."""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.filter.onboard import audit_report, onboard_claim, onboard_duplicates

TREE = {'id': 22, 'name': 'Acme', 'businessUnits': [
    {'id': 30, 'parentId': 22, 'name': 'Customers', 'businessUnits': [
        {'id': 31, 'parentId': 30, 'name': 'Contoso', 'businessUnits': []}]}]}


def test_claims_with_the_tree_do_not_depend_on_how_the_path_is_written():
    hosts = {'a': 'Acme/Customers/Contoso', 'b': 'customers/CONTOSO', 'c': '31', 'd': 'Customers/Other'}
    pairs = [(onboard_claim({'bunit': bunit, 'consumer': 'Shared'}, 'unit', TREE), host) for host, bunit in sorted(hosts.items())]
    assert onboard_duplicates(pairs) == {'31: shared': ['a', 'b', 'c']}
    # Without the tree, only the text of the path counts.
    pairs = [(onboard_claim({'bunit': bunit, 'consumer': 'Shared'}, 'unit'), host) for host, bunit in sorted(hosts.items())]
    assert onboard_duplicates(pairs) == {}


def test_a_host_in_error_still_claims_its_unit_when_its_path_leaves_out_the_top():
    results = {'web01': {'error': 'boom', 'bunit': 'Customers/Contoso', 'consumer': 'web01', 'consumer_id': None, 'bunit_id': None}}
    consumers = [{'id': 408, 'name': 'web01', 'bunit_id': 31, 'bunit_path': 'Acme/Customers/Contoso'},
                 {'id': 409, 'name': 'db01', 'bunit_id': 31, 'bunit_path': 'Acme/Customers/Contoso'}]
    report = audit_report(results, consumers)
    assert [orphan['name'] for orphan in report['orphans']] == ['db01']
    assert report['hosts']['web01']['status'] == 'error'


def test_ids_templated_empty_by_ansible_core_2_16_are_no_ids():
    """ansible-core 2.16 to 2.18 render "{{ none }}" in set_fact as '', where 2.19 keeps None."""
    results = {'web01': {'error': 'boom', 'bunit': 'Customers/Contoso', 'consumer': 'web01', 'consumer_id': '', 'bunit_id': ''}}
    consumers = [{'id': 408, 'name': 'web01', 'bunit_id': 31, 'bunit_path': 'Acme/Customers/Contoso'},
                 {'id': 409, 'name': 'db01', 'bunit_id': 31, 'bunit_path': 'Acme/Customers/Contoso'}]
    report = audit_report(results, consumers)
    assert [orphan['name'] for orphan in report['orphans']] == ['db01']
