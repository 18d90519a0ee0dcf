# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's simulator/ on the import path when the package is not installed (as under ansible-test units), so
the tests import ``cloutility_simulator`` plainly."""

from __future__ import annotations

import importlib.util
import os
import sys

if importlib.util.find_spec('cloutility_simulator') is None:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'simulator'))
