# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of billing.py (cloutility_billing_info's reads) against the simulator: one request per kind asked for."""

from __future__ import annotations

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.billing import KINDS, billing_info

CONTOSO = dict(bunit='Customers/Contoso', include=list(KINDS), invoice_date=None, billing_date=None, include_next=None)


def test_every_kind_one_request_each(sim):
    client, tree = sim.reader()
    result = billing_info(client, tree, CONTOSO)
    assert (result['bunit_id'], result['bunit_path'], result['changed']) == (94, 'Acme Hosting/Customers/Contoso', False)
    assert isinstance(result['contract'], dict)
    assert all(isinstance(result[kind], list) for kind in ('invoices', 'invoice_files', 'billing'))
    assert sim.routes() == {'GET /v1/bunits': 1, 'GET /v1/bunits/{id}/contract': 1, 'GET /v1/bunits/{id}/invoices': 1,
                            'GET /v1/bunits/{id}/invoicefiles': 1, 'GET /v1/bunits/{id}/billing': 1}


def test_one_kind_of_one_date(sim):
    client, tree = sim.reader()
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='2024-05-01'))
    assert set(result) == {'changed', 'bunit_id', 'bunit_path', 'billing'}
    assert [entry['date'] for entry in result['billing']] == ['2024-05-01']
    assert sorted(row['consumer']['id'] for row in result['billing'][0]['rows']) == [408, 415]


def test_a_date_without_data_is_empty(sim):
    client, tree = sim.reader()
    result = billing_info(client, tree, dict(CONTOSO, include=['invoices', 'billing'], invoice_date='1999-01-01', billing_date='1999-01-01'))
    assert result['invoices'] == [] and result['billing'] == []


def test_a_bad_date_is_refused_before_any_request(sim):
    client, tree = sim.reader()
    with pytest.raises(CloutilityError, match='billing_date.*YYYY-MM-DD'):
        billing_info(client, tree, dict(CONTOSO, billing_date='05/2024'))
    assert sim.counters()['total'] == 0


def test_a_missing_route_fails_instead_of_no_data(sim):
    sim.simulator.config['missing_routes'] = [r'/contract$']
    client, tree = sim.reader()
    with pytest.raises(CloutilityApiError) as caught:
        billing_info(client, tree, dict(CONTOSO, include=['contract']))
    assert caught.value.route_missing
