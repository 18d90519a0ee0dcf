# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The write protocol: each status for safe and unsafe requests, each re-read outcome, the bounds, jitter."""

from __future__ import annotations

import json
from email.utils import formatdate

import pytest
import requests
from requests.adapters import BaseAdapter

from ansible_collections.cloutility.cloutility.plugins.module_utils import api_client
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityClient
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import Plan, Step, StepFailed, perform

ORIGIN = 'https://origin.example.com'


class Script(BaseAdapter):
    """Answers each request with the next scripted answer: (status, body[, headers]) or an exception."""

    def __init__(self, *answers):
        super().__init__()
        self.answers = list(answers)
        self.sent = []

    def send(self, request, **kwargs):
        if request.url.endswith('/oauth'):
            return self._response(request, 200, {'access_token': 't', 'expires_in': 299})
        self.sent.append((request.method, request.url))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return self._response(request, *answer)

    @staticmethod
    def _response(request, status, body, headers=None):
        response = requests.Response()
        response.status_code = status
        response.request = request
        response.url = request.url
        response._content = json.dumps(body).encode()
        response.headers['Content-Type'] = 'application/json'
        response.headers.update(headers or {})
        return response

    def close(self):
        pass


def client_for(script, **kwargs):
    client = CloutilityClient('https://portal.example.com', 'c', ORIGIN, 'u', 'p', token_cache=False, **kwargs)
    client.session.mount('https://', script)
    return client


LOST = requests.exceptions.ConnectionError('RemoteDisconnected')


# ---------------------------------------------------------------------------- the client's part
@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE', 'POST'])
def test_429_is_sent_again_for_every_method(clock, method):
    script = Script((429, {'message': 'slow'}, {'Retry-After': '3'}), (200, {'ok': 1}))
    assert client_for(script).request(method, 'x', retry=None) == {'ok': 1}
    assert len(script.sent) == 2 and clock.sleeps == [3.0]


def test_activation_get_is_sent_again_after_429(clock):
    script = Script((429, {}), (200, 'WEB01'))
    assert client_for(script).request('GET', 'n/activate', retry=False) == 'WEB01'
    assert len(script.sent) == 2


def test_retry_after_as_http_date_and_capped(clock, monkeypatch):
    monkeypatch.setattr(api_client.time, 'time', lambda: 1_700_000_000.0)
    when = formatdate(1_700_000_000.0 + 7, usegmt=True)
    script = Script((429, {}, {'Retry-After': when}), (429, {}, {'Retry-After': '3600'}), (200, {}))
    client_for(script).get('x')
    assert clock.sleeps[0] == pytest.approx(7, abs=1)
    assert clock.sleeps[1] == api_client.MAX_RETRY_AFTER


@pytest.mark.parametrize('status', [502, 503, 504])
@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
def test_transient_status_is_sent_again_when_safe(clock, method, status):
    script = Script((status, {}), (200, {'ok': 1}))
    assert client_for(script).request(method, 'x') == {'ok': 1}
    assert len(script.sent) == 2 and clock.sleeps == [0.5]


def test_lost_answer_is_sent_again_when_safe(clock):
    script = Script(LOST, (200, {'ok': 1}))
    assert client_for(script).put('x', json={}) == {'ok': 1}
    assert len(script.sent) == 2


@pytest.mark.parametrize('answer', [(502, {}), (503, {}), (504, {}), (500, {}), LOST])
def test_unsafe_request_is_not_sent_again_and_says_uncertain(clock, answer):
    script = Script(answer, (200, {}))
    with pytest.raises(CloutilityApiError) as err:
        client_for(script).post('x', json={})
    assert len(script.sent) == 1 and clock.sleeps == []
    assert err.value.uncertain is True
    assert 'uncertain' in str(err.value)


def test_activation_get_is_not_sent_again_after_503(clock):
    script = Script((503, {}), (200, 'X'))
    with pytest.raises(CloutilityApiError) as err:
        client_for(script).request('GET', 'n/activate', retry=False)
    assert err.value.uncertain and len(script.sent) == 1


@pytest.mark.parametrize('status', [400, 403, 404, 409])
@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_other_4xx_is_final_and_certain(clock, status, method):
    script = Script((status, {'message': 'no'}), (200, {}))
    with pytest.raises(CloutilityApiError) as err:
        client_for(script).request(method, 'x')
    assert err.value.status == status and not err.value.uncertain
    assert len(script.sent) == 1 and clock.sleeps == []


def test_attempts_are_bounded_and_configurable(clock):
    script = Script((503, {}))
    with pytest.raises(CloutilityApiError) as err:
        client_for(script, retries=2).get('x')
    assert err.value.status == 503 and len(script.sent) == 3
    script = Script((429, {}))
    with pytest.raises(CloutilityApiError):
        client_for(script, retries=0).post('x')
    assert len(script.sent) == 1


def test_total_wait_is_bounded(clock):
    script = Script((429, {}, {'Retry-After': '10'}))
    with pytest.raises(CloutilityApiError) as err:
        client_for(script, retries=10, retry_max_time=25).get('x')
    assert err.value.status == 429
    assert clock.sleeps == [10.0, 10.0], 'a third wait would pass 25 s'


def test_backoff_doubles_up_to_a_cap(clock):
    script = Script((503, {}))
    with pytest.raises(CloutilityApiError):
        client_for(script, retries=6, retry_max_time=1000).get('x')
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_waits_are_jittered(clock, monkeypatch):
    draws = iter([0.0, 1.0])
    monkeypatch.setattr(api_client.random, 'random', lambda: next(draws))
    script = Script((503, {}), (503, {}), (200, {}))
    client_for(script).get('x')
    assert clock.sleeps == [0.5, 1.0 * (1 + api_client.JITTER)]


# ---------------------------------------------------------------------------- the engine's part
class Budget:
    def __init__(self, retries=3):
        self.retries = retries
        self.waits = 0

    def wait_before_retry(self, attempt, started, response=None):
        if attempt > self.retries:
            return False
        self.waits += 1
        return True


def raising(error):
    def send(ctx):
        raise error
    return send


def uncertain():
    return CloutilityApiError('POST', '/v1/x', 503, uncertain=True)


def step_with(outcomes, found):
    """A step whose sends give ``outcomes`` in turn and whose re-reads give ``found`` in turn."""
    sent, read = [], []

    def send(ctx):
        outcome = outcomes[len(sent)]
        sent.append(1)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def verify(ctx):
        read.append(1)
        return found[len(read) - 1]

    return Step('create', 'create x', send=send, verify=verify), sent, read


def test_uncertain_then_reread_finds_the_effect():
    step, sent, read = step_with([uncertain()], [{'id': 5}])
    assert perform(step, {}, Budget()) == {'id': 5}
    assert len(sent) == 1 and len(read) == 1


def test_uncertain_then_reread_finds_nothing_then_sent_again():
    step, sent, read = step_with([uncertain(), {'id': 6}], [None])
    assert perform(step, {}, Budget()) == {'id': 6}
    assert len(sent) == 2 and len(read) == 1


def test_uncertain_every_time_is_bounded():
    step, sent, read = step_with([uncertain()] * 10, [None] * 10)
    with pytest.raises(CloutilityApiError):
        perform(step, {}, Budget(retries=2))
    assert len(sent) == 3 and len(read) == 3


def test_a_refusal_is_judged_by_the_state_not_the_status():
    """Any refused write (400 as much as 409, a 404, another 4xx) is re-read (rivals.py invariant 3): what another
    controller did is taken; nothing there, the error stands. 401, 403 and 429 say nothing about the object."""
    for status in (400, 404, 422):
        step, sent, read = step_with([CloutilityApiError('POST', '/v1/x', status, 'already has a node')], [{'id': 1}])
        assert perform(step, {}, Budget()) == {'id': 1}
        assert len(sent) == 1 and len(read) == 1
        step, sent, read = step_with([CloutilityApiError('POST', '/v1/x', status, 'bad request')], [None])
        with pytest.raises(CloutilityApiError, match='bad request'):
            perform(step, {}, Budget())
        assert len(sent) == 1 and len(read) == 1, 'sent once: a refusal is never sent again'
    for status in (401, 403, 429):
        step, sent, read = step_with([CloutilityApiError('POST', '/v1/x', status, 'no')], [{'id': 1}])
        with pytest.raises(CloutilityApiError):
            perform(step, {}, Budget())
        assert read == []


def test_a_conflict_is_reread_and_what_another_controller_did_is_taken():
    """409: the server did nothing, but what the step was to do may be there already (another controller did it)."""
    step, sent, read = step_with([CloutilityApiError('POST', '/v1/x', 409, 'already has a node')], [{'id': 1}])
    assert perform(step, {}, Budget()) == {'id': 1}
    assert len(sent) == 1 and len(read) == 1


def test_a_conflict_with_nothing_there_is_the_error():
    step, sent, read = step_with([CloutilityApiError('POST', '/v1/x', 409, 'in use')], [None])
    with pytest.raises(CloutilityApiError, match='in use'):
        perform(step, {}, Budget())
    assert len(sent) == 1 and len(read) == 1


def test_uncertain_without_verify_fails():
    step = Step('x', 'x', send=raising(uncertain()))
    with pytest.raises(CloutilityApiError):
        perform(step, {}, Budget())


def test_delete_whose_answer_was_lost_is_done_when_gone():
    step = Step('delete', 'delete', send=raising(CloutilityApiError('DELETE', '/v1/x', 404)), gone_ok=True)
    assert perform(step, {}, Budget()) is None
    step.gone_ok = False
    with pytest.raises(CloutilityApiError):
        perform(step, {}, Budget())


def test_plan_failure_after_a_write_says_what_is_done_and_left():
    first = Step('create_consumer', "create unit 'web01'", send=lambda ctx: {'id': 515})
    second = Step('activate', 'activate the node as WEB01', hint='re-run with another tsm_name',
                  send=raising(CloutilityApiError('GET', '/v1/a', 409, 'name in use')))
    third = Step('later', 'do the rest', send=lambda ctx: None)
    with pytest.raises(StepFailed) as err:
        Plan([first, second, third]).run({}, client=Budget())
    text = str(err.value)
    assert "Done: create unit 'web01'" in text and 'Failed: activate the node as WEB01' in text
    assert 'name in use' in text and 'Not done: do the rest' in text and 'To finish: re-run with another tsm_name' in text
    assert [step.name for step in err.value.done] == ['create_consumer'] and err.value.step is second


def test_plan_failure_before_any_write_is_the_plain_error():
    failing = Step('x', 'x', send=raising(CloutilityApiError('POST', '/v1/a', 400)))
    with pytest.raises(CloutilityApiError):
        Plan([failing]).run({}, client=Budget())


def test_check_mode_sends_nothing_and_predicts():
    sent = []
    step = Step('x', 'x', send=lambda ctx: sent.append(1), predict=lambda ctx: ctx.update(predicted=True))
    ctx = {}
    Plan([step]).run(ctx, check_mode=True)
    assert sent == [] and ctx == {'predicted': True}
