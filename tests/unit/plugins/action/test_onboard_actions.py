# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onboard role's two action plugins: every host's settings in one task, and the one task per host."""

from __future__ import annotations

import json
import os
from unittest.mock import MagicMock

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.cloutility.cloutility.plugins.action import cloutility_onboard_result as result_action
from ansible_collections.cloutility.cloutility.plugins.plugin_utils import onboard
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.onboard import host_settings

try:  # ansible-core 2.19: only trusted strings are templates (variables from files and inventories are)
    from ansible.template import trust_as_template
except ImportError:  # 2.16 to 2.18: every string is
    def trust_as_template(value):
        return value

ROLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'onboard')


def role_file(*parts):
    with open(os.path.join(ROLE, *parts), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


SPEC = role_file('meta', 'argument_specs.yml')['argument_specs']['main']['options']
DEFAULTS = role_file('defaults', 'main.yml')


def settings_of(host, check_mode=False, **variables):
    """host_settings over the role's defaults and ``variables``, all templated in the host's context."""
    host_vars = dict((key, trust_as_template(value) if isinstance(value, str) else value) for key, value in DEFAULTS.items())
    host_vars.update(inventory_hostname=host, onboard_operating_system='Linux')
    host_vars.update((key, trust_as_template(value) if isinstance(value, str) else value) for key, value in variables.items())
    return host_settings(host, host_vars, SPEC, Templar(loader=DataLoader(), variables=host_vars), check_mode=check_mode)


def test_each_host_gets_its_own_values_templated_in_its_own_context():
    first = settings_of('web01.example.com', onboard_bunit='Customers/{{ customer }}', customer='Contoso')
    second = settings_of('db02.example.com', onboard_bunit='Customers/{{ customer }}', customer='Fabrikam')
    assert (first['bunit'], first['consumer'], first['node_name']) == ('Customers/Contoso', 'web01.example.com', 'WEB01.EXAMPLE.COM')
    assert (second['bunit'], second['consumer'], second['node_name']) == ('Customers/Fabrikam', 'db02.example.com', 'DB02.EXAMPLE.COM')
    assert first['problems'] == [] and second['problems'] == []
    assert first['spec']['consumer'] == 'web01.example.com' and first['spec']['domain'] is None


def test_the_node_rules_fail_a_host_alone_in_the_roles_words():
    """cloutility_node's input rules, before any request: a bad password fails its host, named by the role variable."""
    bad = settings_of('web01.example.com', onboard_bunit='Customers/Contoso', onboard_node_password='abc')
    assert bad['problems'] == ['onboard_node_password must be 8 to 64 characters without spaces (the backup server may '
                               'require more) (fix the variable of this host).']
    assert settings_of('web01.example.com', onboard_bunit='Customers/Contoso', onboard_node_password='Long-enough-1')['problems'] == []
    assert settings_of('web01.example.com', onboard_bunit='-4')['problems'] == [
        'onboard_bunit must be a business unit path or an id of 1 or more, not -4 (fix the variable of this host).']


def test_misspelled_role_variables_are_named_with_the_nearest_name():
    host_vars = dict(DEFAULTS, onboard_domian='90DAYS', onboard_result={}, onboard__fleet={}, onboard_hosts='all')
    assert onboard.unknown_variables(host_vars, SPEC) == ['onboard_domian']
    settings = dict(h1=dict(problems=[], unknown_variables='warn'), h2=dict(problems=[], unknown_variables='error'),
                    h3=dict(problems=[], unknown_variables='ignore'))
    warnings = onboard.unknown_variable_warnings({'onboard_domian': ['h1', 'h2', 'h3']}, SPEC, settings)
    assert warnings == ['onboard_domian is not a variable of the onboard role (did you mean onboard_domain?); it is ignored (hosts: h1).']
    assert settings['h2']['problems'] == ['onboard_domian is not a variable of the onboard role (did you mean onboard_domain?); '
                                          'onboard_unknown_variables is error.']
    assert settings['h1']['problems'] == [] and settings['h3']['problems'] == []
    assert settings_of('web01.example.com', onboard_unknown_variables='error')['unknown_variables'] == 'error'


def test_a_value_that_only_names_a_variable_is_that_variables_text(monkeypatch):
    """"{{ inventory_hostname }}" (the consumer name's default) takes the variable's text without a template compiled
    per host; anything else, or a variable that is not plain text, still goes through the template engine."""
    templated = []
    original = Templar.template

    def template(self, value, *args, **kwargs):
        if isinstance(value, str):  # (the dict onboard_connection is templated as a whole)
            templated.append(str(value))
        return original(self, value, *args, **kwargs)

    monkeypatch.setattr(Templar, 'template', template)
    fast = settings_of('web01.example.com', onboard_bunit='Customers/Contoso')
    assert fast['consumer'] == 'web01.example.com' and templated == []
    named = settings_of('web01.example.com', onboard_bunit='{{ customer_path }}', customer_path='Customers/{{ customer }}', customer='Contoso')
    # (ansible-core before 2.19 templates the variables it meets through the same method: more calls follow.)
    assert named['bunit'] == 'Customers/Contoso' and templated[0] == '{{ customer_path }}'
    assert settings_of('h1', onboard_bunit='{{ inventory_hostname | upper }}')['bunit'] == 'H1'
    undefined = settings_of('h2', onboard_bunit='{{ no_such_var }}')
    assert any(problem.startswith('onboard_bunit: ') and 'no_such_var' in problem for problem in undefined['problems'])
    assert onboard._plain_reference('{{ x }}', dict(x=8)) is None


def test_values_are_checked_and_converted_as_the_argument_spec_says():
    good = settings_of('h1', onboard_bunit='Customers/Contoso', onboard_cpu_count='8', onboard_activate='no')
    assert good['problems'] == []
    assert good['spec']['cpu_count'] == 8 and good['activate'] is False
    bad = settings_of('h2', onboard_bunit='Customers/Contoso', onboard_cpu_count='many', onboard_node_name_source='dns')
    assert len(bad['problems']) == 2, bad['problems']
    assert any('onboard_cpu_count' in problem for problem in bad['problems'])
    assert any('onboard_node_name_source' in problem and 'hostname, server' in problem for problem in bad['problems'])


def test_a_missing_or_undefined_variable_is_that_hosts_problem_naming_it():
    missing = settings_of('h1')
    assert any('onboard_bunit' in problem for problem in missing['problems'])
    undefined = settings_of('h2', onboard_bunit='Customers/{{ no_such_customer }}')
    assert any(problem.startswith('onboard_bunit: ') and 'no_such_customer' in problem for problem in undefined['problems'])


def test_check_mode_comes_from_the_play_and_onboard_audit_needs_it():
    audit = settings_of('h1', check_mode=True, onboard_bunit='x', onboard_audit=True)
    assert audit['check_mode'] is True and audit['problems'] == []
    assert settings_of('h1', check_mode=True, onboard_bunit='x')['check_mode'] is True
    assert settings_of('h1', onboard_bunit='x')['check_mode'] is False
    # Compare only, in a play that would write: this host is refused before any request (not in the fleet).
    refused = settings_of('h1', onboard_bunit='x', onboard_audit=True)
    assert refused['problems'] == ['onboard_audit: true compares only, so it needs check mode (the play keyword check_mode, as '
                                   'the audit playbook sets it, or --check); without it the role would write to the portal.']


def test_the_role_runs_one_task_per_host():
    """Every task of the role but one runs once for the play: each task per host costs about Ansible's floor."""
    tasks = role_file('tasks', 'main.yml')
    per_host = [task['name'] for task in tasks if not task.get('run_once')]
    assert per_host == ['Result of this host (onboard_result), its failure, and its client options with onboard_client_config']
    assert 'cloutility.cloutility.cloutility_onboard_result' in tasks[-1]


def test_what_the_portal_tasks_take_is_worked_out_once_from_every_hosts_settings():
    """The fleet's entries, the units to create and the no_log flag: computed by the settings task, not by filters."""
    onboard_fleet_inputs = onboard.fleet_inputs
    hosts = [
        settings_of('h1', onboard_bunit='Customers/Initech', onboard_create_bunit=True),
        # The same unit spelled another way: created once.
        settings_of('h2', onboard_bunit=' customers / INITECH/', onboard_create_bunit=True),
        settings_of('h3', onboard_bunit='Customers/Contoso'),
        # A unit given by id is never created; a host with a problem is neither in the fleet nor creates its unit.
        settings_of('h4', onboard_bunit='131', onboard_create_bunit=True),
        settings_of('h5', onboard_bunit='Customers/Umbrella', onboard_create_bunit=True, onboard_cpu_count='many'),
        settings_of('h6', onboard_bunit='Acme Hosting/Customers/Hooli', onboard_create_bunit=True),
    ]
    inputs = onboard_fleet_inputs(hosts)
    assert [node['host'] for node in inputs['nodes']] == ['h1', 'h2', 'h3', 'h4', 'h6']
    assert inputs['nodes'][0] == hosts[0]['spec']
    assert inputs['create_bunits'] == [dict(path='Customers/Initech', name='Initech', parent='Customers'),
                                       dict(path='Acme Hosting/Customers/Hooli', name='Hooli', parent='Acme Hosting/Customers')]
    assert inputs['check_mode'] is False and inputs['secret_results'] is False
    # A top-level unit has no parent (the task omits it).
    assert onboard_fleet_inputs([settings_of('h7', onboard_bunit='/Globex/', onboard_create_bunit=True)])['create_bunits'] == [
        dict(path='Globex', name='Globex', parent='')]
    # In check mode (any host), nothing is created.
    checked = onboard_fleet_inputs(hosts + [settings_of('h8', check_mode=True, onboard_bunit='Customers/Initech', onboard_create_bunit=True)])
    assert checked['check_mode'] is True and checked['create_bunits'] == [] and len(checked['nodes']) == 6
    # The fleet's results hold a generated password when a host writes it into a file: the fleet task hides them.
    writer = settings_of('h9', onboard_bunit='Customers/Contoso', onboard_client_config=True, onboard_client_password_file='/etc/pw')
    assert writer['spec']['return_password'] is True
    assert onboard_fleet_inputs(hosts + [writer])['secret_results'] is True
    assert onboard_fleet_inputs([dict(writer, problems=['x'])])['secret_results'] is False
    assert onboard_fleet_inputs([]) == dict(nodes=[], check_mode=False, create_bunits=[], secret_results=False)


def test_the_roles_portal_tasks_take_what_the_settings_task_worked_out():
    """No filter over every host's settings in the play-wide tasks: each would cost time in proportion to the hosts."""
    block = role_file('tasks', 'main.yml')[1]['block']
    assert block[0]['loop'] == '{{ onboard__hosts.create_bunits }}'
    fleet = block[1]
    assert fleet['cloutility.cloutility.cloutility_node_fleet']['nodes'] == '{{ onboard__hosts.nodes }}'
    assert fleet['no_log'] == '{{ onboard__hosts.secret_results }}'
    assert '|' not in str(block[0]['loop']) and 'onboard__hosts.all' not in str(role_file('tasks', 'main.yml')[1])


def test_each_host_reports_its_own_change():
    """The run-once tasks change nothing in the recap (Ansible would credit the first host of the play); each host's
    result task reports its own change, with the business units the role created for it."""
    tasks = role_file('tasks', 'main.yml')
    block = tasks[1]['block']
    assert block[0]['changed_when'] is False and block[0]['register'] == 'onboard__bunits'
    assert block[1]['changed_when'] is False
    assert tasks[2]['cloutility.cloutility.cloutility_onboard_result']['bunits_from'] == 'onboard__bunits'
    settings = dict(SETTINGS, bunit='Customers/Newco', create_bunit=True)
    task_vars = dict(inventory_hostname='h1', onboard__hosts=dict(settings=dict(h1=settings)),
                     onboard__fleet=dict(hosts=dict(h1=dict(changed=False, failed=True, msg='HTTP 503'))),
                     onboard__bunits=dict(results=[dict(changed=True, item=dict(path='Customers/Newco')),
                                                   dict(changed=False, item=dict(path='Customers/Other'))]))
    args = dict(settings_from='onboard__hosts', results_from='onboard__fleet', bunits_from='onboard__bunits')
    result = make_action(dict(args)).run(task_vars=task_vars)
    assert result['failed'] and result['changed'] and 'HTTP 503' in result['msg']
    other = dict(task_vars, onboard__bunits=dict(results=[dict(changed=False, item=dict(path='Customers/Newco'))]))
    assert not make_action(dict(args)).run(task_vars=other)['changed']


def make_action(args, check_mode=False, diff=False, action=None):
    """An instance of the action plugin module ``action`` (default: cloutility_onboard_result) for a task with ``args``."""
    task = MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    play_context = MagicMock()
    play_context.check_mode = check_mode
    play_context.diff = diff
    return (action or result_action).ActionModule(task, MagicMock(), play_context, DataLoader(), MagicMock(), MagicMock())


SETTINGS = dict(host='h1', bunit='Customers/Contoso', consumer='h1', node_name='H1', activate=True, client_config=False,
                check_mode=False, problems=[], server_address='', server_port='')


def test_a_host_with_an_error_fails_alone_with_its_result():
    action = make_action(dict(settings=dict(SETTINGS, problems=['onboard_cpu_count: not an int.'])))
    result = action.run(task_vars=dict(inventory_hostname='h1'))
    assert result['failed'] and result['msg'] == 'h1: onboard_cpu_count: not an int.'
    assert result['onboard_result']['error'] == 'onboard_cpu_count: not an int.'
    assert not result['changed']


def test_continue_on_error_records_the_error_in_onboard_result():
    action = make_action(dict(settings=dict(SETTINGS), continue_on_error=True))
    result = action.run(task_vars=dict(inventory_hostname='h1'))
    assert not result.get('failed')
    assert result['ansible_facts']['onboard_result']['error'] == 'no result from the fleet task (it failed or did not run)'


def test_the_fleet_result_gives_change_fact_and_diff_only_in_diff_mode():
    fleet = dict(changed=True, changed_keys=['domain'], consumer_id=7, bunit_id=94, node=dict(tsmName='H1'),
                 diff=dict(before=dict(domain='30DAYS'), after=dict(domain='STANDARD')))
    quiet = make_action(dict(settings=dict(SETTINGS), result=fleet)).run(task_vars=dict(inventory_hostname='h1'))
    assert quiet['changed'] and 'diff' not in quiet and not quiet.get('failed')
    fact = quiet['ansible_facts']['onboard_result']
    assert (fact['consumer_id'], fact['changed_keys'], fact['error']) == (7, ['domain'], None)
    shown = make_action(dict(settings=dict(SETTINGS), result=fleet), diff=True).run(task_vars=dict(inventory_hostname='h1'))
    assert shown['diff'] == [dict(before=dict(domain='30DAYS'), after=dict(domain='STANDARD'),
                                  before_header='h1 (portal)', after_header='h1 (playbook)')]
    same = dict(fleet, changed=False, changed_keys=[], diff=dict(before=dict(domain='STANDARD'), after=dict(domain='STANDARD')))
    unchanged = make_action(dict(settings=dict(SETTINGS), result=same), diff=True).run(task_vars=dict(inventory_hostname='h1'))
    assert not unchanged['changed'] and 'diff' not in unchanged


@pytest.mark.parametrize('client, facts, check_mode, expected', [
    (dict(server_name='TSM01', address='', port='', node_name='H1'), {}, False,
     "the backup server's address and port are not known: set onboard_client_server_address and onboard_client_server_port"),
    (dict(server_name='TSM01', address='tsm01', port='', node_name='H1'), {}, False,
     "the backup server's port is not known: set onboard_client_server_address and onboard_client_server_port"),
    (dict(server_name='TSM01', address='tsm01', port='1500', node_name='H1'), dict(system='Win32NT'), False,
     'for Linux hosts only, and this host runs Win32NT'),
    (dict(server_name='', address='tsm01', port='1500', node_name='H1'), {}, False, 'no backup server name for Customers/Contoso'),
    (dict(server_name='TSM01', address='tsm01', port='1500', node_name=''), {}, False, 'the node has no name yet'),
    (dict(server_name='TSM01', address='tsm01', port='1500', node_name=''), {}, True, None),
    (dict(server_name='TSM01', address='tsm01', port='1500', node_name='H1'), {}, False, None),
])
def test_client_options_are_refused_with_a_message_naming_the_fix(client, facts, check_mode, expected):
    problem = result_action.ActionModule._client_problem(client, dict(SETTINGS, check_mode=check_mode), dict(ansible_facts=facts))
    if expected is None:
        assert problem is None
    else:
        assert expected in problem


def test_no_address_anywhere_fails_the_host_before_any_file_is_written():
    action = make_action(dict(settings=dict(SETTINGS, client_config=True),
                              result=dict(changed=False, consumer_id=7, node=dict(tsmName='H1', server=dict(name='tsm01')))))
    action._run_action = MagicMock()
    result = action.run(task_vars=dict(inventory_hostname='h1'))
    assert result['failed']
    assert result['msg'].startswith('Cannot write the client options for h1: ')
    assert 'onboard_client_server_address and onboard_client_server_port' in result['msg']
    action._run_action.assert_not_called()


def test_the_default_server_comes_from_the_fleet_result_where_the_node_lacks_the_address():
    fleet = dict(changed=False, consumer_id=7, node=dict(tsmName='H1', server=dict(name='tsm01')),
                 default_server=dict(name='tsm01', tcpAddress='tsm01.example.com', tcpPort=1500))
    action = make_action(dict(settings=dict(SETTINGS, client_config=True), result=fleet))
    calls = []
    action._run_action = lambda name, args, task_vars, secret: calls.append(task_vars.get('onboard__client')) or dict(changed=False)
    action._remove_tmp_path = MagicMock()
    result = action.run(task_vars=dict(inventory_hostname='h1'))
    assert not result.get('failed'), result
    assert calls[1] == dict(server_name='TSM01', address='tsm01.example.com', port='1500', node_name='H1')


def test_the_variables_win_over_the_portal_and_the_password_step_is_never_shown():
    fleet = dict(changed=False, consumer_id=7, node=dict(tsmName='H1', tsmPassword='Portal-Pw-1',
                                                         server=dict(name='tsm01', tcpAddress='10.0.0.1', tcpPort=1500)))
    action = make_action(dict(settings=dict(SETTINGS, client_config=True, server_address='backup.example', server_port='1601'),
                              result=fleet, client_config_dir='/etc/tsm', client_password_file='/etc/tsm/node.pwd'), diff=True)
    calls = []

    def run_action(name, args, task_vars, secret):
        calls.append((name, args, task_vars.get('onboard__client'), secret))
        return dict(changed=name.endswith('copy'), diff=dict(before='', after='x'))
    action._run_action = run_action
    action._remove_tmp_path = MagicMock()
    result = action.run(task_vars=dict(inventory_hostname='h1'))
    assert not result.get('failed') and result['changed']
    assert [(name, args.get('dest') or args.get('path'), secret) for name, args, client, secret in calls] == [
        ('ansible.legacy.file', '/etc/tsm', False), ('ansible.legacy.template', '/etc/tsm/dsm.sys', False),
        ('ansible.legacy.template', '/etc/tsm/dsm.opt', False), ('ansible.legacy.copy', '/etc/tsm/node.pwd', True)]
    assert calls[1][2] == dict(server_name='TSM01', address='backup.example', port='1601', node_name='H1')
    assert calls[3][1]['content'] == 'Portal-Pw-1\n' and calls[3][1]['mode'] == '0600'
    assert 'Portal-Pw-1' not in repr(result)
    assert len(result['diff']) == 3  # the three option steps; never the password file
    assert result['client_files'][-1] == dict(path='/etc/tsm/node.pwd', changed=True)


def test_the_per_host_task_reads_its_entries_and_options_from_the_registered_play_results():
    """The role's per-host task templates nothing: the host's settings (with continue_on_error and the client
    option settings, templated once by the settings step) and its fleet result are read by variable name."""
    settings = dict(SETTINGS, continue_on_error=True, problems=['onboard_bunit is empty.'])
    task_vars = dict(inventory_hostname='h1',
                     onboard__hosts=dict(settings=dict(h1=settings, h2=dict(SETTINGS, host='h2'))),
                     onboard__fleet=dict(hosts=dict(h2=dict(changed=True, consumer_id=9, node=dict(tsmName='H2')))))
    args = dict(settings_from='onboard__hosts', results_from='onboard__fleet')
    first = make_action(dict(args)).run(task_vars=task_vars)
    assert not first.get('failed'), first  # continue_on_error came from the settings
    assert first['ansible_facts']['onboard_result']['error'] == 'onboard_bunit is empty.'
    second = make_action(dict(args)).run(task_vars=dict(task_vars, inventory_hostname='h2'))
    assert second['changed'] and second['ansible_facts']['onboard_result']['consumer_id'] == 9
    assert second['ansible_facts']['onboard_result']['host'] == 'h2'


def test_the_audit_report_files_are_written_once_and_only_when_they_differ(tmp_path):
    from ansible_collections.cloutility.cloutility.plugins.plugin_utils.audit import write_file
    path = str(tmp_path / 'audit.json')
    assert write_file(path, '{"a": 1}\n', 0o640) is True
    assert open(path, encoding='utf-8').read() == '{"a": 1}\n'
    assert (os.stat(path).st_mode & 0o7777) == 0o640
    assert write_file(path, '{"a": 1}\n', 0o640) is False
    assert write_file(path, '{"a": 2}\n', 0o640, check_mode=True) is True
    assert open(path, encoding='utf-8').read() == '{"a": 1}\n'
    assert write_file(path, '{"a": 1}\n', 0o600) is True
    assert (os.stat(path).st_mode & 0o7777) == 0o600
    assert os.listdir(str(tmp_path)) == ['audit.json']


def test_a_failed_file_step_says_what_the_module_printed():
    from ansible_collections.cloutility.cloutility.plugins.action.cloutility_onboard_result import _why
    assert _why(dict(msg='Module result deserialization failed: No start of json char found',
                     module_stderr='pyenv: python3.13: command not found\n', module_stdout='')) == (
        'Module result deserialization failed: No start of json char found (the module printed: pyenv: python3.13: command not found)')
    assert _why(dict(msg='Permission denied')) == 'Permission denied'


def make_report_action(args, check_mode=False):
    from ansible_collections.cloutility.cloutility.plugins.action import cloutility_audit_report
    return make_action(args, check_mode=check_mode, action=cloutility_audit_report)


class FakeConsumersLookup:
    """The cloutility.cloutility.consumers lookup: records its calls, returns the units of the asked business units."""

    def __init__(self, units):
        self.units, self.calls = units, []

    def run(self, terms, variables=None, **kwargs):
        self.calls.append((list(terms), kwargs))
        return [unit for unit in self.units if unit['bunit_path'] in terms]


def test_the_audit_report_is_one_task_over_what_the_role_registered(tmp_path, monkeypatch):
    """Every host's result from the registered settings and fleet results (read by name), the units of the covered
    business units read once (never those of a missing business unit), the unclaimed ones listed, two files."""
    from ansible_collections.cloutility.cloutility.plugins.action import cloutility_audit_report
    lookup = FakeConsumersLookup([dict(id=9, name='h2', bunit_id=5, bunit_path='Customers/Contoso'),
                                  dict(id=10, name='old-laptop', bunit_id=5, bunit_path='Customers/Contoso')])
    monkeypatch.setattr(cloutility_audit_report.lookup_loader, 'get', lambda name, **kwargs: lookup if name == 'cloutility.cloutility.consumers' else None)
    in_sync = dict(SETTINGS, host='h2', consumer='h2', check_mode=True)
    drifted = dict(SETTINGS, host='h3', consumer='h3', check_mode=True)
    ghost = dict(SETTINGS, host='h4', consumer='h4', bunit='Customers/Gone', check_mode=True)
    task_vars = dict(
        ansible_play_hosts_all=['h2', 'h3', 'h4'],
        onboard__hosts=dict(all=[in_sync, drifted, ghost]),
        onboard__fleet=dict(hosts=dict(
            h2=dict(changed=False, consumer_id=9, bunit_id=5, activated=False, node=dict(tsmName='H2')),
            h3=dict(changed=True, consumer_id=None, bunit_id=5, changed_keys=['consumer', 'node'], diff=dict(before={}, after={'name': 'h3'})),
            h4=dict(changed=False, bunit_missing=True))))
    json_path, md_path = str(tmp_path / 'audit.json'), str(tmp_path / 'audit.md')
    args = dict(connection=dict(api_url='https://portal.example.com/v1'), json_path=json_path, markdown_path=md_path)
    result = make_report_action(dict(args)).run(task_vars=task_vars)
    assert lookup.calls == [(['Customers/Contoso'], dict(missing_ok=True, api_url='https://portal.example.com/v1'))]
    report = json.loads(open(json_path, encoding='utf-8').read())
    assert report['summary'] == result['summary']
    assert result['summary']['hosts'] == 3 and result['summary']['in_sync'] == 1 and result['summary']['drifted'] == 2
    assert [item['name'] for item in report['orphans']] == ['old-laptop']
    assert report['hosts']['h3']['status'] == 'drift' and report['hosts']['h4']['status'] == 'drift'
    assert '| h3 | Customers/Contoso |' in open(md_path, encoding='utf-8').read()
    assert result['changed'] and [item['path'] for item in result['files']] == [json_path, md_path]
    # Check mode writes nothing.
    os.remove(md_path)
    result = make_report_action(dict(args), check_mode=True).run(task_vars=task_vars)
    assert not os.path.exists(md_path) and result['files'][1] == dict(path=md_path, changed=True)


def test_the_audit_report_takes_the_units_the_fleet_listed_and_reads_only_the_others(tmp_path, monkeypatch):
    """The fleet task's consumers (list_consumers, read in this run) are not read again; the business unit of a host
    whose variables are wrong (not in the fleet) is read through the lookup, once."""
    from ansible_collections.cloutility.cloutility.plugins.action import cloutility_audit_report
    lookup = FakeConsumersLookup([dict(id=20, name='stray', bunit_id=6, bunit_path='Customers/Fabrikam'),
                                  dict(id=9, name='h2', bunit_id=5, bunit_path='Customers/Contoso')])
    monkeypatch.setattr(cloutility_audit_report.lookup_loader, 'get', lambda name, **kwargs: lookup)
    task_vars = dict(
        ansible_play_hosts_all=['h2', 'h5'],
        onboard__hosts=dict(all=[dict(SETTINGS, host='h2', consumer='h2', check_mode=True),
                                 dict(SETTINGS, host='h5', consumer='h5', bunit='Customers/Fabrikam', check_mode=True,
                                      problems=['onboard_cpu_count: not an int.'])]),
        onboard__fleet=dict(
            hosts=dict(h2=dict(changed=False, consumer_id=9, bunit_id=5, node=dict(tsmName='H2'))),
            consumers=[dict(id=9, name='h2', bunit_id=5, bunit_path='Customers/Contoso'),
                       dict(id=11, name='forgotten', bunit_id=5, bunit_path='Customers/Contoso')]))
    result = make_report_action(dict(json_path=str(tmp_path / 'audit.json'))).run(task_vars=task_vars)
    assert lookup.calls == [(['Customers/Fabrikam'], dict(missing_ok=True))]
    report = json.loads(open(str(tmp_path / 'audit.json'), encoding='utf-8').read())
    assert sorted(item['name'] for item in report['orphans']) == ['forgotten', 'stray']
    assert result['summary']['errors'] == 1
    # Everything listed by the fleet: nothing is read.
    lookup.calls.clear()
    task_vars['onboard__hosts']['all'] = task_vars['onboard__hosts']['all'][:1]
    make_report_action(dict(json_path=str(tmp_path / 'audit.json'))).run(task_vars=dict(task_vars, ansible_play_hosts_all=['h2']))
    assert lookup.calls == []


def test_the_audit_report_refuses_to_run_without_the_roles_settings(tmp_path):
    from ansible.errors import AnsibleActionFail
    with pytest.raises(AnsibleActionFail, match='onboard__hosts holds no settings: run the onboard role'):
        make_report_action(dict(json_path=str(tmp_path / 'a.json'))).run(task_vars={})
    with pytest.raises(AnsibleActionFail, match='give json_path, markdown_path or both'):
        make_report_action({}).run(task_vars=dict(onboard__hosts=dict(all=[])))
    with pytest.raises(AnsibleActionFail, match='connection must be a dict'):
        make_report_action(dict(json_path=str(tmp_path / 'a.json'), connection='x')).run(task_vars=dict(onboard__hosts=dict(all=[])))
    assert os.listdir(str(tmp_path)) == []


def test_settings_are_validated_as_plain_values_whatever_tags_the_inventory_put_on_them():
    from ansible_collections.cloutility.cloutility.plugins.plugin_utils.onboard import plain
    value = dict(a=trust_as_template('x'), b=[trust_as_template('y'), 1, True, 2.5, None], c={'k': trust_as_template('z')})
    copied = plain(value)
    assert copied == value
    assert [type(item) for item in (copied['a'], copied['b'][0], copied['c']['k'], copied['b'][2])] == [str, str, str, bool]
    assert copied['b'][1:] == [1, True, 2.5, None]


def test_the_role_in_roles_gets_no_per_host_validation_task_and_keeps_its_documentation(tmp_path):
    """ansible-core's role loader takes meta/argument_specs (no extension, empty) before meta/argument_specs.yml, so
    it adds no validation task; ansible-doc reads the .yml. If a release changes that, the role still works (the
    validation task comes back: one more task per host) and this test says so."""
    import subprocess
    import sys
    # The directory that holds ansible_collections/, as the collection was imported from.
    collections_root = os.path.abspath(os.path.join(os.path.dirname(onboard.__file__), *['..'] * 5))
    playbook = tmp_path / 'play.yml'
    playbook.write_text('- hosts: localhost\n  gather_facts: false\n  roles:\n    - role: cloutility.cloutility.onboard\n')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false')

    def run(*args):
        done = subprocess.run([sys.executable, '-m'] + list(args), env=env, cwd=str(tmp_path), capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = run('ansible.cli.playbook', '--list-tasks', str(playbook))
    assert 'Settings of every host of the play' in listed
    assert 'Validating arguments' not in listed
    doc = run('ansible.cli.doc', '-t', 'role', '--json', 'cloutility.cloutility.onboard')
    options = json.loads(doc)['cloutility.cloutility.onboard']['entry_points']['main']['options']
    assert set(options) == set(SPEC) and 'onboard_bunit' in options
