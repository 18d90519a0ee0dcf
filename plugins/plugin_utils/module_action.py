# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a collection module inside the controller's worker process when the task runs on the controller.

These modules only talk HTTP, and are nearly always run on the controller (``delegate_to: localhost``
or ``connection: local``). Run as usual, every task starts a new Python, imports ``requests`` and
Ansible's module code again and reads its arguments from a file: most of a no-change task's time.
Here the module's own ``main()`` runs in the worker that Ansible has already forked for the task,
with the arguments the module would have received and its output parsed exactly as Ansible parses a
module's output, so validation, ``no_log`` masking, check and diff mode behave the same. The module
code is imported once by the controller, and each forked worker inherits it.

Anywhere else (another connection, ``become``, ``async``), on a macOS controller (whose system
frameworks are not safe to use after a fork) unless ``cloutility_in_process: true``, or with
``cloutility_in_process: false``, the module is run as usual. ansible.netcommon runs network modules
in-process the same way.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import traceback

from ansible.module_utils import basic
from ansible.module_utils.common.json import Direction, get_module_encoder
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash
from ansible.vars.clean import remove_internal_keys

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import HAS_REQUESTS

display = Display()

# The serialization profile Ansible uses for modules that declare none (as ours do).
PROFILE = 'legacy'


class ModuleAction(ActionBase):
    """Base of the collection's action plugins; ``MODULE`` is the imported module to run."""

    MODULE = None
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # unused since ansible-core 2.10
        task_vars = task_vars or {}
        reason = self._not_in_process_because(task_vars)
        if reason is None:
            display.vvv('cloutility: running %s in the controller process' % self._task.action, host=self._play_context.remote_addr)
            return merge_hash(result, self._run_in_process(task_vars))
        display.vvv('cloutility: running %s as a module (%s)' % (self._task.action, reason), host=self._play_context.remote_addr)
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _not_in_process_because(self, task_vars):
        """None when the module can run in this process, else why not."""
        wanted = task_vars.get('cloutility_in_process')
        if wanted is not None and not boolean(wanted, strict=False):
            return 'cloutility_in_process is false'
        if wanted is None and sys.platform == 'darwin':
            # macOS system frameworks (requests asks them for proxy settings) may abort in a forked process.
            return 'macOS controller; set cloutility_in_process=true to run in-process anyway'
        if self._connection.transport != 'local':
            return 'the task runs on another host, over the %s connection' % self._connection.transport
        if self._task.async_val:
            return 'async task'
        if self._play_context.become:
            return 'become is set'
        if self.MODULE is None or not HAS_REQUESTS:
            return 'the controller Python cannot import requests'
        return None

    def _task_environment(self):
        """The task's ``environment`` keyword, as a module started for the task would see it."""
        environment = {}
        for entry in self._task.environment or []:
            if entry:
                for key, value in self._templar.template(entry).items():
                    environment[str(key)] = str(value)
        return environment

    def _run_in_process(self, task_vars):
        module_args = dict(self._task.args)
        self._update_module_args(self._task.action, module_args, task_vars)
        encoder = get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)
        payload = json.dumps({'ANSIBLE_MODULE_ARGS': module_args}, cls=encoder).encode('utf-8')
        stdout = io.StringIO()
        with _module_context(payload, self._task_environment()), contextlib.redirect_stdout(stdout):
            try:
                self.MODULE.main()
            except SystemExit:
                pass  # exit_json and fail_json end the module with sys.exit
            except Exception as exc:  # pylint: disable=broad-exception-caught
                # What a module's crash would give: a failure with the error, the traceback only at -vvv.
                data = dict(failed=True, msg='MODULE FAILURE: %s: %s' % (type(exc).__name__, exc))
                if display.verbosity >= 3:
                    data['exception'] = traceback.format_exc()
                return data
        data = self._parse_returned_data(dict(stdout=stdout.getvalue(), stderr=''), PROFILE)
        remove_internal_keys(data)
        return data


@contextlib.contextmanager
def _module_context(payload, environment):
    """What a module process would have: its arguments where AnsibleModule reads them, and the task's environment.

    The worker process is forked for this one task, but a loop runs several items in it: put everything back.
    """
    saved_args = basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE  # pylint: disable=protected-access
    saved_env = dict((key, os.environ.get(key)) for key in environment)
    saved_cwd = os.getcwd()
    saved_argv = sys.argv
    basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE = payload, PROFILE  # pylint: disable=protected-access
    os.environ.update(environment)
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE = saved_args  # pylint: disable=protected-access
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        sys.argv = saved_argv
        with contextlib.suppress(OSError):
            os.chdir(saved_cwd)
