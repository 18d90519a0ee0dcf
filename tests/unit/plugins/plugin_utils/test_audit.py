# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit report's duplicates (plugin_utils/audit.py): names used by several consumption units of one business
unit, as racing controllers can leave them, reported once, with the unit the modules keep."""

from __future__ import annotations

import json

from ansible_collections.cloutility.cloutility.plugins.plugin_utils import audit
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.audit import build_report, render_json, render_markdown

CONTOSO = dict(bunit_id=31, bunit_path='Acme/Customers/Contoso')
FABRIKAM = dict(bunit_id=32, bunit_path='Acme/Customers/Fabrikam')
# What the modules fail with when another unit than the oldest holds an activated node (resources/consumer.py).
DUPLICATE_MESSAGE = ("Consumption unit name 'web02' is used by 2 units in business unit Acme/Customers/Contoso: ids 420, 421. "
                     "Set consumer_id to choose one, or delete the units that are not needed (the audit lists them; the modules keep "
                     "the oldest, id 420, only when the others are extra units of controllers that ran at once)")


def unit(unit_id, name, where=None):
    return dict(where or CONTOSO, id=unit_id, name=name)


def in_sync(consumer, consumer_id, bunit='Customers/Contoso', bunit_id=31):
    """A host compared without error and without drift (check mode)."""
    return dict(bunit=bunit, bunit_id=bunit_id, consumer=consumer, consumer_id=consumer_id, error=None, changed_keys=[],
                diff={}, node_name=consumer.upper())


def test_a_duplicated_name_is_one_finding_with_every_id_and_the_lowest_kept():
    """The extra unit a controller stopped half way left (created after the host's, so a higher id, listed first):
    the host is in sync on the oldest, the modules checked the other holds no activated node."""
    results = {'web01': in_sync('web01', 408)}
    consumers = [unit(412, 'web01'), unit(408, 'web01'), unit(409, 'db01'), unit(415, 'web01')]
    report = build_report(results, consumers)
    assert report['duplicates'] == [dict(
        bunit_id=31, bunit_path='Acme/Customers/Contoso', name='web01', ids=[408, 412, 415], kept=408, others=[412, 415],
        hosts=['web01'], others_activated=False, hint=report['duplicates'][0]['hint'])]
    hint = report['duplicates'][0]['hint']
    assert 'The modules use id 408; the others hold no activated node' in hint
    assert ('cloutility.cloutility.cloutility_consumer with bunit: Acme/Customers/Contoso, name: web01, consumer_id: 412 / 415, '
            'state: absent, delete_associations: true if it has a node') in hint
    # Counted once: the host is in sync, no extra unit is an orphan, no error.
    assert report['hosts']['web01']['status'] == 'ok'
    assert [orphan['id'] for orphan in report['orphans']] == [409]
    assert report['summary'] == dict(hosts=1, in_sync=1, drifted=0, errors=0, duplicates=1, orphans=1, findings={})


def test_kept_is_the_lowest_id_whatever_the_order_and_ids_are_listed_once():
    """The fleet's list and the lookup's may both hold a unit (the action merges by id); ids compare as numbers."""
    consumers = [unit(1000, 'web01'), unit(999, 'web01'), unit(1000, 'web01')]
    [duplicate] = build_report({}, consumers)['duplicates']
    assert duplicate['ids'] == [999, 1000] and duplicate['kept'] == 999 and duplicate['others'] == [1000]


def test_one_entry_per_business_unit_and_name():
    """The same name in two business units is no duplicate; names compare exactly, as the modules compare them."""
    consumers = [unit(408, 'web01'), unit(500, 'web01', FABRIKAM), unit(409, 'WEB01'), unit(501, 'db01', FABRIKAM),
                 unit(502, 'db01', FABRIKAM)]
    report = build_report({'web01': in_sync('web01', 408)}, consumers)
    assert [(item['bunit_path'], item['name'], item['ids']) for item in report['duplicates']] == [
        ('Acme/Customers/Fabrikam', 'db01', [501, 502])]


def test_a_host_the_modules_stop_for_is_no_error_and_its_units_are_no_orphans():
    """Another unit than the oldest holds an activated node: the modules fail rather than guess. The host is reported
    as duplicate_unit (not an error), the duplicate says the others hold an activated node, nothing is an orphan."""
    results = {'web02': dict(bunit='Customers/Contoso', bunit_id=None, consumer='web02', consumer_id=None, error=DUPLICATE_MESSAGE),
               'web03': dict(bunit='Customers/Contoso', bunit_id=31, consumer='web03', consumer_id=None, error='HTTP 500')}
    consumers = [unit(421, 'web02'), unit(420, 'web02')]
    report = build_report(results, consumers)
    [duplicate] = report['duplicates']
    assert duplicate['kept'] == 420 and duplicate['hosts'] == ['web02'] and duplicate['others_activated'] is True
    assert 'The modules stop rather than guess (another unit than the oldest, id 420, holds an activated node' in duplicate['hint']
    assert 'consumer_id: <each id you do not keep>' in duplicate['hint']
    host = report['hosts']['web02']
    assert host['status'] == 'duplicate'
    assert [(finding['kind'], finding['ids'], finding['kept']) for finding in host['findings']] == [('duplicate_unit', [420, 421], 420)]
    assert report['orphans'] == []
    # Another host's own error stays an error.
    assert report['hosts']['web03']['status'] == 'error'
    assert report['summary']['errors'] == 1 and report['summary']['duplicates'] == 1
    assert report['summary']['findings'] == {'duplicate_unit': 1, 'error': 1}


def test_units_no_host_names_are_a_duplicate_not_orphans():
    """Two units of one name no host claims: one duplicate entry (with no host), neither is an orphan."""
    consumers = [unit(408, 'web01'), unit(430, 'old-laptop'), unit(431, 'old-laptop'), unit(432, 'stray')]
    report = build_report({'web01': in_sync('web01', 408)}, consumers)
    [duplicate] = report['duplicates']
    assert duplicate['ids'] == [430, 431] and duplicate['kept'] == 430 and duplicate['hosts'] == []
    assert duplicate['others_activated'] is None
    assert 'No inventory host names it; the oldest is id 430' in duplicate['hint']
    assert [orphan['name'] for orphan in report['orphans']] == ['stray']
    assert report['summary']['orphans'] == 1 and report['summary']['duplicates'] == 1


def test_a_host_whose_path_leaves_out_the_top_unit_names_the_duplicate():
    """Found by path (a failed host has no bunit_id) whether the host spells the top unit's name or not."""
    results = {'a': dict(in_sync('web01', 408, bunit='Acme / Customers/Contoso/', bunit_id=None)),
               'b': dict(bunit='Customers/Contoso', consumer='db01', consumer_id=None, bunit_id=None, error='boom')}
    consumers = [unit(408, 'web01'), unit(410, 'web01'), unit(409, 'db01'), unit(411, 'db01')]
    report = build_report(results, consumers)
    assert [(item['name'], item['hosts'], item['others_activated']) for item in report['duplicates']] == [
        ('db01', ['b'], None), ('web01', ['a'], False)]
    # A host compared on another unit than the lowest id (the one holding the activated node, or the first created:
    # rivals.py invariant 6): that unit is the one kept, the other is named, and no other holds an activated node.
    report = build_report({'a': in_sync('web01', 410)}, consumers)
    assert [(item['kept'], item['others'], item['others_activated']) for item in report['duplicates'] if item['name'] == 'web01'] == [
        (410, [408], False)]


def test_markdown_and_json_show_the_duplicates():
    results = {'web01': in_sync('web01', 408),
               'web02': dict(bunit='Customers/Contoso', bunit_id=None, consumer='web02', consumer_id=None, error=DUPLICATE_MESSAGE)}
    consumers = [unit(412, 'web01'), unit(408, 'web01'), unit(421, 'web02'), unit(420, 'web02'), unit(409, 'db|01')]
    report = build_report(results, consumers)
    markdown = render_markdown(report)
    assert 'errors: 0, duplicated consumption unit names: 2, orphaned consumption units: 1.' in markdown
    assert '## Duplicate consumption units' in markdown
    assert '| Business unit | Consumption unit | Ids | Kept | Others hold an activated node | Hosts | Resolve |' in markdown
    assert '| Acme/Customers/Contoso | web01 | 408, 412 | 408 | no | web01 | The modules use id 408;' in markdown
    assert ('| Acme/Customers/Contoso | web02 | 420, 421 | 420 | yes | web02 | The modules stop rather than guess (another unit '
            'than the oldest, id 420,') in markdown
    assert '| web02 | Customers/Contoso | duplicate_unit | consumption unit name web02 is used by units 420, 421' in markdown
    assert '| Acme/Customers/Contoso | db\\|01 | 409 |' in markdown
    data = json.loads(render_json(report))
    assert data['summary']['duplicates'] == 2
    assert [(item['name'], item['ids'], item['kept'], item['others_activated']) for item in data['duplicates']] == [
        ('web01', [408, 412], 408, False), ('web02', [420, 421], 420, True)]
    # None: the section says so.
    markdown = render_markdown(build_report({'web01': in_sync('web01', 408)}, [unit(408, 'web01')]))
    assert 'None: no name is used by more than one consumption unit of a covered business unit.' in markdown


def test_a_setting_is_shown_by_its_role_variable_and_an_absent_value_as_not_set():
    result = dict(consumer='web01', consumer_id=7, bunit='Acme', changed_keys=['clientOptionSet', 'domain'],
                  diff=dict(before=dict(clientOptionSet=None, domain={'id': 1, 'name': '90DAYS'}),
                            after=dict(clientOptionSet={'id': 2, 'name': 'FORCE_ENCRYPT'}, domain={'id': 3, 'name': 'STANDARD'})))
    findings = audit.host_findings(result)
    assert [finding['detail'] for finding in findings] == [
        'onboard_client_option_set: (not set) -> FORCE_ENCRYPT', 'onboard_domain: 90DAYS -> STANDARD']
    # The machine-readable fields stay as they were: the API's field name, None for absent.
    assert findings[0]['key'] == 'clientOptionSet' and findings[0]['old'] is None and findings[0]['new'] == 'FORCE_ENCRYPT'
    assert findings[0]['variable'] == 'onboard_client_option_set'
    assert audit.role_variable('cpuCount') == 'onboard_cpu_count'
    assert audit.role_variable('somethingElse') == 'somethingElse'


def test_summary_lines_are_text():
    result = dict(consumer='web01', consumer_id=7, bunit='Acme', changed_keys=['clientOptionSet'],
                  diff=dict(before=dict(clientOptionSet=None), after=dict(clientOptionSet='FORCE_ENCRYPT')))
    report = audit.build_report({'web01.example.com': result}, [], ['web01.example.com'])
    lines = audit.summary_lines(report)
    assert all(isinstance(line, str) for line in lines)
    assert lines[0].startswith('1 host(s): 0 in sync, 1 drifted, 0 error(s); 0 duplicated consumption unit name(s)')
    assert 'web01.example.com: onboard_client_option_set: (not set) -> FORCE_ENCRYPT' in lines
    assert 'None' not in '\n'.join(lines)
