#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_proxy
short_description: Manage proxy relationships between Cloutility backup nodes
version_added: 1.0.0
description:
  - Grant or revoke the right of a backup node (the proxy I(agent)) to act for another node (the proxy I(target)),
    for example to restore the target's files.
  - The relationship is one fact, whichever side it was created from; the module reads the target's current
    agents (and the agent's targets) before any write.
  - Both nodes must exist and be activated, and the agent must be among the target's possible proxy nodes;
    otherwise the module fails before any write and says which.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.ACTIONS
options:
  bunit:
    description:
      - The business unit of the agent (and of the target unless O(target_bunit) is set), as a path of names
        (V(Acme Hosting/Internal)) or a numeric id. Defaults to the user's home business unit.
    type: str
  agent:
    description:
      - Consumption unit name of the proxy agent, the node that may act for the target.
      - One of O(agent) and O(agent_id) is required.
    type: str
  agent_id:
    description:
      - Consumption unit id of the proxy agent.
    type: int
  target:
    description:
      - Consumption unit name of the proxy target, the node the agent may act for.
      - One of O(target) and O(target_id) is required.
    type: str
  target_id:
    description:
      - Consumption unit id of the proxy target.
    type: int
  target_bunit:
    description:
      - The business unit of the target when it differs from O(bunit), as a path of names or an id.
    type: str
  state:
    description:
      - V(present) grants the relationship, V(absent) revokes it.
      - With V(absent), a missing unit or node means there is no relationship, so nothing changes.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Granting is a POST, never repeated blindly. After an uncertain answer (none, or HTTP 5xx) the module re-reads the
    target's agents and grants again only when the relationship is not there. A revoke whose answer was lost counts
    as done when the relationship is gone.
  - Tasks of parallel forks on one controller that change the proxies of the same target take turns.
seealso:
  - module: cloutility.cloutility.cloutility_node
  - module: cloutility.cloutility.cloutility_node_info
'''

EXAMPLES = r'''
- name: Let the central restore helper act for a customer's file server
  cloutility.cloutility.cloutility_proxy:
    bunit: Acme Hosting/Internal
    agent: backup-proxy
    target_bunit: Acme Hosting/Customers/Fabrikam
    target: fileserver

- name: Revoke it again
  cloutility.cloutility.cloutility_proxy:
    bunit: Acme Hosting/Internal
    agent: backup-proxy
    target_bunit: Acme Hosting/Customers/Fabrikam
    target: fileserver
    state: absent
'''

RETURN = r'''
agent:
  description: The agent side (consumption unit id and name, business unit id, node id and node name).
  returned: always
  type: dict
  sample: {consumer_id: 456, name: backup-proxy, bunit_id: 157, node_id: 1240, tsm_name: ACME-PROXY01}
target:
  description: The target side, in the same form as RV(agent).
  returned: always
  type: dict
  sample: {consumer_id: 431, name: fileserver, bunit_id: 131, node_id: 1222, tsm_name: FABRIKAM-FS01}
proxy_agents:
  description: The target's proxy agents after the task (as read before the task in check mode).
  returned: when both nodes exist
  type: list
  elements: dict
diff:
  description: The target's proxy agents (node names) before and after the task.
  returned: always
  type: dict
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BUNIT_OPTION
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.proxy import ensure_proxy


def main():
    module = CloutilityModule(
        argument_spec=dict(
            **BUNIT_OPTION,
            agent=dict(type='str'),
            agent_id=dict(type='int'),
            target=dict(type='str'),
            target_id=dict(type='int'),
            target_bunit=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
        ),
        required_one_of=[('agent', 'agent_id'), ('target', 'target_id')],
    )
    module.run_resource(ensure_proxy, check_mode=module.check_mode)


if __name__ == '__main__':
    main()
