# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A node setting is declared once (resources/node.py NODE_OPTIONS): cloutility_node's docs, the fleet's entries and their
docs, and the onboard role (its variable onboard_<option>, argument spec, defaults, README table, plugin_utils/onboard.py)
all have every option of the declaration. ``missing(declaration)`` says where one is missing; it is run on the real
declaration (nothing missing) and on one with a new field (missing everywhere the real files do not have it yet)."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.cloutility.cloutility.plugins.doc_fragments.node import ModuleDocFragment
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources import node
from ansible_collections.cloutility.cloutility.plugins.modules import cloutility_node_fleet
from ansible_collections.cloutility.cloutility.plugins.plugin_utils import onboard

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..')
ROLE = os.path.join(ROOT, 'roles', 'onboard')


def _read(*parts):
    with open(os.path.join(*parts), encoding='utf-8') as handle:
        return handle.read()


def _type(declared):
    return declared.get('type', 'str')


def role_settings(declaration):
    """The node settings the role passes on as onboard_<option>, by onboard.py's rule, for ``declaration``."""
    return [option for option, declared in declaration.items()
            if declared.get('api') and option not in onboard.ROLE_WORKS_OUT + onboard.NOT_IN_ROLE]


def missing(declaration):
    """Where an option of ``declaration`` (NODE_OPTIONS or a changed copy) is missing: a list of 'place: option'."""
    problems = []
    docs = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    fleet_docs = yaml.safe_load(ModuleDocFragment.FLEET)['options']['nodes']['suboptions']
    fleet_spec = cloutility_node_fleet.NODE_OPTIONS
    for option, declared in declaration.items():
        for place, documented in (('cloutility_node docs', docs), ('cloutility_node_fleet docs', fleet_docs)):
            entry = documented.get(option)
            if entry is None:
                problems.append('%s: %s' % (place, option))
            elif entry.get('type', 'str') != _type(declared) or entry.get('default') != declared.get('default'):
                problems.append('%s: %s (type or default differs)' % (place, option))
        if option not in fleet_spec or _type(fleet_spec[option]) != _type(declared):
            problems.append('cloutility_node_fleet entries: %s' % option)
    specs = yaml.safe_load(_read(ROLE, 'meta', 'argument_specs.yml'))['argument_specs']['main']['options']
    defaults = yaml.safe_load(_read(ROLE, 'defaults', 'main.yml'))
    readme = _read(ROLE, 'README.md')
    for option in role_settings(declaration):
        variable = onboard.PREFIX + option
        if variable not in specs or specs[variable].get('type', 'str') != _type(declaration[option]):
            problems.append('role argument spec: %s' % variable)
        if variable not in defaults or defaults[variable] is not None:
            problems.append('role defaults (null: not managed): %s' % variable)
        if '`%s`' % variable not in readme:
            problems.append('role README: %s' % variable)
        if onboard.ROLE_VARIABLES.get(option) != variable:
            problems.append('plugin_utils/onboard.py ROLE_VARIABLES: %s' % option)
    return problems


def test_every_place_has_every_option_of_the_declaration():
    assert missing(node.NODE_OPTIONS) == []


def test_a_new_field_is_missed_everywhere_until_it_is_added():
    declaration = dict(node.NODE_OPTIONS, decommissioned=dict(type='bool', api='decommissioned'))
    assert missing(declaration) == [
        'cloutility_node docs: decommissioned', 'cloutility_node_fleet docs: decommissioned',
        'cloutility_node_fleet entries: decommissioned', 'role argument spec: onboard_decommissioned',
        'role defaults (null: not managed): onboard_decommissioned', 'role README: onboard_decommissioned',
        'plugin_utils/onboard.py ROLE_VARIABLES: decommissioned',
    ]


def test_the_role_passes_every_node_setting_to_its_fleet_entry():
    assert 'locked' in onboard.NODE_SETTINGS and 'contact' in onboard.NODE_SETTINGS
    assert set(onboard.NODE_SETTINGS) == set(role_settings(node.NODE_OPTIONS))
    values = dict(locked=True, contact='ops@example.com', cpu_count=4, domain='STANDARD', client_option_set='FORCE_ENCRYPT')
    assert set(values) == set(onboard.NODE_SETTINGS)
    settings = onboard.settings_from_options(dict(values, bunit='Acme Hosting', consumer_name='web01', operating_system='Linux'), 'web01')
    for option, value in values.items():
        assert settings['spec'][option] == value
    unset = onboard.settings_from_options(dict(bunit='Acme Hosting', consumer_name='web01', operating_system='Linux', domain=' '), 'web01')
    assert all(unset['spec'][option] is None for option in onboard.NODE_SETTINGS)


@pytest.mark.parametrize('value', [True, False])
def test_onboard_locked_reaches_the_node_checks(value):
    settings = onboard.settings_from_options(dict(bunit='Acme Hosting', consumer_name='web01', operating_system='Linux', locked=value), 'web01')
    assert settings['spec']['locked'] is value and onboard.node_problems(settings['spec']) == []
