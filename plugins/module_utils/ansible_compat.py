# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private names of ansible-core's module side that the collection's modules use, each access guarded.

The module half of the collection's compat layer; the controller half (the in-process runner's protocol, other hosts'
variables) is plugins/plugin_utils/ansible_compat.py. ansible-test lets module_utils import nothing of the controller,
so the two halves are two files; no other file names a private detail of ansible-core (a unit test checks it).
Nothing here may fail a module: without the private detail these degrade to what public attributes give.
"""

from __future__ import annotations


class RecordsGivenParams:  # pylint: disable=too-few-public-methods
    """Mixin for an ``AnsibleModule`` subclass: ``given_params``, the options as the task gave them.

    The argument spec converts what it validates (a dictionary given for a ``str`` option becomes its text), so only
    the original tells a wrong type apart. ``AnsibleModule.__init__`` loads the options through ``_load_params``
    (every release from 2.16 to 2.21); where a release does not, ``given_params`` stays None and callers use the
    converted options.
    """

    given_params = None

    def _load_params(self):
        super()._load_params()  # pylint: disable=no-member
        params = getattr(self, 'params', None)
        self.given_params = dict(params) if isinstance(params, dict) else None


def diff_mode(module):
    """Whether the task asked for a diff (``--diff`` or ``diff: true``): ``AnsibleModule._diff``."""
    return bool(getattr(module, '_diff', False))
