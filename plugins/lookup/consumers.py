# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: consumers
short_description: List the consumption units of Cloutility business units
version_added: 1.0.0
description:
  - Returns one entry per consumption unit of the business units given as terms, read-only.
  - Used by the C(cloutility.cloutility.audit) playbook to find consumption units no inventory host claims.
author:
  - Cloutility Ansible collection contributors (@cloutility-ansible)
extends_documentation_fragment:
  - cloutility.cloutility.connection.PLUGINS
options:
  _terms:
    description:
      - Business units, as paths of names from the top of the tree the account can see
        (V(Acme Hosting/Customers/Contoso)) or as numeric ids. An empty string is the top unit.
    type: list
    elements: str
    required: true
  descendants:
    description: Also list the consumption units of every business unit below each term.
    type: bool
    default: false
  missing_ok:
    description: A business unit path that does not exist contributes nothing instead of failing.
    type: bool
    default: false
  workers:
    description:
      - How many business units' consumption unit lists to read at once (one C(GET .../consumers) per unit and page),
        sharing one login and one pool of connections. The result is the same, in the same order, whatever the number.
      - A portal that answers 429 (too many requests) holds every worker until its C(Retry-After) has passed.
      - V(1) reads one unit after another. At most 64.
    type: int
    default: 16
'''

EXAMPLES = r'''
- name: Consumption units of Contoso
  ansible.builtin.debug:
    msg: "{{ query('cloutility.cloutility.consumers', 'Acme Hosting/Customers/Contoso') | map(attribute='name') }}"
'''

RETURN = r'''
_list:
  description: One entry per consumption unit, each business unit listed once.
  type: list
  elements: dict
  contains:
    id:
      description: Consumption unit id.
      type: int
    name:
      description: Consumption unit name (not unique).
      type: str
    bunit_id:
      description: Id of its business unit.
      type: int
    bunit_path:
      description: Path of its business unit.
      type: str
'''

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.lookup import LookupBase

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import map_bounded
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import consumer_listing
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.connection import client_from_plugin, plugin_settings


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        # Every option checked like a module's, before any request (an AnsibleError naming each problem).
        options = plugin_settings(self, dict(workers=dict(type='int', min=1, max=64)), written=kwargs, where='cloutility.cloutility.consumers')
        try:
            workers = options['workers']
            client = client_from_plugin(self, pool_size=workers, options=options)
            tree = BusinessUnitTree(client)
            units, seen = [], set()
            for term in terms:
                unit = tree.resolve(term or None, required=not self.get_option('missing_ok'))
                if unit is None:
                    continue
                for found in (tree.descendants(unit['id']) if self.get_option('descendants') else [unit]):
                    if found['id'] not in seen:
                        seen.add(found['id'])
                        units.append(found)
            lists = map_bounded(lambda unit: client.get_all(endpoint('consumers', bunit=unit['id'])), units, workers=workers)
            result = []
            for unit, consumers in zip(units, lists):
                result.extend(consumer_listing(tree, unit['id'], consumers))
            return result
        except CloutilityError as exc:
            raise AnsibleError('cloutility.cloutility.consumers: %s' % to_native(exc))
