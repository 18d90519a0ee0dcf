# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup_events event source's engine against the simulator: one event per problem, a restart that neither
loses nor repeats, an answer that is not the resource that never becomes events, storage limits told once."""

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.backup_events import BackupWatch, Settings

CUSTOMERS = 'Acme Hosting/Customers'
FIRST_JOB = 'GET /v1/bunits/{id}/consumers/{id}/jobs/first'
WEB01, FILESERVER = 408, 431   # seed consumption units with activated nodes (Contoso/web01, Fabrikam/fileserver)


def settings(sim, tmp_path, **args):
    given = dict(sim.login, api_url=sim.api_url, token_cache=False, retries=0, bunits=[CUSTOMERS], since='-1h',
                 bookmark=str(tmp_path / 'bookmark.json'))
    given.update(args)
    return Settings(given, environ={})


def add_job(sim, consumer, status):
    answer = requests.post(sim.url + '/_sim/jobs', json=dict(consumer=consumer, status=status), timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def ours(events, *jobs):
    """The events of these jobs (the seed's own nightly jobs may fail inside the window too)."""
    ids = set(job['id'] for job in jobs)
    return [event['cloutility'] for event in events if event['cloutility'].get('job', {}).get('id') in ids]


def test_one_event_per_problem_and_a_restart_repeats_none(sim, tmp_path):
    failed, missed = add_job(sim, WEB01, 'Failed'), add_job(sim, FILESERVER, 'Missed')
    watch = BackupWatch(settings(sim, tmp_path))
    outcome = watch.poll()
    assert outcome.complete, outcome.errors
    events = ours(outcome.events, failed, missed)
    assert sorted((event['kind'], event['consumer']['id']) for event in events) == [('failed_job', WEB01), ('missed_job', FILESERVER)]
    failed_event = [event for event in events if event['kind'] == 'failed_job'][0]
    assert failed_event['bunit_path'] == CUSTOMERS + '/Contoso'
    assert failed_event['key'] == 'job:%d:%d' % (WEB01, failed['id'])
    assert failed_event['job']['status'] == 'Failed'
    watch.commit(outcome)
    saved = json.loads((tmp_path / 'bookmark.json').read_text())
    assert saved['until'] and 'job:%d:%d' % (WEB01, failed['id']) in saved['sent']
    assert 'password' not in json.dumps(saved).lower() and sim.login['password'] not in json.dumps(saved)

    # The same watch polls again, then a new process starts from the bookmark: neither repeats the jobs.
    again = watch.poll()
    assert ours(again.events, failed, missed) == []
    watch.commit(again)
    consumers = len(watch.consumers(BusinessUnitTree(watch.client)))
    before = sim.counters()['by_route'].get(FIRST_JOB, 0)
    restarted = BackupWatch(settings(sim, tmp_path))
    cached = set(restarted.bookmark.first_job)
    assert {WEB01, FILESERVER} <= cached
    outcome = restarted.poll()
    assert outcome.complete and ours(outcome.events, failed, missed) == []
    # The first job's time of a unit with jobs comes from the bookmark: jobs/first is read only for units without one.
    assert sim.counters()['by_route'].get(FIRST_JOB, 0) - before == consumers - len(cached)

    # A problem after the restart is seen once.
    later = add_job(sim, WEB01, 'Warning')
    restarted.commit(outcome)
    events = ours(restarted.poll().events, later)
    assert [(event['kind'], event['consumer']['id']) for event in events] == [('warning_job', WEB01)]


def test_an_answer_that_is_not_the_resource_makes_no_event_and_keeps_the_bookmark(sim, tmp_path):
    failed = add_job(sim, WEB01, 'Failed')
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/consumers/%d/jobs$' % WEB01, 'body': 'html', 'status': 200}]})
    watch = BackupWatch(settings(sim, tmp_path))
    outcome = watch.poll()
    assert not outcome.complete
    assert any('/consumers/%d/jobs' % WEB01 in error and 'GET' in error for error in outcome.errors), outcome.errors
    assert ours(outcome.events, failed) == []
    assert not [event for event in outcome.events if event['cloutility']['consumer']['id'] == WEB01]
    watch.commit(outcome)
    assert json.loads((tmp_path / 'bookmark.json').read_text())['until'] is None  # the window is read again

    sim.simulator.clear_faults()
    outcome = watch.poll()
    assert outcome.complete
    assert [event['kind'] for event in ours(outcome.events, failed)] == ['failed_job']


def test_a_list_of_consumers_that_is_not_a_list_makes_no_event(sim, tmp_path):
    add_job(sim, WEB01, 'Failed')
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/bunits/\d+/consumers$', 'body': 'html', 'status': 200}]})
    watch = BackupWatch(settings(sim, tmp_path))
    outcome = watch.poll()
    assert outcome.events == [] and not outcome.complete
    assert 'text/html' in outcome.errors[0] or 'HTML' in outcome.errors[0] or 'not' in outcome.errors[0]


def test_storage_over_limit_is_told_once_per_crossing(sim, tmp_path):
    def set_limit(value):
        with sim.simulator.lock:
            sim.state['consumers'][WEB01]['limitHighStorage'] = value

    watch = BackupWatch(settings(sim, tmp_path, kinds=['storage_over_limit']))
    set_limit(0.5)
    outcome = watch.poll()
    storage = [event['cloutility'] for event in outcome.events]
    assert [(event['kind'], event['consumer']['id']) for event in storage] == [('storage_over_limit', WEB01)]
    assert 'limit' in storage[0]['message']
    watch.commit(outcome)
    assert watch.poll().events == []            # still over: told already
    set_limit(100000.0)
    outcome = watch.poll()
    assert outcome.events == []
    watch.commit(outcome)
    assert WEB01 not in watch.bookmark.over_limit
    set_limit(0.5)
    assert [event['cloutility']['consumer']['id'] for event in watch.poll().events] == [WEB01]  # over again: told again


@pytest.mark.parametrize('args, message', [
    (dict(bunits=[]), 'bunits must be a list'),
    (dict(kinds=['failed']), 'kinds: failed not known'),
    (dict(interval=0), 'interval must be from 1'),
    (dict(since='yesterday-ish'), 'since'),
    (dict(job_statuses={'Failed': 'broken'}), 'job_statuses'),
])
def test_bad_arguments_are_refused_before_any_request(sim, tmp_path, args, message):
    with pytest.raises(ValueError, match=message):
        BackupWatch(settings(sim, tmp_path, **args))
    assert sim.counters()['total'] == 0


def test_missing_connection_names_the_variables(tmp_path):
    with pytest.raises(ValueError) as caught:
        Settings(dict(bunits=['x'], bookmark=str(tmp_path / 'b.json')), environ={})
    assert 'api_url' in str(caught.value) and 'CLOUTILITY_PASSWORD' in str(caught.value)
    options = Settings(dict(bunits=['x'], bookmark=str(tmp_path / 'b.json')), environ=dict(
        CLOUTILITY_API_URL='https://portal.example/v1', CLOUTILITY_CLIENT_ID='c', CLOUTILITY_ORIGIN='https://o',
        CLOUTILITY_USERNAME='u', CLOUTILITY_PASSWORD='p', CLOUTILITY_RETRIES='2')).connection
    assert options['api_url'] == 'https://portal.example/v1' and options['retries'] == 2


def test_a_bookmark_of_another_portal_is_refused(sim, tmp_path):
    (tmp_path / 'bookmark.json').write_text(json.dumps(dict(version=1, api_url='https://other.example/v1', until=None)))
    with pytest.raises(ValueError, match='belongs to https://other.example/v1'):
        BackupWatch(settings(sim, tmp_path))
