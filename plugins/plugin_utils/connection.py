# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side glue: a CloutilityClient from a plugin's connection options (doc fragment connection.PLUGINS)."""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.module_utils.connection_options import CONNECTION_OPTIONS, client_from_options


def client_from_plugin(plugin, pool_size=None):
    """The client for an inventory or lookup plugin whose options have been set; ``pool_size`` for that many threads."""
    return client_from_options(dict((name, plugin.get_option(name)) for name in CONNECTION_OPTIONS), pool_size=pool_size)
