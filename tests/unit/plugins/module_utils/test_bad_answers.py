# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A 2xx whose body is not the resource (issue 20), against the simulator's fault bodies: never read as "no objects"."""

from __future__ import annotations

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils import api_client
from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityBadAnswer, CloutilityClient, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.bunit import bunit_info, count_consumers, ensure_bunit
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import find_consumer
from ansible_collections.cloutility.cloutility.plugins.module_utils.node_fleet import ensure_fleet
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import node_info
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import ensure_node
from ansible_collections.cloutility.cloutility.plugins.module_utils.billing import billing_info
from ansible_collections.cloutility.cloutility.plugins.module_utils.reference import reference_info
from ansible_collections.cloutility.cloutility.plugins.module_utils.reports import job_info, report_info

CONTOSO_LIST = r'^/v1/bunits/94/consumers$'
LIST_ROUTE = 'GET /v1/bunits/{id}/consumers'
RETRIES = 2
# body -> what the message says about it, and a piece of the body's first bytes
BAD_BODIES = {
    'html': ('an HTML page', 'text/html', 'Scheduled maintenance'),
    'truncated': ('JSON cut short', 'application/json', '"total": 25'),
    'empty': ('no body', 'application/json', None),
    'object': ('a JSON object without an items list', 'application/json', '"maintenance"'),
    'no_items': ('a JSON object without an items list', 'application/json', '"total": 25'),
}


@pytest.fixture(autouse=True)
def quick(monkeypatch, tmp_path):
    """No real waits between attempts (the budget's attempt count still applies); locks in a private place."""
    monkeypatch.setattr(api_client.time, 'sleep', lambda seconds: None)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))


def _client(sim, retries=RETRIES, workers=None):
    return CloutilityClient(sim.api_url, token_cache=False, retries=retries, pool_size=workers, **sim.login)


def _faults(sim, body, path=CONTOSO_LIST, times=None, method='GET', query=None, status=None):
    rule = dict(method=method, path=path, body=body, times=times)
    if body == 'html' and status is None:
        status = 200
    if status is not None:
        rule['status'] = status
    if query is not None:
        rule['query'] = query
    sim.simulator.set_faults({'rules': [rule]})


def _count(sim, route=LIST_ROUTE):
    return sim.simulator.counters_copy()['by_route'].get(route, 0)


@pytest.mark.parametrize('body', sorted(BAD_BODIES))
def test_a_bad_list_answer_is_retried_then_fails_naming_method_url_status_type_and_body(sim, body):
    _faults(sim, body)
    client = _client(sim)
    with pytest.raises(CloutilityBadAnswer) as caught:
        client.get_all('bunits/94/consumers')
    problem, content_type, excerpt = BAD_BODIES[body]
    message = str(caught.value)
    assert message.startswith('GET %s/bunits/94/consumers answered HTTP 200 (%s' % (sim.api_url, content_type)), message
    assert problem in message
    if excerpt:
        assert 'the body begins: ' in message and excerpt in message
    assert caught.value.status == 200 and not caught.value.uncertain
    assert _count(sim) == RETRIES + 1, 'sent again like a 5xx, within the budget'


@pytest.mark.parametrize('body', ['html', 'truncated', 'empty'])
def test_a_bad_object_answer_is_retried_then_fails(sim, body):
    _faults(sim, body, path=r'^/v1/bunits/94$')
    with pytest.raises(CloutilityBadAnswer, match=BAD_BODIES[body][0]):
        _client(sim).get('bunits/94')
    assert _count(sim, 'GET /v1/bunits/{id}') == RETRIES + 1


@pytest.mark.parametrize('body', sorted(BAD_BODIES))
def test_one_bad_answer_then_a_good_one_succeeds(sim, body):
    _faults(sim, body, times=1)
    assert [item['name'] for item in _client(sim).get_all('bunits/94/consumers')] == ['web01', 'db01', 'JennysWS']
    assert _count(sim) == 2


@pytest.mark.parametrize('body', sorted(BAD_BODIES))
def test_a_bad_second_page_fails_the_whole_read(sim, body):
    sim.simulator.config['page_size'] = 2
    _faults(sim, body, query=r'(^|&)offset=2(&|$)')
    with pytest.raises(CloutilityBadAnswer, match='offset=2'):
        _client(sim).get_all('bunits/94/consumers')
    assert _count(sim) == 1 + RETRIES + 1, 'the first page once, the second page until the budget is spent'


def test_a_bad_second_page_once_is_read_again(sim):
    sim.simulator.config['page_size'] = 2
    _faults(sim, 'no_items', query=r'(^|&)offset=2(&|$)', times=1)
    assert len(_client(sim).get_all('bunits/94/consumers')) == 3
    assert _count(sim) == 3


def test_without_retries_the_first_bad_answer_fails(sim):
    _faults(sim, 'html', times=1)
    with pytest.raises(CloutilityBadAnswer):
        _client(sim, retries=0).get_all('bunits/94/consumers')
    assert _count(sim) == 1


def test_a_post_with_an_unreadable_answer_is_sent_once_and_uncertain(sim):
    sim.simulator.set_faults({'drop_after_commit': [{'method': 'POST', 'path': CONTOSO_LIST, 'body': 'html', 'status': 200, 'times': 1}]})
    with pytest.raises(CloutilityBadAnswer) as caught:
        _client(sim).post('bunits/94/consumers', json={'name': 'once'})
    assert caught.value.uncertain and 'uncertain whether it took effect' in str(caught.value)
    assert _count(sim, 'POST /v1/bunits/{id}/consumers') == 1
    assert [c['name'] for c in sim.state['consumers'].values() if c['name'] == 'once'] == ['once']


@pytest.mark.parametrize('body', ['html', 'truncated', 'object'])
def test_the_engine_rereads_after_an_unreadable_create_and_creates_once(sim, body):
    """cloutility_node for a new unit: the POST's answer is unreadable; the engine finds the unit it created."""
    sim.simulator.set_faults({'drop_after_commit': [{'method': 'POST', 'path': CONTOSO_LIST, 'body': body, 'status': 200, 'times': 1}]})
    client = _client(sim)
    params = dict(bunit='Customers/Contoso', consumer='new-host', consumer_id=None, operating_system='Linux', node_type='File Server',
                  domain='STANDARD', client_option_set=None, server=None, contact=None, cpu_count=None, activate=False, tsm_name=None,
                  node_password=None, update_password='on_create', return_password=False, state='present', deletion_comment=None)
    result = ensure_node(client, lambda: BusinessUnitTree(client), params)
    assert result['changed'] and result['consumer_id'] is not None
    assert _count(sim, 'POST /v1/bunits/{id}/consumers') == 1, 'not sent twice'
    assert [c['name'] for c in client.get_all('bunits/94/consumers')].count('new-host') == 1


def test_a_bad_consumer_list_creates_nothing_for_an_existing_unit(sim):
    """The issue's first case: cloutility_node re-run for an existing unit with a maintenance page on the list."""
    _faults(sim, 'html')
    client = _client(sim)
    params = dict(bunit='Customers/Contoso', consumer='web01', consumer_id=None, operating_system='Linux', node_type='File Server',
                  domain='STANDARD', client_option_set=None, server=None, contact=None, cpu_count=None, activate=True, tsm_name=None,
                  node_password=None, update_password='on_create', return_password=False, state='present', deletion_comment=None)
    writes = sim.simulator.counters_copy()['writes']
    with pytest.raises(CloutilityBadAnswer, match='HTML page'):
        ensure_node(client, lambda: BusinessUnitTree(client), params)
    assert sim.simulator.counters_copy()['writes'] == writes


def test_fleet_fails_each_entry_of_the_unit_with_a_bad_list_and_writes_nothing(sim):
    _faults(sim, 'no_items')
    client = _client(sim, workers=4)
    entry = dict(host='web01', bunit='Customers/Contoso', consumer='web01', consumer_id=None, operating_system='Linux',
                 node_type='File Server', domain='STANDARD', client_option_set=None, server=None, contact=None, cpu_count=None,
                 activate=True, tsm_name=None, node_password=None, update_password='on_create', return_password=False,
                 state='present', deletion_comment=None)
    outcome = ensure_fleet(client, BusinessUnitTree(client), [entry, dict(entry, host='db01', consumer='db01')], workers=4)
    assert sorted(outcome['failed_hosts']) == ['db01', 'web01']
    assert all('without an items list' in outcome['hosts'][host]['msg'] for host in ('web01', 'db01'))
    assert sim.simulator.counters_copy()['writes'] == 0


def test_find_consumer_never_reads_a_bad_list_as_no_match(sim):
    _faults(sim, 'empty')
    with pytest.raises(CloutilityBadAnswer, match='no body'):
        find_consumer(_client(sim), 94, 'web01')


def test_node_info_fails_instead_of_reporting_no_nodes(sim):
    _faults(sim, 'object')
    client = _client(sim)
    with pytest.raises(CloutilityBadAnswer, match='without an items list'):
        node_info(client, BusinessUnitTree(client), dict(bunit='Customers/Contoso'))


def test_a_delete_without_a_body_still_works(sim):
    client = _client(sim)
    assert client.delete('bunits/94/consumers/423') is None  # the simulator answers 204
    sim.simulator.set_faults({'drop_after_commit': [{'method': 'DELETE', 'path': r'/consumers/463$', 'body': 'empty', 'times': 1}]})
    assert client.delete('bunits/157/consumers/463') is None  # 200 with no body
    assert _count(sim, 'DELETE /v1/bunits/{id}/consumers/{id}') == 2


def test_the_suggested_name_as_a_json_string_still_works(sim):
    assert _client(sim).get('bunits/94/consumers/415/node/spname') == 'CONTOSO-DB01'


# --------------------------------------------------------------------------- readers of one object
class Finished(Exception):
    """exit_json or fail_json of a TaskModule: ``.result`` is what the task would return."""

    def __init__(self, failed, result):
        super().__init__(result.get('msg'))
        self.failed, self.result = failed, result


class TaskModule:
    """What a module's run() uses of CloutilityModule, over a real client; exit_json and fail_json raise Finished."""
    run = CloutilityModule.run
    fail_on_error = CloutilityModule.fail_on_error
    run_resource = CloutilityModule.run_resource
    finish = CloutilityModule.finish
    bunits = CloutilityModule.bunits

    def __init__(self, client, **params):
        self.client, self.params, self.check_mode, self._tree = client, params, False, None

    def exit_json(self, **result):
        raise Finished(False, result)

    def fail_json(self, **result):
        raise Finished(True, result)


def _run(sim, work, **params):
    """The task of a module whose one call is ``work`` (a module_utils function)."""
    task = TaskModule(_client(sim), **params)
    with pytest.raises(Finished) as finished:
        task.run_resource(work)
    return finished.value


REPORT = dict(bunit='Customers/Contoso', consumer='web01', consumer_id=None, start=None, end=None, status=True, warnings=False, latest=True,
              user_id=None)
# reader, its options, the path whose answer is broken, the route it counts under, what the message says was due
OBJECT_READERS = {
    'billing_info contract': (billing_info, dict(bunit='Customers/Contoso', include=['contract'], invoice_date=None, billing_date=None,
                                                 include_next=None), r'^/v1/bunits/94/contract$', 'GET /v1/bunits/{id}/contract', 'the contract'),
    'billing_info invoice': (billing_info, dict(bunit='Customers/Contoso', include=['invoices'], invoice_date='2024-05-01', billing_date=None,
                                                include_next=None), r'/invoices/2024-05-01$', None, 'an invoice'),
    'reference_info server': (reference_info, dict(bunit='Customers/Contoso', include=['server']), r'^/v1/bunits/94/defaultserver$',
                              'GET /v1/bunits/{id}/defaultserver', 'the default backup server'),
    'report_info latest': (report_info, REPORT, r'/consumers/408/reports/latest$', 'GET /v1/bunits/{id}/consumers/{id}/reports/latest',
                           'a node report'),
    'job_info first': (job_info, dict(bunit='Customers/Contoso', consumer='web01', consumer_id=None, start='-24h', end='now'),
                       r'/consumers/408/jobs/first$', 'GET /v1/bunits/{id}/consumers/{id}/jobs/first', 'the first job'),
    'bunit_info': (bunit_info, dict(bunit='Customers/Contoso', users=False), r'^/v1/bunits/94$', 'GET /v1/bunits/{id}',
                   'a business unit'),
    'consumer by id': (report_info, dict(REPORT, consumer=None, consumer_id=408), r'^/v1/bunits/94/consumers/408$',
                       'GET /v1/bunits/{id}/consumers/{id}', 'a consumption unit'),
}


@pytest.mark.parametrize('body, shape', [('list', 'a JSON list'), ('string', 'a JSON string')])
@pytest.mark.parametrize('reader', sorted(OBJECT_READERS))
def test_a_reader_of_one_object_fails_on_another_shape_naming_method_url_and_what_was_due(sim, reader, body, shape):
    """Not {} nor [] nor an AttributeError: the task fails with the client's message, after the same retries as a 5xx."""
    module, params, path, route, what = OBJECT_READERS[reader]
    _faults(sim, body, path=path)
    outcome = _run(sim, module, **params)
    assert outcome.failed and outcome.result['api_error']['status'] == 200, outcome.result
    message = outcome.result['msg']
    assert message.startswith('GET %s/bunits/' % sim.api_url), message
    assert '%s, where a JSON object (%s) is due' % (shape, what) in message
    if route:
        assert _count(sim, route) == RETRIES + 1


@pytest.mark.parametrize('reader', ['billing_info contract', 'report_info latest', 'reference_info server'])
def test_a_reader_of_one_object_still_takes_no_data_as_empty(sim, reader):
    """The 404 "no data" get_optional maps to None stays a legitimate empty answer."""
    module, params, path, _route, _what = OBJECT_READERS[reader]
    _faults(sim, None, path=path, status=404)
    outcome = _run(sim, module, **params)
    assert not outcome.failed, outcome.result
    assert outcome.result[dict(billing_info='contract', report_info='report', reference_info='server')[reader.split()[0]]] == {}


def test_a_reader_of_a_collection_has_no_one_item_fallback(sim):
    """cloutility_report_info over a range: an object where the list is due fails (it was read as one report)."""
    _faults(sim, 'object', path=r'/consumers/408/reports$')
    params = dict(REPORT)
    params['latest'] = False
    outcome = _run(sim, report_info, **params)
    assert outcome.failed and 'a JSON object without an items list, where a collection' in outcome.result['msg']


def test_the_business_unit_tree_must_be_a_unit(sim):
    _faults(sim, 'list', path=r'^/v1/bunits$')
    with pytest.raises(CloutilityBadAnswer, match=r'a JSON list, where a JSON object \(the business unit tree\) is due'):
        BusinessUnitTree(_client(sim)).resolve(None)  # read on first use
    _faults(sim, 'no_items', path=r'^/v1/bunits$')
    with pytest.raises(CloutilityBadAnswer, match=r'a JSON object without id, name, where a JSON object \(the business unit tree\) is due'):
        BusinessUnitTree(_client(sim)).resolve(None)  # read on first use


def test_find_consumer_by_id_fails_on_a_list_instead_of_an_attribute_error(sim):
    _faults(sim, 'list', path=r'^/v1/bunits/94/consumers/408$')
    with pytest.raises(CloutilityBadAnswer, match=r'a JSON list, where a JSON object \(a consumption unit\) is due'):
        find_consumer(_client(sim), 94, name='web01', consumer_id=408)


def test_get_object_takes_one_bad_answer_then_the_object(sim):
    _faults(sim, 'list', path=r'^/v1/bunits/94$', times=1)
    assert _client(sim).get_object('bunits/94', what='a business unit', keys=('id',))['name'] == 'Contoso'
    assert _count(sim, 'GET /v1/bunits/{id}') == 2


# --------------------------------------------------------------------------- cloutility_bunit state=absent
FABRIKAM = dict(name='Fabrikam', parent='Customers', registration_number=None, time_zone=None, note=None, state='absent')


@pytest.mark.parametrize('body', ['object', 'no_items', 'html', 'string'])
def test_bunit_absent_fails_on_a_bad_consumer_count_and_deletes_nothing(sim, body):
    """Fabrikam has consumption units: an answer that is no collection must not count as none and lead to the DELETE."""
    _faults(sim, body, path=r'^/v1/bunits/131/consumers$')
    outcome = _run(sim, ensure_bunit, **FABRIKAM)
    assert outcome.failed and 'GET %s/bunits/131/consumers?limit=1 answered HTTP 200' % sim.api_url in outcome.result['msg']
    counters = sim.simulator.counters_copy()
    assert counters['writes'] == 0 and counters['by_route'].get('DELETE /v1/bunits/{id}', 0) == 0
    assert 131 in BusinessUnitTree(_client(sim)).by_id


def test_bunit_absent_refuses_a_unit_with_consumers_and_deletes_an_empty_one(sim):
    outcome = _run(sim, ensure_bunit, **FABRIKAM)
    assert outcome.failed and 'not empty' in outcome.result['msg'] and '3 consumption unit(s)' in outcome.result['msg']
    assert sim.simulator.counters_copy()['writes'] == 0
    client = _client(sim)
    client.post('bunits/76/bunits', json={'name': 'Empty'})
    params = dict(FABRIKAM)
    params['name'] = 'Empty'
    outcome = _run(sim, ensure_bunit, **params)
    assert not outcome.failed and outcome.result['changed'], outcome.result
    assert _count(sim, 'DELETE /v1/bunits/{id}') == 1


class PageClient:
    base_url = 'https://portal.example/v1/'

    def __init__(self, page):
        self.page = page

    def collect(self, path, params=None, limit=None):
        return self.page.get('items'), self.page


@pytest.mark.parametrize('page', [dict(items=[], total='3'), dict(items=[], total=-1), dict(items=[{'id': 1}], total=0), dict(items=[], total=True)])
def test_a_consumer_count_that_is_no_count_is_an_error(page):
    with pytest.raises(CloutilityError, match='where the number of its consumption units is due'):
        count_consumers(PageClient(page), 131)


@pytest.mark.parametrize('page, count', [(dict(items=[], total=0), 0), (dict(items=[{'id': 1}], total=4), 4), (dict(items=[{'id': 1}]), 1)])
def test_a_consumer_count_from_a_page(page, count):
    assert count_consumers(PageClient(page), 131) == count


class _Finisher:
    """What ``CloutilityModule.finish`` calls, recorded."""

    def __init__(self):
        self.warned, self.exited, self.failed = [], None, None

    def warn(self, text):
        self.warned.append(text)

    def exit_json(self, **result):
        self.exited = result

    def fail_json(self, **result):
        self.failed = result
        raise SystemExit(1)  # as AnsibleModule.fail_json does


@pytest.mark.parametrize('failed', [False, True])
def test_a_results_warnings_go_through_warn_never_to_exit_json(failed):
    # ansible-core 2.22 deprecates warnings passed to exit_json / fail_json (removed in 2.23).
    stub = _Finisher()
    result = dict(changed=True, consumer_id=7, warnings=['one', 'two'])
    if failed:
        result.update(failed=True, msg='it failed')
    if failed:
        with pytest.raises(SystemExit):
            CloutilityModule.finish(stub, result)
    else:
        CloutilityModule.finish(stub, result)
    assert stub.warned == ['one', 'two']
    sent = stub.failed if failed else stub.exited
    assert sent == dict(changed=True, consumer_id=7, **({'msg': 'it failed'} if failed else {}))
    assert (stub.exited if failed else stub.failed) is None
