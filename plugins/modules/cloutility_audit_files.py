#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_audit_files
short_description: Write the audit drift report as JSON and Markdown files on the controller
version_added: 1.1.0
description:
  - Writes the report of the P(cloutility.cloutility.audit_report#filter) filter to O(json_path) (as
    P(cloutility.cloutility.audit_json#filter) renders it) and O(markdown_path) (as
    P(cloutility.cloutility.audit_markdown#filter) does), on the controller, in the controller process; used by the
    playbook C(cloutility.cloutility.audit).
  - Each file is replaced atomically, and only when its content or mode differs.
  - It is an action plugin; whatever host the task runs for, the files are written on the controller.
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
  report:
    description: The report, from the P(cloutility.cloutility.audit_report#filter) filter.
    type: dict
    required: true
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
- name: Write the report
  cloutility.cloutility.cloutility_audit_files:
    report: "{{ audit }}"
    json_path: /var/tmp/cloutility-audit.json
    markdown_path: /var/tmp/cloutility-audit.md
  check_mode: false
  run_once: true
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
    module = AnsibleModule(argument_spec=dict(report=dict(type='dict', required=True), json_path=dict(type='path'),
                                              markdown_path=dict(type='path'), mode=dict(type='str', default='0640')),
                           supports_check_mode=True)
    module.fail_json(msg='cloutility_audit_files runs as an action plugin on the controller, not as a module.')


if __name__ == '__main__':
    main()
