# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of every module of the collection (see plugin_utils/module_action.py).

It is cloutility_api's action plugin by name; ``meta/runtime.yml`` redirects the action plugin of every other
module here (``plugin_routing: action: <module>: redirect: cloutility.cloutility.cloutility_api``). (A runner
with a name of its own would need a module of that name: ansible-test's action-plugin-docs sanity test.)
It runs the module the task names in the controller process when the task runs on the controller, and as an
ordinary module otherwise.
"""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.module_action import ModuleAction, preload_modules

# The controller loads this plugin (the strategy looks the task's action up) before it forks the task's
# worker: import the collection's modules now, so that every worker inherits them.
preload_modules()


class ActionModule(ModuleAction):
    MODULE = None
