# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load an Event-Driven Ansible source of the collection (extensions/eda/plugins/event_source) for a test."""

from __future__ import annotations

import importlib.util
import os

SOURCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'extensions', 'eda', 'plugins', 'event_source')


def source_path(name):
    return os.path.normpath(os.path.join(SOURCES, name + '.py'))


def load_source(path):
    """The source as ansible-rulebook loads it: a module of its own, outside any package, by its file (runpy.run_path
    there; here the file loader itself, since under ansible-test the collection loader's path hook answers runpy for
    every path in the collection)."""
    spec = importlib.util.spec_from_file_location('eda_source_under_test', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)
