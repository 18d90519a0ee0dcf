# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole object (issue 30): every published setting of a business unit through cloutility_bunit, against the simulator,
whose PUT clears what a body lacks (whole-object PUT); the node's ``locked``; the settings a task does not name kept."""

from __future__ import annotations

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import option_problems
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.bunit import (
    BUNIT_ARGUMENT_SPEC,
    BUNIT_OPTIONS,
    bunit_info,
    ensure_bunit,
)

PARENT = 'Acme Hosting/Customers'
# Every setting of the published BusinessUnit that a provider sets, as a task gives them, and as the portal holds them.
EVERY = dict(storage_limit=5000, transfer_limit=800, node_limit=40, password_expiration_days=90,
             required_approvers_of_delete_request=2, final_delete_request_approver=True, users_can_approve_own_requests=True,
             support_responsible=True, invoice_day=15, report_remotely=True, use_schedule_bindings=True,
             domain_filter=['standard', '30DAYS'], client_option_set_filter=['FORCE_ENCRYPT'], note='Tenant of the reseller',
             registration_number='SE556600000077', time_zone='W. Europe Standard Time')
ON_PORTAL = dict(storageLimit=5000, transferLimit=800, nodeLimit=40, passwordExpirationDays=90, requiredApproversOfDeleteRequest=2,
                 finalDeleteRequestApprover=True, usersCanApproveOwnRequests=True, supportResponsible=True, invoiceDay=15,
                 reportRemotely=True, useScheduleBindings=True, clientOptionSetFilter=['FORCE_ENCRYPT'], note='Tenant of the reseller',
                 registrationNumber='SE556600000077')


def params(**given):
    """A task's parameters as Ansible hands them to the module: every option, the defaults applied."""
    full = dict((name, spec.get('default')) for name, spec in BUNIT_ARGUMENT_SPEC.items())
    full.update(parent=PARENT, name='Northwind')
    full.update(given)
    return full


def run(sim, check_mode=False, **given):
    client, _tree = sim.reader()
    return ensure_bunit(client, BusinessUnitTree(client), params(**given), check_mode=check_mode)


def portal_unit(sim, name='Northwind'):
    for unit in sim.state['businessUnits'].values():
        if unit['name'] == name:
            return unit
    return None


def writes(sim):
    counters = sim.counters()['by_route']
    return dict((route, count) for route, count in counters.items() if route.split(' ')[0] in ('POST', 'PUT', 'DELETE') and 'oauth' not in route)


def test_every_setting_is_created_then_nothing_changes(sim):
    created = run(sim, **EVERY)
    assert created['changed'] is True
    unit = portal_unit(sim)
    for key, value in ON_PORTAL.items():
        assert unit[key] == value, key
    # The names as the portal spells them, whatever letter case the task used.
    assert sorted(unit['domainFilter']) == ['30DAYS', 'STANDARD']
    sim.simulator.reset_counters()
    again = run(sim, **EVERY)
    assert again['changed'] is False and again['changed_keys'] == []
    assert writes(sim) == {}
    # Filters the unit holds already are not looked up again.
    routes = sim.counters()['by_route']
    assert 'GET /v1/bunits/{id}/defaultserver/domains' not in routes and 'GET /v1/bunits/{id}/defaultserver/clientoptionsets' not in routes


def test_the_domain_filter_in_another_order_or_case_is_no_change(sim):
    run(sim, **EVERY)
    sim.simulator.reset_counters()
    result = run(sim, domain_filter=['30days', 'STANDARD'], client_option_set_filter=['force_encrypt'])
    assert result['changed'] is False
    assert writes(sim) == {}
    changed = run(sim, domain_filter=['30DAYS'])
    assert changed['changed'] is True and changed['changed_keys'] == ['domainFilter']
    assert portal_unit(sim)['domainFilter'] == ['30DAYS']


@pytest.mark.parametrize('option, value, key', [
    ('storage_limit', 6000, 'storageLimit'), ('transfer_limit', 0, 'transferLimit'), ('node_limit', 41, 'nodeLimit'),
    ('password_expiration_days', 30, 'passwordExpirationDays'), ('required_approvers_of_delete_request', 1, 'requiredApproversOfDeleteRequest'),
    ('final_delete_request_approver', False, 'finalDeleteRequestApprover'), ('users_can_approve_own_requests', False, 'usersCanApproveOwnRequests'),
    ('support_responsible', False, 'supportResponsible'), ('invoice_day', 28, 'invoiceDay'), ('report_remotely', False, 'reportRemotely'),
    ('use_schedule_bindings', False, 'useScheduleBindings'), ('domain_filter', ['1YEAR'], 'domainFilter'),
    ('client_option_set_filter', [], 'clientOptionSetFilter'),
])
def test_check_mode_predicts_a_change_of_any_one_setting_without_writing(sim, option, value, key):
    run(sim, **EVERY)
    before = dict(portal_unit(sim))
    sim.simulator.reset_counters()
    predicted = run(sim, check_mode=True, **{option: value})
    assert predicted['changed'] is True and predicted['changed_keys'] == [key]
    assert predicted['diff']['after'][key] == value and predicted['diff']['before'][key] != value
    assert writes(sim) == {}
    assert portal_unit(sim) == before


def test_a_task_naming_only_the_note_keeps_every_other_setting(sim):
    run(sim, **EVERY)
    # The simulator's PUT is whole-object: a setting its body lacks goes back to its default. Proved first by hand.
    client, _tree = sim.reader()
    unit_id = portal_unit(sim)['id']
    result = run(sim, note='Renewed 2027')
    assert result['changed'] is True and result['changed_keys'] == ['note']
    unit = portal_unit(sim)
    for key, value in dict(ON_PORTAL, note='Renewed 2027').items():
        assert unit[key] == value, key
    assert sorted(unit['domainFilter']) == ['30DAYS', 'STANDARD'] and unit['timeZoneId'] == 4
    client.put('bunits/%d' % unit_id, json={'name': 'Northwind'})  # a body without the settings
    cleared = client.get('bunits/%d' % unit_id)
    assert cleared['storageLimit'] == 0 and cleared['domainFilter'] == [] and cleared['invoiceDay'] == 0
    assert cleared['finalDeleteRequestApprover'] is False and 'note' not in cleared


@pytest.mark.parametrize('given, message', [
    (dict(invoice_day=29), 'invoice_day must be from 0 to 28, not 29'),
    (dict(invoice_day=-1), 'invoice_day must be from 0 to 28, not -1'),
    (dict(storage_limit=-5), 'storage_limit must be 0 or more, not -5'),
    (dict(transfer_limit=-1), 'transfer_limit must be 0 or more'),
    (dict(node_limit=-1), 'node_limit must be 0 or more'),
    (dict(password_expiration_days=-30), 'password_expiration_days must be 0 or more'),
    (dict(required_approvers_of_delete_request=-1), 'required_approvers_of_delete_request must be 0 or more'),
    (dict(domain_filter=['STANDARD', ' ']), 'domain_filter must list names, none empty or blank'),
    (dict(domain_filter=['STANDARD', 'standard']), 'domain_filter names standard more than once'),
    (dict(storage_limit=5, state='absent'), 'storage_limit has no effect with state=absent'),
])
def test_out_of_range_values_are_input_problems(given, message):
    problems = option_problems(BUNIT_OPTIONS, params(**given))
    assert any(message in problem for problem in problems), problems


def test_filter_names_are_checked_against_what_the_unit_offers_before_any_write(sim):
    sim.simulator.reset_counters()
    with pytest.raises(CloutilityError) as caught:
        run(sim, domain_filter=['STANDARD', 'GOLD'])
    text = str(caught.value)
    assert "domain_filter: 'GOLD' is not offered by the default backup server of Acme Hosting/Customers (the parent" in text
    assert 'Valid names: 1YEAR, 30DAYS, 90DAYS, STANDARD' in text
    assert writes(sim) == {}
    # Of the unit itself once it exists: its domains are read under its own id.
    run(sim, note='x')
    unit_id = portal_unit(sim)['id']
    sim.simulator.reset_counters()
    with pytest.raises(CloutilityError, match="client_option_set_filter: 'NOPE', 'NADA' are not offered by the default backup "
                                              "server of Acme Hosting/Customers/Northwind. Valid names: DEDUP_AND_COMPRESS, FORCE_ENCRYPT"):
        run(sim, client_option_set_filter=['NOPE', 'NADA'])
    routes = sim.counters()['by_route']
    assert routes.get('GET /v1/bunits/{id}/defaultserver/clientoptionsets') == 1
    assert writes(sim) == {}
    assert unit_id


def test_bunit_info_returns_the_settings_by_the_option_names(sim):
    run(sim, **EVERY)
    client, tree = sim.reader()
    info = bunit_info(client, tree, dict(bunit=PARENT + '/Northwind', users=False))
    settings = info['settings']
    assert settings['storage_limit'] == 5000 and settings['invoice_day'] == 15 and settings['use_schedule_bindings'] is True
    assert sorted(settings['domain_filter']) == ['30DAYS', 'STANDARD'] and settings['time_zone'].startswith('(GMT+01:00)')
    assert info['bunit']['storageLimit'] == 5000  # and the raw object
    # Every option of cloutility_bunit that names an API key is there.
    assert set(settings) == set(name for name, spec in BUNIT_OPTIONS.items() if spec.get('api'))


# ---------------------------------------------------------------------------- the node's locked
NODE_TASK = dict(bunit='Acme Hosting/Customers/Contoso', consumer='lockme', operating_system='Linux', node_type='File Server',
                 domain='STANDARD')


def node_params(**given):
    from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import NODE_ARGUMENT_SPEC  # pylint: disable=import-outside-toplevel
    full = dict((name, spec.get('default')) for name, spec in NODE_ARGUMENT_SPEC.items())
    full.update(NODE_TASK)
    full.update(given)
    return full


def run_node(sim, check_mode=False, **given):
    from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import ensure_node  # pylint: disable=import-outside-toplevel
    client, _tree = sim.reader()
    return ensure_node(client, BusinessUnitTree(client), node_params(**given), check_mode=check_mode)


def portal_node(sim, consumer='lockme'):
    ids = [item['id'] for item in sim.state['consumers'].values() if item['name'] == consumer]
    return sim.simulator.node_of(ids[0]) if ids else None


def node_writes(sim):
    return dict((route, count) for route, count in writes(sim).items())


def test_a_node_is_locked_and_unlocked_idempotently_in_check_mode_too(sim):
    created = run_node(sim)
    assert created['changed'] and created['node']['locked'] is False
    sim.simulator.reset_counters()
    predicted = run_node(sim, check_mode=True, locked=True)
    assert predicted['changed'] is True and predicted['changed_keys'] == ['locked'] and predicted['node']['locked'] is True
    assert predicted['diff'] == dict(before=dict(predicted['diff']['before'], locked=False), after=dict(predicted['diff']['after'], locked=True))
    assert node_writes(sim) == {} and not portal_node(sim).get('locked')
    locked = run_node(sim, locked=True)
    assert locked['changed'] is True and locked['changed_keys'] == ['locked'] and locked['node']['locked'] is True
    assert portal_node(sim)['locked'] is True
    sim.simulator.reset_counters()
    assert run_node(sim, locked=True)['changed'] is False
    assert run_node(sim, check_mode=True, locked=True)['changed'] is False
    assert node_writes(sim) == {}
    # A change of another field carries the lock back (the node's PUT is whole-object: an absent locked is false).
    kept = run_node(sim, contact='ops@example.com')
    assert kept['changed_keys'] == ['contact'] and portal_node(sim)['locked'] is True
    predicted = run_node(sim, check_mode=True, locked=False)
    assert predicted['changed'] is True and predicted['node']['locked'] is False and portal_node(sim)['locked'] is True
    unlocked = run_node(sim, locked=False)
    assert unlocked['changed'] is True and portal_node(sim)['locked'] is False
    sim.simulator.reset_counters()
    assert run_node(sim, locked=False)['changed'] is False and run_node(sim, check_mode=True, locked=False)['changed'] is False
    assert node_writes(sim) == {}


def test_a_node_created_locked(sim):
    created = run_node(sim, locked=True)
    assert created['changed'] and portal_node(sim)['locked'] is True
    assert run_node(sim, locked=True)['changed'] is False


def test_unlock_after_a_new_password_sets_the_password_first(sim):
    run_node(sim, locked=True)
    sim.simulator.reset_counters()
    result = run_node(sim, locked=False, node_password='N3w-Passw0rd', update_password='always')
    assert result['changed'] and set(result['changed_keys']) == {'locked', 'tsmPassword'}
    node = portal_node(sim)
    assert node['locked'] is False and node['tsmPassword'] == 'N3w-Passw0rd'
    order = [(entry['message']) for entry in sim.state['auditLogs'] if entry.get('objectType') == 'Node'][-2:]
    assert order == ['Password of backup node of "lockme" changed', 'Backup node of "lockme" modified']
    # A password the server refuses leaves the node locked: nothing was unlocked before it.
    run_node(sim, locked=True)
    sim.simulator.config['password_min_length'] = 20
    with pytest.raises(CloutilityError, match='tsmPassword must be 20 to 64'):
        run_node(sim, locked=False, node_password='Short-Passw0rd', update_password='always')
    assert portal_node(sim)['locked'] is True


def test_a_portal_that_does_not_take_locked_is_named_in_the_message(sim):
    run_node(sim)
    sim.simulator.config['node_locked_read_only'] = True
    with pytest.raises(CloutilityError) as caught:
        run_node(sim, locked=True)
    text = str(caught.value)
    assert 'HTTP 400' in text and "the portal would not take locked in the node's PUT" in text
    assert not portal_node(sim).get('locked')
    # The lock it holds comes back unchanged in every other PUT, which the read-only portal takes.
    assert run_node(sim, contact='ops@example.com')['changed_keys'] == ['contact']
    assert run_node(sim, locked=False)['changed'] is False


# ---------------------------------------------------------------------------- the consumption unit's settings
def run_consumer(sim, check_mode=False, **given):
    from ansible_collections.cloutility.cloutility.plugins.module_utils.resources import consumer  # pylint: disable=import-outside-toplevel
    CONSUMER_ARGUMENT_SPEC, ensure_consumer = consumer.CONSUMER_ARGUMENT_SPEC, consumer.ensure_consumer  # pylint: disable=invalid-name
    full = dict((name, spec.get('default')) for name, spec in CONSUMER_ARGUMENT_SPEC.items())
    full.update(bunit='Acme Hosting/Customers/Contoso', name='tagged')
    full.update(given)
    client, _tree = sim.reader()
    return ensure_consumer(client, BusinessUnitTree(client), full, check_mode=check_mode)


def portal_consumer(sim, name='tagged'):
    found = [item for item in sim.state['consumers'].values() if item['name'] == name]
    return found[0] if found else None


def test_consumer_tags_and_billing_start_date_are_set_compared_as_sets_and_kept(sim):
    created = run_consumer(sim, tags=['gold', 'Nightly'], billing_start_date='2026-01-01', note='n')
    assert created['changed'] is True
    unit = portal_consumer(sim)
    assert sorted(tag['name'] for tag in unit['tags']) == ['Nightly', 'gold'] and unit['billingStartDate'] == '2026-01-01T00:00:00Z'
    gold_id = [tag['id'] for tag in unit['tags'] if tag['name'] == 'gold'][0]
    assert gold_id == 3  # the tag the portal holds by that text, not a new one
    sim.simulator.reset_counters()
    again = run_consumer(sim, tags=['nightly', 'GOLD'], billing_start_date='2026-01-01T00:00:00Z')
    assert again['changed'] is False and writes(sim) == {}
    predicted = run_consumer(sim, check_mode=True, tags=['gold'])
    assert predicted['changed'] is True and predicted['changed_keys'] == ['tags'] and writes(sim) == {}
    assert run_consumer(sim, note='only the note')['changed_keys'] == ['note']
    unit = portal_consumer(sim)
    assert len(unit['tags']) == 2 and unit['billingStartDate'] == '2026-01-01T00:00:00Z'
    assert run_consumer(sim, tags=[])['changed_keys'] == ['tags'] and portal_consumer(sim).get('tags') in (None, [])


def test_consumer_input_rules():
    from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import CONSUMER_OPTIONS  # pylint: disable=import-outside-toplevel
    problems = option_problems(CONSUMER_OPTIONS, dict(name='x', state='present', billing_start_date='-7d', tags=['a', ' ']))
    assert any(problem.startswith("billing_start_date must be an ISO 8601 date such as 2026-01-01") for problem in problems), problems
    assert 'tags must list texts, none empty or blank' in problems
    assert option_problems(CONSUMER_OPTIONS, dict(name='x', state='present', billing_start_date='2026-02-30')) == [
        "billing_start_date is not a date: '2026-02-30'"]


def test_a_portal_that_does_not_take_tags_in_the_units_body_is_named(sim):
    run_consumer(sim, note='n')
    sim.simulator.config['consumer_tags_read_only'] = True
    with pytest.raises(CloutilityError) as caught:
        run_consumer(sim, tags=['gold'])
    assert "HTTP 400" in str(caught.value) and "the portal would not take tags in the consumption unit's PUT" in str(caught.value)
    assert not portal_consumer(sim).get('tags')
    with pytest.raises(CloutilityError, match="the portal would not take tags in the consumption unit's POST"):
        run_consumer(sim, name='other', tags=['gold'])
    assert portal_consumer(sim, 'other') is None
    # Other settings still go through: the tags the unit holds come back unchanged.
    assert run_consumer(sim, note='m')['changed_keys'] == ['note']


def test_a_portal_that_leaves_settings_out_means_their_defaults():
    """Objects are often incomplete (api-facts.md): an absent setting is its default, no difference, and bunit_info shows
    the default."""
    from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.bunit import BUNIT, settings_of  # pylint: disable=import-outside-toplevel
    desired = BUNIT.desired(params(storage_limit=0, node_limit=0, invoice_day=0, final_delete_request_approver=False,
                                   use_schedule_bindings=False, domain_filter=[], client_option_set_filter=[]))
    assert BUNIT.differences({'id': 5, 'name': 'Northwind'}, desired) == []
    assert BUNIT.differences({'id': 5, 'name': 'Northwind'}, dict(desired, nodeLimit=1)) == ['nodeLimit']
    settings = settings_of({'id': 5, 'name': 'Northwind', 'timeZone': {'id': 4, 'name': 'W. Europe'}})
    assert settings['storage_limit'] == 0 and settings['final_delete_request_approver'] is False and settings['domain_filter'] == []
    assert settings['time_zone'] == 'W. Europe' and settings['note'] is None
