#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_audit_report
short_description: Build the onboard role's drift report and write it as JSON and Markdown on the controller
version_added: 1.1.0
description:
  - The last step of the playbook C(cloutility.cloutility.audit), after the role P(cloutility.cloutility.onboard#role)
    has compared every host of the play with the portal in check mode.
  - Reads what the role registered for the play by variable name (O(settings_from), O(results_from)), works out every
    host's C(onboard_result) as the P(cloutility.cloutility.onboard_results#filter) filter does, and finds the
    consumption units of the business units the hosts cover that no host claims. It takes those units from the
    fleet's result, where the role's fleet task listed them as it read them in this run (the C(consumers) of
    M(cloutility.cloutility.cloutility_node_fleet) with C(list_consumers)), and reads only the lists it did not give
    (as the P(cloutility.cloutility.consumers#lookup) lookup does, read only). It builds the report of the P(cloutility.cloutility.audit_report#filter) filter,
    and writes it to O(json_path) (as P(cloutility.cloutility.audit_json#filter) renders it) and O(markdown_path) (as
    P(cloutility.cloutility.audit_markdown#filter) does).
  - Each file is replaced atomically, and only when its content or mode differs.
  - It is an action plugin that runs in the controller process; whatever host the task runs for, the files are written
    on the controller. Run it once (C(run_once=true)).
author:
  - Cloutility Ansible collection contributors (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description: Reports which files would change and writes nothing. The audit playbook runs it with C(check_mode=false).
  diff_mode:
    support: none
    description: Returns no diff; the files are the report.
  action:
    support: full
    description: Runs only as an action plugin, on the controller.
options:
  settings_from:
    description: The variable the onboard role's settings step registered (its C(all) list is read).
    type: str
    default: onboard__hosts
  results_from:
    description: The variable the onboard role's fleet step registered (its C(hosts) dict and C(consumers) list are read).
    type: str
    default: onboard__fleet
  hosts:
    description: The hosts the report lists. Default C(ansible_play_hosts_all).
    type: list
    elements: str
  connection:
    description:
      - Connection options for reading the consumption units (the role's C(onboard_connection)), as the
        P(cloutility.cloutility.consumers#lookup) lookup takes them; options not given come from its environment variables.
    type: dict
    default: {}
  json_path:
    description: Where the JSON report goes.
    type: path
  markdown_path:
    description: Where the Markdown report goes.
    type: path
  mode:
    description: Permissions of the files, as an octal string.
    type: str
    default: "0640"
'''

EXAMPLES = r'''
- name: Compare each host with the portal
  ansible.builtin.import_role:
    name: cloutility.cloutility.onboard
  vars:
    onboard_audit: true
    onboard_continue_on_error: true

- name: Write the drift report
  cloutility.cloutility.cloutility_audit_report:
    connection: "{{ onboard_connection | default({}) }}"
    json_path: /var/tmp/cloutility-audit.json
    markdown_path: /var/tmp/cloutility-audit.md
  check_mode: false
  run_once: true
  register: audit
'''

RETURN = r'''
files:
  description: Each file with C(path) and C(changed).
  returned: always
  type: list
  elements: dict
summary:
  description: The report's summary (hosts, in sync, drifted, errors, orphans, findings).
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(settings_from=dict(type='str', default='onboard__hosts'),
                                              results_from=dict(type='str', default='onboard__fleet'),
                                              hosts=dict(type='list', elements='str'), connection=dict(type='dict', default={}),
                                              json_path=dict(type='path'), markdown_path=dict(type='path'),
                                              mode=dict(type='str', default='0640')),
                           supports_check_mode=True)
    module.fail_json(msg='cloutility_audit_report runs as an action plugin on the controller, not as a module.')


if __name__ == '__main__':
    main()
