#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_node_info
short_description: Read Cloutility backup nodes
version_added: 1.0.0
description:
  - Return one backup node, or every backup node of a business unit, with its proxy agents and targets and,
    optionally, its filespaces.
  - Collections are read to the end, whatever the portal's page size.
  - The nodes of a business unit are read concurrently, O(workers) at a time.
  - The node password (C(tsmPassword)) is always masked.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.INFO
options:
  bunit:
    description:
      - The business unit, as a path of names (V(Acme Hosting/Customers/Contoso)) or a numeric id.
        Defaults to the user's home business unit.
    type: str
  consumer:
    description:
      - Name of one consumption unit whose node to return. Without O(consumer) and O(consumer_id), every node
        of the business unit is returned (units without a node are skipped).
    type: str
  consumer_id:
    description:
      - Id of one consumption unit whose node to return.
    type: int
  filespaces:
    description:
      - Also return the filespaces of each activated node (one more call per node).
    type: bool
    default: false
  tsm_sync:
    description:
      - With O(filespaces=true), ask the portal to synchronise with the backup server first (slower).
    type: bool
    default: false
  workers:
    description:
      - How many requests to have in flight at once when reading every node of a business unit
        (one C(GET .../node) per consumption unit, and one for the filespaces of each activated node with O(filespaces=true)).
        They share one login and one pool of connections. The nodes are returned in the same order whatever the number.
      - A portal that answers 429 (too many requests) holds every worker until its C(Retry-After) has passed.
      - V(1) reads one node after another. At most 64.
    type: int
    default: 16
seealso:
  - module: cloutility.cloutility.cloutility_node
'''

EXAMPLES = r'''
- name: Every node of a customer, with filespaces
  cloutility.cloutility.cloutility_node_info:
    bunit: Acme Hosting/Customers/Contoso
    filespaces: true
  register: contoso_nodes

- name: One node
  cloutility.cloutility.cloutility_node_info:
    bunit: Acme Hosting/Customers/Contoso
    consumer: web01
  register: web01
'''

RETURN = r'''
nodes:
  description:
    - The nodes found, each the API's Node object (with C(proxyAgents) and C(proxyTargets)) plus C(bunit_id),
      C(consumer_id) and, with O(filespaces=true), C(filespaces).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 1201
      name: web01
      consumer: {id: 408, name: web01}
      consumer_id: 408
      bunit_id: 94
      tsmName: CONTOSO-WEB01
      tsmPassword: "********"
      activatedDate: "2023-07-09T15:20:00.000Z"
      operatingSystem: {id: 3, name: Linux, shortName: LNX}
      type: {id: 2, name: File Server, shortName: FS}
      domain: {id: 14, name: STANDARD}
      proxyAgents: []
      proxyTargets: []
      filespaces: [{id: 1, name: /, type: EXT4, capacityMegaBytes: 450560, percentageUtilized: 41.5, lastBackupEnd: "2024-05-01T22:40:00.000Z"}]
bunit_id:
  description: Id of the business unit.
  returned: always
  type: int
  sample: 94
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import CONSUMER_CHOICE
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import node_info


def main():
    module = CloutilityModule(
        argument_spec=dict(
            **CONSUMER_CHOICE,
            filespaces=dict(type='bool', default=False),
            tsm_sync=dict(type='bool', default=False),
            workers=dict(type='int', default=16, min=1, max=64),
        ),
        mutually_exclusive=[('consumer', 'consumer_id')],
    )
    module.pool_size = module.params['workers']  # before the client is made: one connection per worker
    module.run_resource(node_info, workers=module.params['workers'])


if __name__ == '__main__':
    main()
