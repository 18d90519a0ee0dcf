# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of resources/node.py's reads (node_info): concurrent, the same result as one at a time."""

from __future__ import annotations

import random
import threading
import time

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import node_info


# --------------------------------------------------------------------------- node_info: concurrent, same result
class NodesClient:
    """Consumers 1..N of unit 7; even ones have a node, every third of those is activated. Answers in random order."""

    def __init__(self, count, seed=1):
        self.count = count
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.calls = []

    def get_all(self, path, params=None):
        if path == 'bunits/7/consumers':
            return [{'id': number, 'name': 'unit-%d' % (number % 5)} for number in range(1, self.count + 1)]
        assert path.endswith('/node/filespaces') and params == {'tsmSync': 'false'}
        return [{'name': '/', 'of': int(path.split('/')[3])}]

    def get_object(self, path, params=None, what=None, keys=()):  # the real client also checks the shape
        return self.get(path, params)

    def get(self, path, params=None):
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.calls.append(path)
            delay = self.random.random() / 500
        try:
            time.sleep(delay)
            consumer_id = int(path.split('/')[3])
            if consumer_id % 2:
                raise CloutilityApiError('GET', '/v1/' + path, 404, 'Consumer %d has no node' % consumer_id)
            node = {'id': consumer_id * 10, 'tsmPassword': 'secret-%d' % consumer_id}
            if consumer_id % 3 == 0:
                node.update(tsmName='N%d' % consumer_id, activatedDate='2024-01-01T00:00:00Z')
            return node
        finally:
            with self.lock:
                self.in_flight -= 1


class Tree:
    def resolve(self, ref):
        return {'id': 7, 'name': 'Unit'}


@pytest.mark.parametrize('filespaces', [False, True])
def test_node_info_concurrent_equals_one_at_a_time(filespaces):
    params = dict(bunit=None, consumer=None, consumer_id=None, filespaces=filespaces, tsm_sync=False)
    serial_client = NodesClient(120)
    serial = node_info(serial_client, Tree(), params, workers=1)
    parallel_client = NodesClient(120, seed=2)
    parallel = node_info(parallel_client, Tree(), params, workers=8)
    assert parallel == serial
    assert [node['consumer_id'] for node in serial['nodes']] == list(range(2, 121, 2))
    assert serial_client.most_in_flight == 1
    assert 1 < parallel_client.most_in_flight <= 8
    assert sorted(parallel_client.calls) == sorted(serial_client.calls)
    assert {node['tsmPassword'] for node in parallel['nodes']} == {'********'}
    if filespaces:
        assert [node['filespaces'] != [] for node in serial['nodes']] == [number % 3 == 0 for number in range(2, 121, 2)]


def test_node_info_first_error_in_order_after_every_read():
    class Failing(NodesClient):
        def get(self, path, params=None):
            consumer_id = int(path.split('/')[3])
            if consumer_id in (40, 90):
                raise CloutilityApiError('GET', '/v1/' + path, 503, 'busy %d' % consumer_id)
            return super().get(path, params)
    client = Failing(100)
    with pytest.raises(CloutilityApiError) as err:
        node_info(client, Tree(), dict(bunit=None), workers=8)
    assert 'busy 40' in str(err.value)
    assert len(client.calls) == 98  # every other read ran to its end
