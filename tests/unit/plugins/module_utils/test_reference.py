# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of reference.py (cloutility_reference_info's reads) against the simulator."""

from __future__ import annotations

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError
from ansible_collections.cloutility.cloutility.plugins.module_utils.reference import KINDS, reference_info


def test_every_kind_by_default(sim):
    client, tree = sim.reader()
    result = reference_info(client, tree, dict(bunit='Customers/Contoso', include=None))
    assert result['bunit_id'] == 94 and result['unavailable'] == {} and not result['changed']
    assert set(KINDS) <= set(result) and isinstance(result['server'], dict)
    assert all(isinstance(result[kind], list) and result[kind] for kind in KINDS if kind != 'server')
    assert sum(sim.routes().values()) == 1 + len(KINDS)  # the tree, then one request per kind


def test_only_the_kinds_asked_for(sim):
    client, tree = sim.reader()
    result = reference_info(client, tree, dict(bunit='Customers/Contoso', include=['domains']))
    assert set(result) == {'changed', 'bunit_id', 'unavailable', 'domains'}
    assert sim.routes() == {'GET /v1/bunits': 1, 'GET /v1/bunits/{id}/defaultserver/domains': 1}


def test_missing_warning_types_are_unavailable_by_default_and_fail_when_asked_for(sim):
    sim.simulator.config['missing_routes'] = [r'/nodewarningtypes$']
    client, tree = sim.reader()
    result = reference_info(client, tree, dict(bunit='Customers/Contoso', include=None))
    assert 'node_warning_types' not in result and 'No HTTP resource' in result['unavailable']['node_warning_types']
    assert result['time_zones']
    with pytest.raises(CloutilityApiError) as caught:
        reference_info(client, tree, dict(bunit='Customers/Contoso', include=['node_warning_types']))
    assert caught.value.route_missing


def test_other_missing_routes_always_fail(sim):
    sim.simulator.config['missing_routes'] = [r'/timezones$']
    client, tree = sim.reader()
    with pytest.raises(CloutilityApiError):
        reference_info(client, tree, dict(bunit='Customers/Contoso', include=None))
