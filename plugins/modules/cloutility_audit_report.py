#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_audit_report
short_description: Internal to the audit playbook of the onboard role; not for direct use
version_added: 1.1.0
description:
  - Internal to the onboard role's audit playbook C(cloutility.cloutility.audit); not for direct use. Its options and
    results may change in any release.
  - The playbook's report step, after the role P(cloutility.cloutility.onboard#role) has compared every host of the
    play with the portal in check mode. Reads what the role registered for the play by variable name
    (O(settings_from), O(results_from)), works out every host's C(onboard_result), finds among the consumption units
    of the covered business units (from the lists the fleet task read in this run, and read only, as the
    P(cloutility.cloutility.consumers#lookup) lookup does, for those it did not read) the names used by more than one
    unit of a business unit (C(duplicates), with every id, the one the modules keep, the lowest, and how to resolve) and the
    units no host claims (C(orphans)), and writes the report to O(json_path) and O(markdown_path) on the controller,
    each file atomically and only when it differs.
  - A unit is reported once, a unit of a duplicated name only under C(duplicates); a host whose unit name is
    duplicated is no error.
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
lines:
  description: >-
    The report as lines of text for the play's output (the counts, each finding as C(host: detail) with the role
    variable's name and V((not set\)) for an absent value, each duplicated name).
  returned: always
  type: list
  elements: str
  sample: ["3 host(s): 1 in sync, 2 drifted, 0 error(s); 0 duplicated consumption unit name(s), 4 orphaned consumption unit(s)",
           "web01.example.com: onboard_client_option_set: (not set) -> FORCE_ENCRYPT"]
summary:
  description: The report's summary (hosts, in sync, drifted, errors, duplicates, orphans, findings).
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
