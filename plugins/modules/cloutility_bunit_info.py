#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_bunit_info
short_description: Read Cloutility business units
version_added: 1.0.0
description:
  - Returns the tree of business units the account can see, as one flat list with the path of each unit,
    and the details of one unit.
  - Optionally returns the users of that unit.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.INFO
options:
  bunit:
    description:
      - The business unit to describe, as a path of names from the top of the tree the account can see
        (V(Acme Hosting/Customers/Contoso)) or as a numeric id. The path may leave out the top unit's own name.
      - Defaults to the top of the tree, the user's home business unit.
      - RV(tree) and RV(bunits) then cover this unit and the units below it.
    type: str
  users:
    description:
      - Also return the users of the unit in RV(users).
    type: bool
    default: false
seealso:
  - module: cloutility.cloutility.cloutility_bunit
  - module: cloutility.cloutility.cloutility_consumer_info
'''

EXAMPLES = r'''
- name: Every business unit the account can see
  cloutility.cloutility.cloutility_bunit_info:
  register: units

- name: Print their paths
  ansible.builtin.debug:
    msg: "{{ units.bunits | map(attribute='path') | list }}"

- name: One customer with its users
  cloutility.cloutility.cloutility_bunit_info:
    bunit: Acme Hosting/Customers/Contoso
    users: true
  register: contoso
'''

RETURN = r'''
bunit:
  description: Details of the unit (GET C(/v1/bunits/{id})), with its C(path) added.
  returned: always
  type: dict
  sample:
    id: 94
    name: Contoso
    path: Acme Hosting/Customers/Contoso
    registrationNumber: GB123456789
    timeZone: {id: 6, name: "(GMT) Dublin, Edinburgh, Lisbon, London"}
    storageLimit: 2048
settings:
  description:
    - The unit's settings by the option names of M(cloutility.cloutility.cloutility_bunit) (snake case), from RV(bunit).
      A setting the portal leaves out is its default (V(0), V(false), V([])); the time zone is its name.
    - A task can hand them to M(cloutility.cloutility.cloutility_bunit) as they are.
  returned: always
  type: dict
  version_added: 2.0.0
  sample:
    name: Contoso
    registration_number: GB123456789
    time_zone: "(GMT) Dublin, Edinburgh, Lisbon, London"
    note: null
    storage_limit: 2048
    transfer_limit: 0
    node_limit: 25
    password_expiration_days: 0
    required_approvers_of_delete_request: 0
    final_delete_request_approver: false
    users_can_approve_own_requests: false
    support_responsible: false
    invoice_day: 0
    report_remotely: false
    use_schedule_bindings: false
    domain_filter: []
    client_option_set_filter: []
bunit_id:
  description: Id of the unit.
  returned: always
  type: int
  sample: 94
tree:
  description: The unit and its descendants as the API's SimpleBusinessUnit tree (C(businessUnits) holds the children).
  returned: always
  type: dict
  sample:
    id: 94
    parentId: 76
    name: Contoso
    businessUnits: []
bunits:
  description:
    - The unit and every unit below it, top first, as flat entries without C(businessUnits).
    - Each entry has the API's tree fields (C(id), C(parentId), C(name), C(groupName), C(tags), C(invoiceDay),
      C(reportRemotely)) and C(path), the unit's path from the top of the visible tree.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 94, parentId: 76, name: Contoso, path: Acme Hosting/Customers/Contoso, tags: [{id: 3, name: gold}], invoiceDay: 0}
users:
  description: The users of the unit, as the API returns them.
  returned: when O(users=true)
  type: list
  elements: dict
  sample:
    - {id: 7, name: Ansible Automation, email: ansible@example.com}
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BUNIT_OPTION
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.bunit import bunit_info


def main():
    module = CloutilityModule(
        argument_spec=dict(
            **BUNIT_OPTION,
            users=dict(type='bool', default=False),
        ),
    )
    module.run_resource(bunit_info)


if __name__ == '__main__':
    main()
