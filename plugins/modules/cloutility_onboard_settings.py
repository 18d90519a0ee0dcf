#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_onboard_settings
short_description: Internal to the onboard role; not for direct use
version_added: 1.1.0
description:
  - Internal to the role P(cloutility.cloutility.onboard#role); not for direct use. Its options and results may change in
    any release.
  - The role's first step; it is an action plugin and runs on the controller.
  - For every host of the play (of the current batch), reads the role's variables as a task of that host sees them
    (role defaults and parameters, play variables, inventory, facts, extra vars, with Ansible's precedence), checks
    them against the role's argument spec (C(meta/argument_specs.yml), the same validator as Ansible's per-host
    validation task) and works out the host's settings and its M(cloutility.cloutility.cloutility_node_fleet) entry.
  - A host whose variables are wrong gets its problems in its settings (under C(problems)), naming the variable; the
    role's per-host task M(cloutility.cloutility.cloutility_onboard_result) fails that host alone.
  - Must run with C(run_once=true) in a task of the onboard role. Sends nothing to the portal.
author:
  - Cloutility Ansible collection contributors (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: Reads variables only; in check mode the settings say so (C(check_mode)).
  diff_mode:
    support: none
    description: Returns no diff; it changes nothing.
  action:
    support: full
    description: Runs only as an action plugin on the controller.
options:
  entry_point:
    description: The entry point of the role's argument spec whose options are read and checked.
    type: str
    default: main
  hosts:
    description: The hosts to read. Defaults to the hosts of the current batch of the play (C(ansible_play_batch)).
    type: list
    elements: str
notes:
  - Reads other hosts' variables through ansible-core's variable manager, as its strategies do.
'''

EXAMPLES = r'''
- name: Settings of every host of the play
  cloutility.cloutility.cloutility_onboard_settings:
  run_once: true
  register: onboard__hosts
  no_log: true
'''

RETURN = r'''
settings:
  description: Per host, its settings (C(bunit), C(consumer), C(node_name), C(client_config)...), C(problems) and C(spec).
  returned: always
  type: dict
all:
  description: The same settings as a list, in the order of the hosts.
  returned: always
  type: list
  elements: dict
nodes:
  description: The M(cloutility.cloutility.cloutility_node_fleet) entries of the hosts whose settings have no problems.
  returned: always
  type: list
  elements: dict
check_mode:
  description: Whether any host runs in check mode (then no business unit is created).
  returned: always
  type: bool
create_bunits:
  description:
    - The business units to create for the hosts that set C(onboard_create_bunit), once each however their paths are
      spelled, as C(path), C(name) and C(parent) (empty for a top-level unit). Empty in check mode; never a unit given by id.
  returned: always
  type: list
  elements: dict
secret_results:
  description: Whether the fleet's results will hold a password the portal generated (a host writes it into a file).
  returned: always
  type: bool
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(entry_point=dict(type='str', default='main'), hosts=dict(type='list', elements='str')),
                           supports_check_mode=True)
    module.fail_json(msg='cloutility_onboard_settings runs as an action plugin on the controller (in the onboard role), not as a module.')


if __name__ == '__main__':
    main()
