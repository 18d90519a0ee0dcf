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
code is imported once by the controller (plugins/action/__init__.py), and each forked worker inherits it.

Anywhere else (another connection, ``become``, ``async``), on a macOS controller (whose system
frameworks are not safe to use after a fork) unless ``cloutility_in_process: true``, or with
``cloutility_in_process: false`` (or the environment variable ``CLOUTILITY_IN_PROCESS=false``), the module
is run as usual. ansible.netcommon runs network modules
in-process the same way.

Every module of the collection is routed to one action plugin (plugins/action/cloutility_api.py) by
``meta/runtime.yml`` (``plugin_routing: modules: <module>: action_plugin: cloutility.cloutility.cloutility_api``);
it runs the module the task names. The module's arguments reach it through private details of ansible-core
that change between releases (2.19 added serialization profiles, 2.21 task result objects): they are all in
``module_utils/ansible_compat.py``, which decides once, when the controller loads this plugin, whether a module
can run in-process, by a round trip through a real ``AnsibleModule``. When it cannot (a release whose details
differ), every module is run as usual, never failing because of the version, and ``-vvv`` says why.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import sys
import traceback

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.cloutility.cloutility.plugins.plugin_utils import ansible_compat
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import HAS_REQUESTS, wait_hook

display = Display()

COLLECTION = 'cloutility.cloutility'
MODULES_PACKAGE = 'ansible_collections.cloutility.cloutility.plugins.modules'
# Set to false (or run with the task variable cloutility_in_process: false) to run every module as an ordinary module.
ENV_IN_PROCESS = 'CLOUTILITY_IN_PROCESS'

# The protocol a module run in this process is handed its arguments with, decided once by a round trip when the
# controller loads the plugin (module_utils/ansible_compat.py); None, and why not: every module runs as usual.
PROTOCOL, PROTOCOL_PROBLEM = ansible_compat.in_process_protocol()


class ModuleAction(ActionBase):
    """The collection's action plugin for its modules.

    ``MODULE`` is the imported module to run; when it is None (the routed runner), the module the task
    names is imported.
    """

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
        wanted, source = task_vars.get('cloutility_in_process'), 'cloutility_in_process'
        if isinstance(wanted, str):
            wanted = self._templar.template(wanted)  # task variables reach an action plugin untemplated ("{{ ... }}")
        if wanted is None and os.environ.get(ENV_IN_PROCESS, '').strip():
            wanted, source = os.environ[ENV_IN_PROCESS], ENV_IN_PROCESS
        if wanted is not None and not boolean(wanted, strict=False):
            return '%s is false' % source
        if wanted is None and sys.platform == 'darwin':
            # macOS system frameworks (requests asks them for proxy settings) may abort in a forked process.
            return 'macOS controller; set cloutility_in_process=true to run in-process anyway'
        if self._connection.transport != 'local':
            return 'the task runs on another host, over the %s connection' % self._connection.transport
        if self._task.async_val:
            return 'async task'
        if self._play_context.become:
            return 'become is set'
        if PROTOCOL is None:
            return 'ansible-core %s: %s' % (ansible_compat.ansible_version(), PROTOCOL_PROBLEM)
        if not HAS_REQUESTS:
            return 'the controller Python cannot import requests'
        return None

    def _module(self):
        """The imported module this task runs."""
        if self.MODULE is not None:
            return self.MODULE
        context = self._shared_loader_obj.module_loader.find_plugin_with_context(self._task.action, collection_list=self._task.collections)
        name = context.resolved_fqcn if context.resolved else self._task.action
        collection, dummy, short_name = name.rpartition('.')
        if collection != COLLECTION:
            raise AnsibleActionFail('the %s action plugin runs only modules of %s, not %s' % (COLLECTION, COLLECTION, name))
        return importlib.import_module('%s.%s' % (MODULES_PACKAGE, short_name))

    def _task_environment(self):
        """The task's ``environment`` keyword, as a module started for the task would see it."""
        environment = {}
        for entry in self._task.environment or []:
            if entry:
                for key, value in self._templar.template(entry).items():
                    environment[str(key)] = str(value)
        return environment

    def _run_in_process(self, task_vars):
        module = self._module()
        module_args = dict(self._task.args)
        self._update_module_args(self._task.action, module_args, task_vars)
        host = task_vars.get('inventory_hostname') or self._play_context.remote_addr
        # A long wait of the module's client (a retry after a 503 or a timeout, a 429's Retry-After) is one line at -v:
        # the module runs here, so it can say what it waits for while it waits (as a module process it cannot).
        with _module_context(self._task_environment()), wait_hook(lambda text: display.v(text, host=host)):
            try:
                return ansible_compat.run_module_main(PROTOCOL, module.main, module_args, action=self)
            except Exception as exc:  # pylint: disable=broad-exception-caught
                # What a module's crash would give: a failure with the error, the traceback only at -vvv.
                data = dict(failed=True, msg='MODULE FAILURE: %s: %s' % (type(exc).__name__, exc))
                if display.verbosity >= 3:
                    data['exception'] = traceback.format_exc()
                return data


def preload_modules():
    """Import every module of the collection (a module that fails to import is left to fail in its task)."""
    package = importlib.import_module(MODULES_PACKAGE)
    for info in pkgutil.iter_modules(package.__path__):
        with contextlib.suppress(Exception):
            importlib.import_module('%s.%s' % (MODULES_PACKAGE, info.name))


@contextlib.contextmanager
def _module_context(environment):
    """What a module process would have beside its arguments: the task's environment. Put back afterwards (a loop
    runs several items in the worker forked for the task), with the working directory and ``sys.argv``."""
    saved_env = dict((key, os.environ.get(key)) for key in environment)
    saved_cwd = os.getcwd()
    saved_argv = sys.argv
    os.environ.update(environment)
    try:
        yield
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        sys.argv = saved_argv
        with contextlib.suppress(OSError):
            os.chdir(saved_cwd)
