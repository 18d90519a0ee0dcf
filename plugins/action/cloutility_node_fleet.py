# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs cloutility_node_fleet in the controller process when the task runs there (see plugin_utils/module_action.py)."""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.modules import cloutility_node_fleet as module
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.module_action import ModuleAction


class ActionModule(ModuleAction):
    MODULE = module
