# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side glue: the options of a plugin (inventory, lookups) checked like a module's, and a CloutilityClient
from its connection options (doc fragment connection.PLUGINS)."""

from __future__ import annotations

from ansible.errors import AnsibleError

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import checked_settings
from ansible_collections.cloutility.cloutility.plugins.module_utils.connection_options import CONNECTION_OPTIONS, client_from_options

# YAML's own scalars and collections: a value of one of these types, as written in the plugin's configuration, is what the
# person wrote (Ansible's config would turn ``timeout: true`` into 1); a string may be a vaulted value: taken as Ansible gives it.
NATIVE = (bool, int, float, dict, list)


def plugin_settings(plugin, declared=None, written=None, where='Cloutility plugin', error=AnsibleError):
    """The plugin's options checked by the modules' validator and input rules (ansible_module.checked_settings): the
    connection options (CONNECTION_SPEC, with their ranges and the api_url rule) and the plugin's own ``declared``
    ones (declared like a module's), on the values Ansible's config gives (``get_option``). ``written`` holds the
    options as the configuration file or the call wrote them: a boolean, number, list or dictionary there is judged
    as written, so ``timeout: true`` or ``bunits: a`` is refused rather than converted. Returns the options; raises
    ``error`` naming every problem (``where`` first), before any request."""
    declared = dict(declared or {})
    written = written or {}
    given = {}
    for name in list(CONNECTION_OPTIONS) + [name for name in declared if name not in CONNECTION_OPTIONS]:
        value = plugin.get_option(name)
        raw = written.get(name)
        if isinstance(raw, NATIVE):
            kind = declared.get(name, {}).get('type')
            if not (isinstance(raw, (list, dict)) and kind in ('list', 'dict')):
                value = raw
        given[name] = value
    options, problems = checked_settings(declared, given, where='option')
    if problems:
        raise error('%s: %s' % (where, '; '.join(problems)))
    return options


def client_from_plugin(plugin, pool_size=None, options=None, where='Cloutility plugin'):
    """The client for an inventory or lookup plugin whose options have been set; ``pool_size`` for that many threads.
    ``options``: the plugin's options already checked (plugin_settings); else its connection options are checked here,
    an AnsibleError naming every problem (``where`` first)."""
    if options is None:
        options = plugin_settings(plugin, where=where)
    return client_from_options(options, pool_size=pool_size)
