# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reference data a playbook names things by (cloutility_reference_info): time zones, node operating systems and
types, a business unit's default backup server with its domains and client option sets, node warning types.

Plain Python, no Ansible.
"""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, get_all_optional, get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint

# kind -> its endpoint (endpoints.py), in the order they are read
REFERENCE_ENDPOINTS = {
    'time_zones': 'time_zones',
    'operating_systems': 'operating_systems',
    'node_types': 'node_types',
    'server': 'default_server',
    'domains': 'domains',
    'client_option_sets': 'client_option_sets',
    'node_warning_types': 'node_warning_types',
}
KINDS = tuple(REFERENCE_ENDPOINTS)
# Read by default, but a portal may not have them: then left out and listed in `unavailable`.
OPTIONAL_BY_DEFAULT = ('node_warning_types',)


def reference_info(client, tree, params):
    """The result of cloutility_reference_info: each kind in ``params['include']`` (every kind when None).

    The default server is one object ({} when the portal answers 404), the others are collections ([] for a 404 with
    no data). Without ``include``, a kind of OPTIONAL_BY_DEFAULT whose route is missing is listed in ``unavailable``;
    any other error, and a missing route of a kind asked for by name, is raised.
    """
    explicit = params.get('include') is not None
    include = set(params['include'] if explicit else KINDS)
    unit = tree.resolve(params.get('bunit'))
    result = dict(changed=False, bunit_id=unit['id'], unavailable={})
    for kind in KINDS:
        if kind not in include:
            continue
        path = endpoint(REFERENCE_ENDPOINTS[kind], bunit=unit['id'])
        try:
            if kind == 'server':
                server = get_optional(client, path, what='the default backup server')
                result['server'] = {} if server is None else server  # {}: the portal answered 404
            else:
                result[kind] = get_all_optional(client, path)  # 404 with no data: none
        except CloutilityApiError as exc:
            if explicit or kind not in OPTIONAL_BY_DEFAULT or not exc.route_missing:
                raise
            result['unavailable'][kind] = str(exc)
    return result
