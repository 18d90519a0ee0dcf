# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's action plugins: cloutility_api.py, the action plugin of every module (meta/runtime.yml).

Before it forks the worker that runs a task, the controller's strategy looks the task's action plugin up, and
looking up any action plugin of this collection imports this package. Importing the modules here (with the
in-process runner and ``requests``) means every worker inherits them instead of importing them for each task.
"""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.plugin_utils.module_action import preload_modules

preload_modules()
