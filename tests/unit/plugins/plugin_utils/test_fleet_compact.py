# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloutility_node_fleet's compact results give the onboard role what it acts on (a controller-side test:
it imports plugin_utils/onboard.py and audit.py)."""

from __future__ import annotations

import copy

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.audit import host_findings as onboard_drift
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.onboard import host_result
from ansible_collections.cloutility.cloutility.plugins.module_utils.node_fleet import compact

NODE = dict(id=501, tsmName='WEB01', tsmPassword='********', consumerId=470, domain=dict(id=15, name='90DAYS'),
            clientOptionSet=dict(id=2, name='DEDUP_AND_COMPRESS'), operatingSystem=dict(id=1, name='Linux'), contact='ops',
            server=dict(id=3, name='tsm01', tcpAddress='tsm01.example.com', tcpPort=1500, createdDate='2022-06-10'))
FULL = dict(changed=True, failed=False, bunit_missing=False, consumer_id=470, bunit_id=94, activated=False,
            changed_keys=['domain'], consumer=dict(id=470, name='web01', createdDate='2024-01-01', bunitId=94),
            node=NODE, diff=dict(before=dict(NODE, domain='90DAYS'), after=dict(NODE, domain='STANDARD')))
SETTINGS = dict(host='web01', bunit='Customers/Contoso', consumer='web01', node_name='WEB01', activate=True, check_mode=True, problems=[])


def test_compact_keeps_what_the_role_uses_and_drops_the_rest():
    small = compact(copy.deepcopy(FULL))
    assert small['node'] == dict(tsmName='WEB01', tsmPassword='********',
                                 server=dict(name='tsm01', tcpAddress='tsm01.example.com', tcpPort=1500))
    assert small['consumer'] == dict(id=470, name='web01')
    assert small['diff'] == dict(before=dict(domain='90DAYS'), after=dict(domain='STANDARD'))
    for key in ('changed', 'failed', 'bunit_missing', 'consumer_id', 'bunit_id', 'activated', 'changed_keys'):
        assert small[key] == FULL[key]
    assert len(repr(small)) * 3 < len(repr(FULL))
    # A business unit's default server (server_fields) keeps the keys of the node's server only.
    server = dict(NODE['server'], description='the default')
    assert compact(dict(copy.deepcopy(FULL), default_server=server))['default_server'] == small['node']['server']
    assert 'default_server' not in small


def test_the_role_gets_the_same_result_and_drift_from_a_compact_result():
    full = host_result(SETTINGS, copy.deepcopy(FULL))
    small = host_result(SETTINGS, compact(copy.deepcopy(FULL)))
    assert onboard_drift(small) == onboard_drift(full) == [
        dict(kind='setting', key='domain', variable='onboard_domain', old='90DAYS', new='STANDARD',
             detail='onboard_domain: 90DAYS -> STANDARD')]
    assert dict(small, diff=None) == dict(full, diff=None)


def test_compact_leaves_failures_and_missing_nodes_alone():
    failed = dict(changed=False, failed=True, msg='boom', api_error=dict(status=500), node=None, diff={})
    assert compact(dict(failed)) == failed
