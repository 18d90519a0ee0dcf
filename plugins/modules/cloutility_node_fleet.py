#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_node_fleet
short_description: Manage the backup nodes of many hosts in one task, concurrently
version_added: 1.1.0
description:
  - The work of M(cloutility.cloutility.cloutility_node) for a list of nodes (one per host, typically every host of
    a play), in one task. The business unit tree is read once, each reference list (operating systems, node types,
    and per business unit its domains, option sets, default server and consumption units) at most once, and the
    nodes are reconciled by a bounded pool of O(workers) threads sharing one login and one connection pool.
  - Each entry of O(nodes) takes the options of M(cloutility.cloutility.cloutility_node) and behaves exactly as that
    module would (same comparisons, check mode, activation and password rules); its result is in RV(hosts), under its O(nodes[].host).
  - Entries that would share a consumption unit (same name in the same business unit, however its path is written)
    or a node name are refused before anything is sent, listing them.
  - Meant to run once on the controller (C(run_once=true)); the role C(cloutility.cloutility.onboard) does so and
    hands each host its own result.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.ACTIONS
  - cloutility.cloutility.node.FLEET
options:
  workers:
    description:
      - How many nodes are reconciled at once (threads of the task, each with its own keep-alive connection).
      - Requests in flight are bounded by it; 1 works through the list in order. At most 64.
    type: int
    default: 16
  compact:
    description:
      - Return for each entry only what a caller acts on, about a tenth of the data for a fleet in sync. C(node)
        keeps C(tsmName), C(server) (C(name), C(tcpAddress), C(tcpPort)) and C(tsmPassword) (masked unless
        O(nodes[].return_password)), C(default_server) the same three keys, C(consumer) its C(id) and C(name);
        C(diff) keeps the C(changed_keys). Ansible processes every value of a task's result several times, which
        counts at a thousand entries.
      - The role C(cloutility.cloutility.onboard) sets it.
    type: bool
    default: false
  list_consumers:
    description:
      - In check mode, also return RV(consumers), the consumption units of the business units whose lists the task
        read anyway (the audit playbook's unclaimed units, without a second read).
      - Outside check mode nothing is returned, since those lists are read before the task's changes.
    type: bool
    default: false
  fail_on_error:
    description:
      - Fail the task when any node failed (after every other node was done). V(false) returns the failures in
        RV(hosts) and RV(failed_hosts) and fails nothing, for a caller that fails each host itself.
    type: bool
    default: true
notes:
  - "Requests: one C(GET /v1/bunits) for the task; per business unit one read of its consumption units (one per
    page) and, only when a node (or O(nodes[].server_fields)) needs them, of its domains, option sets and default server; operating systems and
    node types at most once. Then per node: a node that needs no change costs 1 request (C(GET .../node)); a new
    node about 4 (create the consumption unit and the node, activate, read the node back), 5 with a password."
  - A single node is best managed with M(cloutility.cloutility.cloutility_node) (3 requests when nothing changes).
seealso:
  - module: cloutility.cloutility.cloutility_node
'''

EXAMPLES = r'''
- name: Two nodes, concurrently (a new one, and the activation of one that exists)
  cloutility.cloutility.cloutility_node_fleet:
    nodes:
      - host: fs01.example.com
        bunit: Acme Hosting/Customers/Contoso
        consumer: fs01.example.com
        operating_system: Linux
        node_type: File Server
        domain: 30DAYS
        activate: true
        tsm_name: FS01.EXAMPLE.COM
      - host: db01.example.com    # a unit that exists, chosen by id: its node is activated with the suggested name
        bunit: Acme Hosting/Customers/Contoso
        consumer_id: 412
        activate: true
  register: fleet

- name: The result of one of them
  ansible.builtin.debug:
    var: fleet.hosts['fs02.example.com'].node.tsmName
'''

RETURN = r'''
hosts:
  description:
    - Per entry (by O(nodes[].host)), the result M(cloutility.cloutility.cloutility_node) returns (C(changed),
      C(node), C(consumer), C(consumer_id), C(bunit_id), C(changed_keys), C(activated), C(deletion_requested), C(diff)),
      plus C(failed), C(msg) (the error of a failed entry), C(api_error) (the failed request), C(bunit_missing)
      (check mode only; the business unit does not exist, nothing was compared, and the entry fails with the message
      the real run would give unless the caller creates the unit first) and C(default_server) (see
      O(nodes[].server_fields)).
  returned: always
  type: dict
  sample:
    fs01.example.com:
      changed: false
      failed: false
      bunit_missing: false
      consumer_id: 470
      bunit_id: 94
      changed_keys: []
      activated: false
      node: {tsmName: FS01.EXAMPLE.COM, domain: {id: 15, name: 30DAYS}}
consumers:
  description:
    - With O(list_consumers) in check mode, every consumption unit of each business unit whose list the task read
      (once, for all entries), as the P(cloutility.cloutility.consumers#lookup) lookup gives them. The audit
      playbook finds the units no host claims in it without reading the lists again.
  returned: check mode, with O(list_consumers)
  type: list
  elements: dict
  sample: [{id: 470, name: fs01.example.com, bunit_id: 94, bunit_path: Acme Hosting/Customers/Contoso}]
failed_hosts:
  description: The entries that failed, in the order of O(nodes).
  returned: always
  type: list
  elements: str
  sample: []
'''

import copy

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_compat import diff_mode
from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import bounded_workers
from ansible_collections.cloutility.cloutility.plugins.module_utils.node_fleet import fleet_task
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import NODE_ARGUMENT_SPEC

# One entry: cloutility_node's options (declared once, in resources/node.py NODE_OPTIONS), the host it is for and the server
# fields its caller needs.
NODE_OPTIONS = dict(copy.deepcopy(NODE_ARGUMENT_SPEC), host=dict(type='str', not_blank=True),
                    server_fields=dict(type='list', elements='str', default=[]))


def main():
    module = CloutilityModule(
        argument_spec=dict(
            nodes=dict(type='list', elements='dict', required=True, options=NODE_OPTIONS,
                       required_one_of=[('consumer', 'consumer_id')]),
            workers=dict(type='int', default=16, min=1, max=64),
            fail_on_error=dict(type='bool', default=True),
            compact=dict(type='bool', default=False),
            list_consumers=dict(type='bool', default=False),
        ),
    )
    module.pool_size = bounded_workers(module.params['workers'], module.params['nodes'])
    module.run_resource(fleet_task, check_mode=module.check_mode, diff=diff_mode(module))


if __name__ == '__main__':
    main()
