#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_reference_info
short_description: Read the Cloutility reference data a playbook names things by
version_added: 1.0.0
description:
  - Returns the time zones, backup node operating systems and node types, the default backup server of a business unit
    with its policy domains and client option sets, and the node warning types.
  - These are the names the other modules accept; ids differ between installations.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.INFO
options:
  bunit:
    description:
      - The business unit whose default backup server, domains and client option sets are returned,
        as a path of names (V(Acme Hosting/Customers/Contoso)) or a numeric id.
      - Defaults to the top of the tree the account can see, the user's home business unit.
    type: str
  include:
    description:
      - Which reference data to read. Each kind left out saves one or more API calls.
      - Without it, every kind is read. Node warning types are then optional - a portal without
        C(GET /v1/nodewarningtypes) gives the other kinds, and RV(unavailable) says the warning types are missing.
        Named here explicitly, V(node_warning_types) must be there - a missing route fails the task.
    type: list
    elements: str
    choices: [time_zones, operating_systems, node_types, server, domains, client_option_sets, node_warning_types]
seealso:
  - module: cloutility.cloutility.cloutility_node
  - module: cloutility.cloutility.cloutility_report_info
'''

EXAMPLES = r'''
- name: Everything
  cloutility.cloutility.cloutility_reference_info:
  register: ref

- name: The policy domain names available to a customer
  cloutility.cloutility.cloutility_reference_info:
    bunit: Acme Hosting/Customers/Contoso
    include: [domains]
  register: ref

- name: Show them
  ansible.builtin.debug:
    msg: "{{ ref.domains | map(attribute='name') | list }}"
'''

RETURN = r'''
bunit_id:
  description: Id of the business unit O(bunit).
  returned: always
  type: int
  sample: 22
time_zones:
  description: The time zones (C(id), C(name), C(windowsId), C(offset)).
  returned: when O(include) has V(time_zones)
  type: list
  elements: dict
  sample:
    - {id: 4, name: "(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", windowsId: W. Europe Standard Time, offset: 60}
operating_systems:
  description: The backup node operating systems (C(id), C(name), C(shortName), C(supportedNodeTypes)).
  returned: when O(include) has V(operating_systems)
  type: list
  elements: dict
  sample:
    - {id: 3, name: Linux, shortName: LNX, supportedNodeTypes: [{id: 2, name: File Server}]}
node_types:
  description: The backup node types (C(id), C(name), C(shortName)).
  returned: when O(include) has V(node_types)
  type: list
  elements: dict
  sample:
    - {id: 2, name: File Server, shortName: FS}
server:
  description: The default backup server of the business unit.
  returned: when O(include) has V(server)
  type: dict
  sample: {id: 3, name: tsm01, tcpAddress: tsm01.example.com, tcpPort: 1500}
domains:
  description: The policy domains of the default backup server (C(id), C(name), C(description), C(backupRetention), ...).
  returned: when O(include) has V(domains)
  type: list
  elements: dict
  sample:
    - {id: 14, name: STANDARD, backupRetention: 14, archiveRetention: 365}
client_option_sets:
  description: The client option sets of the default backup server (C(id), C(name), C(description)).
  returned: when O(include) has V(client_option_sets)
  type: list
  elements: dict
  sample:
    - {id: 31, name: DEDUP_AND_COMPRESS}
node_warning_types:
  description: The node warning types, which name the warnings of node reports (C(id), C(name), C(description)).
  returned: when O(include) has V(node_warning_types) and the portal has them
  type: list
  elements: dict
  sample:
    - {id: 1, name: NoActivity, description: No backup activity for more than three days}
unavailable:
  description:
    - Kinds of reference data left out because this portal does not have them (only node warning types, when
      O(include) is not set), each with the API's answer.
  returned: always
  type: dict
  sample: {node_warning_types: "GET /v1/nodewarningtypes failed with HTTP 404 Not Found: No HTTP resource was found ..."}
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BUNIT_OPTION
from ansible_collections.cloutility.cloutility.plugins.module_utils.reference import KINDS, reference_info


def main():
    module = CloutilityModule(
        argument_spec=dict(
            **BUNIT_OPTION,
            include=dict(type='list', elements='str', choices=list(KINDS)),
        ),
    )
    module.run_resource(reference_info)


if __name__ == '__main__':
    main()
