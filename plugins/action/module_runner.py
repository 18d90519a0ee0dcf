# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of every module of the collection.

``meta/runtime.yml`` routes each module here (``plugin_routing: modules: <name>: action_plugin:
cloutility.cloutility.module_runner``). It runs the module the task names in the controller process when
the task runs on the controller, and as an ordinary module otherwise (see plugin_utils/module_action.py).
"""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.module_action import ModuleAction


class ActionModule(ModuleAction):
    MODULE = None
