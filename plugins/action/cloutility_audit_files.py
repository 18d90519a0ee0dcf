# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the audit playbook's drift report as JSON and Markdown on the controller, in the controller process.

Two ``ansible.builtin.copy`` tasks (or one with a loop) start a module process per file, which cost the audit of a
100-host fleet about as much as Ansible's floor for the whole fleet; writing two files on the controller needs none.
"""

from __future__ import annotations

import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.cloutility.cloutility.plugins.filter.onboard import audit_json, audit_markdown


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _VALID_ARGS = frozenset(('report', 'json_path', 'markdown_path', 'mode'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        report = self._task.args.get('report')
        if not isinstance(report, dict) or 'summary' not in report:
            raise AnsibleActionFail('report must be the dict the cloutility.cloutility.audit_report filter builds')
        try:
            mode = int(str(self._task.args.get('mode') or '0640'), 8)
        except ValueError:
            raise AnsibleActionFail('mode must be an octal string such as 0640, not %r' % self._task.args.get('mode')) from None
        files = []
        for key, render in (('json_path', audit_json), ('markdown_path', audit_markdown)):
            path = self._task.args.get(key)
            if path:
                files.append(dict(path=str(path), changed=write_file(str(path), render(report), mode, self._play_context.check_mode)))
        if not files:
            raise AnsibleActionFail('give json_path, markdown_path or both')
        result.update(changed=any(item['changed'] for item in files), files=files, summary=report['summary'])
        return result


def write_file(path, content, mode, check_mode=False):
    """Write ``content`` to ``path`` (atomically, with ``mode``) unless it holds it already; True when it changed."""
    path = os.path.abspath(os.path.expanduser(path))
    try:
        with open(path, encoding='utf-8') as handle:
            same = handle.read() == content
        same = same and (os.stat(path).st_mode & 0o7777) == mode
    except OSError:
        same = False
    if same or check_mode:
        return not same
    directory = os.path.dirname(path)
    try:
        handle, tmp = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path))
        with os.fdopen(handle, 'w', encoding='utf-8') as out:
            out.write(content)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        raise AnsibleActionFail('cannot write the audit report to %s: %s' % (path, exc)) from None
    return True
