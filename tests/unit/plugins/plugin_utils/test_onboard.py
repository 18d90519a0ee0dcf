# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the onboard role works out for one host (plugin_utils/onboard.py) and the audit report (plugin_utils/audit.py)."""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.audit import build_report as audit_report
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.onboard import host_result, settings_from_options as onboard_settings


def onboard_result(settings, results, created_bunits=()):
    """The host's result from the fleet's results of every host (as the per-host task reads its own entry)."""
    return host_result(settings, (results or {}).get(settings.get('host')), created_bunits)


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


ROLE_DEFAULTS = dict(bunit='Acme Hosting/Customers/Contoso', create_bunit=False, consumer_name='web01.example.com', operating_system='',
                     facts_system='', node_type='File Server', domain=None, client_option_set=None, contact=None, cpu_count=None,
                     activate=True, node_name='', node_name_source='hostname', node_password='', client_config=False,
                     client_password_file='', client_server_address='', client_server_port=None, check_mode=False)


def _settings(**changes):
    options = dict(ROLE_DEFAULTS, **changes)
    return onboard_settings(options, 'web01.example.com')


def test_settings_derive_names_and_the_fleet_entry():
    settings = _settings(operating_system='Linux', domain='30DAYS', node_password='Secret-1')
    assert settings['problems'] == []
    assert settings['node_name'] == 'WEB01.EXAMPLE.COM'
    spec = settings['spec']
    assert spec['tsm_name'] == 'WEB01.EXAMPLE.COM' and spec['domain'] == '30DAYS' and spec['client_option_set'] is None
    assert spec['node_password'] == 'Secret-1' and spec['host'] == 'web01.example.com'
    # A password the role sets is written from its variable, never asked back from the portal.
    assert not _settings(operating_system='Linux', client_config=True, client_password_file='/p', node_password='x')['spec']['return_password']
    assert _settings(operating_system='Linux', client_config=True, client_password_file='/p')['spec']['return_password']
    assert not _settings(operating_system='Linux', client_config=True, client_password_file='/p', check_mode=True)['spec']['return_password']
    assert _settings(facts_system='Win32NT')['operating_system'] == 'Windows'
    assert _settings(operating_system='Linux', node_name_source='server')['spec']['tsm_name'] is None
    assert _settings(operating_system='Linux', activate='false')['spec']['tsm_name'] is None


def test_settings_problems_name_the_variables():
    problems = _settings(bunit='  ', consumer_name='', node_name='bad name!')['problems']
    assert problems[0].startswith('onboard_bunit is empty')
    assert problems[1] == 'onboard_consumer_name is empty.'
    assert 'onboard_operating_system is not set' in problems[2] and 'unknown' in problems[2]
    assert "Node name BAD NAME! breaks the Storage Protect naming rules" in problems[3] and 'offending:   !' in problems[3]


def test_result_from_the_fleet():
    settings = _settings(operating_system='Linux')
    results = {'web01.example.com': dict(changed=True, failed=False, bunit_missing=False, bunit_id=94, consumer_id=470,
                                         node={'tsmName': 'WEB01.EXAMPLE.COM', 'tsmPassword': 'never-copied'},
                                         changed_keys=['consumer', 'node'], activated=True, diff={'before': {}, 'after': {'x': 1}})}
    result = onboard_result(settings, results)
    assert result == dict(host='web01.example.com', bunit='Acme Hosting/Customers/Contoso', bunit_id=94, bunit_missing=False,
                          consumer='web01.example.com', consumer_id=470, node_name='WEB01.EXAMPLE.COM', activate=True, activated=True,
                          changed=True, changed_keys=['consumer', 'node'], diff={'before': {}, 'after': {'x': 1}}, error=None,
                          check_mode=False)
    assert onboard_result(settings, {'web01.example.com': dict(failed=True, msg='boom')})['error'] == 'boom'
    assert 'no result from the fleet task' in onboard_result(settings, {})['error']
    assert onboard_result(_settings(bunit=''), results)['error'].startswith('onboard_bunit is empty')


MISSING = dict(changed=False, failed=True, bunit_missing=True, bunit_id=None, consumer_id=None, node={}, changed_keys=[],
               activated=False, diff={'before': {}, 'after': {}},
               msg="Business unit path 'Acme Hosting/Customers/Newco' not found: 'Acme Hosting/Customers' has no unit 'Newco'")


def test_check_mode_fails_a_host_whose_business_unit_is_missing_as_the_real_run_would():
    settings = _settings(operating_system='Linux', bunit='Acme Hosting/Customers/Newco', check_mode=True)
    result = onboard_result(settings, {'web01.example.com': MISSING})
    assert result['error'] == MISSING['msg'] and not result['changed'] and result['bunit_missing']


def test_check_mode_shows_the_business_unit_the_role_would_create():
    settings = _settings(operating_system='Linux', domain='30DAYS', bunit='Acme Hosting/Customers/Newco', create_bunit=True,
                         check_mode=True)
    result = onboard_result(settings, {'web01.example.com': MISSING})
    assert result['error'] is None and result['changed'] and result['changed_keys'] == ['bunit', 'consumer', 'node']
    assert result['diff'] == dict(before={}, after=dict(
        bunit='Acme Hosting/Customers/Newco', consumer=dict(name='web01.example.com'), operatingSystem=dict(name='Linux'),
        type=dict(name='File Server'), domain=dict(name='30DAYS'), tsmName='WEB01.EXAMPLE.COM'))


def test_a_host_whose_business_unit_the_role_created_is_changed_even_when_its_node_failed():
    settings = _settings(operating_system='Linux', bunit='Acme Hosting/Customers/Newco', create_bunit=True)
    failed = {'web01.example.com': dict(failed=True, changed=False, msg='HTTP 503')}
    result = onboard_result(settings, failed, created_bunits=['acme hosting/customers/newco/'])
    assert result['changed'] and result['changed_keys'] == ['bunit'] and result['error'] == 'HTTP 503'
    assert not onboard_result(settings, failed, created_bunits=['Acme Hosting/Customers/Other'])['changed']


def test_module_messages_name_the_role_variables():
    renamed = onboard_result(_settings(operating_system='Linux'), {'web01.example.com': dict(failed=True, msg=(
        "Node of consumption unit 470 is already activated as 'SUGGESTED01'; tsm_name 'WEB01.EXAMPLE.COM' differs and a node "
        "cannot be renamed. Set tsm_name to 'SUGGESTED01' or leave it out."))})['error']
    assert 'tsm_name' not in renamed
    assert "Set onboard_node_name: 'SUGGESTED01' for this host, or onboard_node_name_source: server" in renamed
    needs = onboard_result(_settings(operating_system='Linux'), {'web01.example.com': dict(failed=True, msg=(
        "Consumption unit 'web01' has no backup node; creating one needs operating_system, node_type, domain (missing: domain)"))})
    assert needs['error'].endswith('creating one needs onboard_operating_system, onboard_node_type, onboard_domain '
                                   '(missing: onboard_domain)')


def test_the_fleet_entry_asks_for_the_server_fields_the_client_options_need_and_the_variables_do_not_give():
    assert _settings(operating_system='Linux')['spec']['server_fields'] == []
    assert _settings(operating_system='Linux', client_config=True)['spec']['server_fields'] == ['name', 'tcpAddress', 'tcpPort']
    assert _settings(operating_system='Linux', client_config=True, client_server_address='backup.example')['spec'][
        'server_fields'] == ['name', 'tcpPort']
    assert _settings(operating_system='Linux', client_config=True, client_server_address='backup.example',
                     client_server_port=1600)['spec']['server_fields'] == ['name']
