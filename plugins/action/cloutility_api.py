# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of every module of the collection (see plugin_utils/module_action.py).

It is cloutility_api's action plugin by name; ``meta/runtime.yml`` makes it the action plugin of every other
module (``plugin_routing: modules: <module>: action_plugin: cloutility.cloutility.cloutility_api``). (A runner
with a name of its own would need a module of that name: ansible-test's action-plugin-docs sanity test.)
It runs the module the task names in the controller process when the task runs on the controller, and as an
ordinary module otherwise.
"""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.module_action import ModuleAction


class ActionModule(ModuleAction):
    MODULE = None
