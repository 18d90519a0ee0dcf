#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_node
short_description: Manage Cloutility backup nodes and their consumption units
version_added: 1.0.0
description:
  - Create, configure, activate and delete the backup node (IBM Storage Protect client node) of a consumption unit.
  - A backup node belongs one-to-one to a consumption unit. The module manages both ends of the pair
    (the unit is created when missing, and deleting the node deletes the unit).
  - Only the options a task sets are compared and changed. References (O(operating_system), O(node_type),
    O(domain), O(client_option_set), O(server)) are given by name and compared by id, so renaming one on
    the portal does not cause a false change.
  - Consumption unit names are not unique in Cloutility. When two units of the business unit have O(consumer)
    and O(consumer_id) is not given, the module fails and lists their ids.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.ACTIONS
  - cloutility.cloutility.node
notes:
  - "Requests: a run that changes nothing on a node found by name makes 3 API calls: C(GET /v1/bunits),
    C(GET .../consumers) (one call per page of the collection, 100 items a page on the reference portal) and
    C(GET .../node), plus one login when no cached token is valid. Reference data (operating systems, types,
    domains, option sets, server) is read only when the node's current reference does not already carry the
    requested name or id."
  - "The task is a plan of steps (create the consumption unit, create the node or update it, set the password,
    activate), sent in this order. Activation (C(GET .../node/activate)) and the creating POSTs have side effects:
    after an uncertain answer (none, or HTTP 5xx) the module re-reads the node and sends again only when the
    step did not take effect (see the connection options O(retries) and O(retry_max_time))."
  - "When a step fails after earlier steps wrote, the task fails with C(changed=true), returns RV(consumer_id),
    RV(node_id), RV(steps_done) and RV(steps_not_done), and its message says what was done and how to finish,
    for example to re-run with another O(tsm_name) when the server refused the name."
  - Tasks of parallel forks on one controller that ensure the same consumption unit (same business unit and name)
    take turns through a lock file under C(~/.cache/cloutility-ansible/locks), so only one unit is created.
  - "Controllers that share no lock (AWX execution nodes, job slices) and create the same unit at once keep one, the
    first created (by C(createdDate), then id): a run that created a unit waits O(race_margin) seconds after the
    create, then reads the unit list; a run whose unit is not kept deletes it (only while it still has the name and
    no activated node) and brings the kept one to what the task asks. A write the portal refuses (HTTP 409, 400 or
    another 4xx) is read back, and the state decides."
seealso:
  - module: cloutility.cloutility.cloutility_consumer
  - module: cloutility.cloutility.cloutility_proxy
  - module: cloutility.cloutility.cloutility_node_info
'''

EXAMPLES = r'''
- name: Create, configure and activate a node in one task
  cloutility.cloutility.cloutility_node:
    bunit: Acme Hosting/Customers/Contoso
    consumer: fs01.example.com
    operating_system: Linux
    node_type: File Server
    domain: 30DAYS
    client_option_set: DEDUP_AND_COMPRESS
    contact: ops@contoso.example
    cpu_count: 4
    activate: true
    tsm_name: CONTOSO-FS01

- name: Move the node to another policy domain
  cloutility.cloutility.cloutility_node:
    bunit: Acme Hosting/Customers/Contoso
    consumer: fs01.example.com
    domain: 90DAYS

- name: Create a node with a password and hand it to the client configuration
  cloutility.cloutility.cloutility_node:
    bunit: Acme Hosting/Customers/Contoso
    consumer: db01.example.com
    operating_system: Linux
    node_type: Application server
    domain: STANDARD
    node_password: "{{ vault_node_password }}"
    activate: true
    return_password: true
  no_log: true
  register: db01_node

- name: Delete the node and its consumption unit
  cloutility.cloutility.cloutility_node:
    bunit: Acme Hosting/Customers/Contoso
    consumer: old-host
    state: absent
    deletion_comment: Decommissioned in change CHG-1001
'''

RETURN = r'''
node:
  description:
    - The backup node as the API returns it after the task (or as predicted in check mode); empty when absent.
    - C(tsmPassword) is masked unless O(return_password=true).
  returned: always
  type: dict
  sample:
    id: 1251
    name: fs01.example.com
    consumer: {id: 470, name: fs01.example.com}
    operatingSystem: {id: 3, name: Linux}
    type: {id: 2, name: File Server}
    domain: {id: 15, name: 30DAYS}
    clientOptionSet: {id: 31, name: DEDUP_AND_COMPRESS}
    server: {id: 3, name: tsm01}
    contact: ops@contoso.example
    cpuCount: 4
    tsmName: CONTOSO-FS01
    activatedDate: "2026-01-05T10:00:00.000Z"
    tsmPassword: "********"
consumer:
  description: The consumption unit of the node (id and name; no id in check mode when it would be created).
  returned: always
  type: dict
  sample: {id: 470, name: fs01.example.com}
consumer_id:
  description: Id of the consumption unit, or null when it does not exist (yet).
  returned: always
  type: int
  sample: 470
bunit_id:
  description: Id of the business unit.
  returned: always
  type: int
  sample: 94
changed_keys:
  description:
    - What the task changed or would change; API field names, plus C(consumer) and C(node) when they are created,
      C(tsmPassword) when the password is set and C(tsmName), C(activatedDate) on activation.
  returned: always
  type: list
  elements: str
  sample: [domain]
activated:
  description: Whether this task activated the node (in check mode, whether it would).
  returned: always
  type: bool
deletion_requested:
  description:
    - With O(state=absent), true when the node was not deleted but a deletion request waits for approval.
  returned: always
  type: bool
msg:
  description:
    - Explanation when a deletion request was filed instead of a deletion.
    - On a failure after earlier steps wrote, what was done, which step failed and why, what is left and how to finish.
  returned: when RV(deletion_requested) is true, or on failure
  type: str
node_id:
  description: On a failure after earlier steps wrote, the id of the node that exists now (null when none).
  returned: on a failure after a write
  type: int
steps_done:
  description:
    - On a failure after earlier steps wrote, the steps that took effect, in order, from
      C(create_consumer), C(create_node), C(update_node), C(set_password), C(activate).
  returned: on a failure after a write
  type: list
  elements: str
  sample: [create_consumer, create_node]
steps_not_done:
  description: On a failure after earlier steps wrote, the step that failed and those after it.
  returned: on a failure after a write
  type: list
  elements: str
  sample: [activate]
failed_step:
  description: On a failure after earlier steps wrote, the step that failed.
  returned: on a failure after a write
  type: str
  sample: activate
diff:
  description: The node before and after the task, without server-managed fields; the password is always masked.
  returned: always
  type: dict
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import NODE_ARGUMENT_SPEC, ensure_node


def main():
    # The options are declared once (resources/node.py NODE_OPTIONS): this argument_spec and the engine's fields come from it.
    module = CloutilityModule(argument_spec=NODE_ARGUMENT_SPEC, required_one_of=[('consumer', 'consumer_id')])
    module.run_resource(ensure_node, check_mode=module.check_mode)


if __name__ == '__main__':
    main()
