"""The CLI (port file, URL printed) and many concurrent clients."""

import concurrent.futures
import os
import subprocess
import sys
import time

import requests

from conftest import Api

SIMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_cli_port_file(tmp_path):
    port_file = tmp_path / 'port'
    env = dict(os.environ, PYTHONPATH=SIMULATOR_DIR + os.pathsep + os.environ.get('PYTHONPATH', ''))
    command = [sys.executable, '-m', 'cloutility_simulator', '--port', '0', '--port-file', str(port_file), '--page-size', '3',
               '--token-lifetime', '60', '--latency-ms', '150', '--quiet', '--strict']
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)  # pylint: disable=consider-using-with
    try:
        deadline = time.time() + 15
        while not port_file.exists() and time.time() < deadline:
            time.sleep(0.05)
        port = int(port_file.read_text().strip())
        url = 'http://127.0.0.1:%d' % port
        api = Api(url)
        assert api.login()['expires_in'] == 60
        page = api.ok('GET', 'bunits/131/consumers', params={'limit': 10})
        assert len(page['items']) == 3 and page['total'] == 3
        config = requests.get(url + '/_sim/config', timeout=5).json()
        assert (config['page_size'], config['token_lifetime'], config['strict'], config['latency_ms']) == (3, 60, True, 150)
        started = time.monotonic()
        api.ok('GET', 'me')
        assert time.monotonic() - started >= 0.15
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0].decode()
    assert 'http://127.0.0.1:%d' % port in output


def test_concurrent_creates(sim):
    def worker(index):
        api = Api(sim.url)
        created = api.ok('POST', 'bunits/157/consumers', json={'name': 'fork-%d' % index})
        api.ok('PUT', 'bunits/157/consumers/%d' % created['id'], json={'name': 'fork-%d' % index, 'note': 'n'})
        return created['id']

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(worker, range(48)))
    assert len(set(ids)) == 48
    counters = sim.counters()
    assert counters['password_grants'] == 48 and counters['writes'] == 96
    assert counters['by_route']['POST /v1/bunits/{id}/consumers'] == 48
