#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_onboard_result
short_description: Internal to the onboard role; not for direct use
version_added: 1.1.0
description:
  - Internal to the role P(cloutility.cloutility.onboard#role); not for direct use. Its options and results may change in
    any release.
  - The role's per-host step, the only task the role runs for every host; it is an action plugin.
  - Sets the host fact C(onboard_result) from the host's settings (M(cloutility.cloutility.cloutility_onboard_settings))
    and its entry in the results of M(cloutility.cloutility.cloutility_node_fleet), reports the host as changed when
    its consumption unit or node changed (or would, in check mode) with the diff, and fails the host on an error
    unless O(continue_on_error).
  - With C(client_config) in the settings, writes C(dsm.sys) and C(dsm.opt) (the role's templates) and optionally the
    node password file on the host, with C(ansible.builtin.file), C(ansible.builtin.template) and
    C(ansible.builtin.copy), which give their own check mode and diffs.
author:
  - Cloutility Ansible collection contributors (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: The file steps run in check mode; the result is the fleet task's prediction.
  diff_mode:
    support: full
    description: The node's C(before) and C(after) as the fleet task compared them, and the option files' diffs.
  action:
    support: full
    description: Runs only as an action plugin.
options:
  settings:
    description:
      - The host's settings, from M(cloutility.cloutility.cloutility_onboard_settings).
      - One of O(settings) and O(settings_from) is required.
    type: dict
  settings_from:
    description:
      - Name of the variable that M(cloutility.cloutility.cloutility_onboard_settings) was registered as (run once for
        the play); the host's entry is read from it directly.
    type: str
  result:
    description: The host's entry in the results of M(cloutility.cloutility.cloutility_node_fleet); absent when it did not run.
    type: dict
  results_from:
    description: Name of the variable that M(cloutility.cloutility.cloutility_node_fleet) was registered as; see O(settings_from).
    type: str
  bunits_from:
    description:
      - Name of the variable the role's M(cloutility.cloutility.cloutility_bunit) loop over the business units to create
        was registered as; a host whose business unit it created is changed.
    type: str
  default_server:
    description:
      - The default server of the host's business unit, when the client options need it.
      - Defaults to C(default_server) in the host's fleet result, which M(cloutility.cloutility.cloutility_node_fleet)
        adds when the node's own server lacks what the option files need (its entry's C(server_fields)).
    type: dict
  continue_on_error:
    description: Record an error in C(onboard_result) instead of failing the host.
    type: bool
    default: false
  client_config_dir:
    description: Directory of the client option files.
    type: path
  client_config_owner:
    description: Owner of the option files; empty keeps the connecting user.
    type: str
  client_config_group:
    description: Group of the option files; empty keeps the default group.
    type: str
  client_password_file:
    description: Write the node password to this file (mode C(0600)); empty writes none.
    type: str
  node_password:
    description: The password the role set; empty uses the one the portal generated, when the fleet returned it.
    type: str
'''

EXAMPLES = r'''
- name: Result of this host
  cloutility.cloutility.cloutility_onboard_result:
    settings_from: onboard__hosts
    results_from: onboard__fleet
'''

RETURN = r'''
ansible_facts:
  description: C(onboard_result), the host's result (see the role's documentation).
  returned: always
  type: dict
client_files:
  description: The option files, each with C(path) and C(changed).
  returned: when the host writes client options
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        settings=dict(type='dict'), settings_from=dict(type='str'), result=dict(type='dict'), results_from=dict(type='str'),
        bunits_from=dict(type='str'),
        default_server=dict(type='dict'),
        continue_on_error=dict(type='bool', default=False), client_config_dir=dict(type='path'),
        client_config_owner=dict(type='str'), client_config_group=dict(type='str'),
        client_password_file=dict(type='str', no_log=False), node_password=dict(type='str', no_log=True)), supports_check_mode=True)
    module.fail_json(msg='cloutility_onboard_result runs as an action plugin (in the onboard role), not as a module.')


if __name__ == '__main__':
    main()
