"""Fixtures: one simulator per test module, reset before every test."""

import os
import sys

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from cloutility_simulator.testing import running_simulator  # noqa: E402  pylint: disable=wrong-import-position

CLIENT_ID = 'ansible-demo'
ORIGIN = 'https://ansible.example.com'
USER = 'ansible@example.com'
APPROVER_USER = 'approver-needed@example.com'
PASSWORD = 'Sim-Passw0rd!'


class Api:
    """Tiny client for the tests."""

    def __init__(self, url, username=USER, password=PASSWORD, origin=ORIGIN):
        self.url = url
        self.origin = origin
        self.session = requests.Session()
        self.token = None
        self.refresh = None
        self.username = username
        self.password = password

    def login(self):
        answer = self.session.post(self.url + '/v1/oauth', headers={'Origin': self.origin},
                                   data={'client_id': CLIENT_ID, 'grant_type': 'password', 'username': self.username, 'password': self.password})
        assert answer.status_code == 200, answer.text
        self.token = answer.json()['access_token']
        self.refresh = answer.json()['refresh_token']
        return answer.json()

    def call(self, method, path, **kwargs):
        if self.token is None:
            self.login()
        headers = {'Origin': self.origin, 'Authorization': 'Bearer ' + self.token}
        headers.update(kwargs.pop('headers', {}))
        return self.session.request(method, self.url + '/v1/' + path.lstrip('/'), headers=headers, timeout=10, **kwargs)

    def get(self, path, **kwargs):
        return self.call('GET', path, **kwargs)

    def post(self, path, **kwargs):
        return self.call('POST', path, **kwargs)

    def put(self, path, **kwargs):
        return self.call('PUT', path, **kwargs)

    def delete(self, path, **kwargs):
        return self.call('DELETE', path, **kwargs)

    def ok(self, method, path, **kwargs):
        answer = self.call(method, path, **kwargs)
        assert answer.status_code < 300, '%s %s -> %s %s' % (method, path, answer.status_code, answer.text)
        return answer.json() if answer.content else None


@pytest.fixture(scope='session')
def server():
    with running_simulator() as running:
        yield running


@pytest.fixture
def sim(server):
    requests.post(server.url + '/_sim/reset', timeout=5)
    return server


@pytest.fixture
def api(sim):
    return Api(sim.url)


@pytest.fixture
def approver_api(sim):
    return Api(sim.url, username=APPROVER_USER)


def assert_error(answer, status):
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {'code', 'message', 'developerMessage', 'status'}
    assert body['status'] == status
    assert isinstance(body['code'], str) and body['message']
    return body
