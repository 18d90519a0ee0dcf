# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API's paths live in one table (module_utils/endpoints.py); no module file sends a request."""

from __future__ import annotations

import ast
import os
import re

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import ENDPOINTS, endpoint, pattern

PLUGINS = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins')
DOC_NAMES = ('DOCUMENTATION', 'EXAMPLES', 'RETURN')
# The words of the table's paths: one of them beside a slash in a string elsewhere is a path built outside the table,
# and so is a path of the top level (timezones, nodetypes...) as a whole string. Option names and keys such as
# 'bunits' or 'consumers' stand alone and are no paths; messages (with spaces) are not judged.
PATH_WORDS = sorted(set(word for path in ENDPOINTS.values() for word in path.split('/') if not word.startswith('{')))
TOP_LEVEL = sorted(path.lower() for path in ENDPOINTS.values() if '/' not in path and path != 'bunits')


def _python_files():
    for folder, _dirs, files in os.walk(PLUGINS):
        for name in files:
            if name.endswith('.py'):
                yield os.path.normpath(os.path.join(folder, name))


def _code_strings(path):
    """The string constants of a file's code: not its docstrings, not the documentation of a module."""
    tree = ast.parse(open(path).read())
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body and isinstance(node.body[0], ast.Expr):
            skip.add(id(node.body[0].value))
        if isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id in DOC_NAMES for target in node.targets):
            skip.add(id(node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def _path_like(text):
    if re.search(r'\s', text):
        return False
    if text.strip('/').lower() in TOP_LEVEL:
        return True
    return any(re.search(r'(^/%s|^%s/|/%s(/|$))' % ((re.escape(word),) * 3), text, re.IGNORECASE) for word in PATH_WORDS)


def test_no_file_but_the_table_spells_an_api_path():
    found = []
    for path in _python_files():
        if path.endswith(os.path.join('module_utils', 'endpoints.py')):
            continue
        found.extend('%s:%s %r' % (os.path.relpath(path, PLUGINS), line, text) for line, text in _code_strings(path) if _path_like(text))
    assert found == []


def test_the_guard_sees_a_path_built_by_hand():
    assert _path_like('bunits/%s/defaultserver') and _path_like('/invoicefiles') and _path_like('bunits/%s/consumers')
    assert _path_like('nodetypes') and _path_like('%s/latest') and _path_like('oauth')
    assert not _path_like('a backup node') and not _path_like('tsmPassword') and not _path_like('consumers')
    assert not _path_like('path is required, relative to /v1, for example bunits/22/consumers')


def test_no_module_file_sends_a_request():
    """Module files are their declaration, docs and one call: no client method is called there."""
    calls = []
    for path in _python_files():
        if os.sep + 'modules' + os.sep not in path:
            continue
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.Attribute) and node.attr in ('get', 'get_all', 'get_object', 'collect', 'post', 'put', 'delete', 'request') \
                    and isinstance(node.value, ast.Attribute) and node.value.attr == 'client':
                calls.append('%s:%s' % (os.path.basename(path), node.lineno))
            if isinstance(node, ast.Name) and node.id == 'client':
                calls.append('%s:%s client' % (os.path.basename(path), node.lineno))
    assert calls == []


@pytest.mark.parametrize('name, ids, path', [
    ('node_activate', dict(bunit=22, consumer=408), 'bunits/22/consumers/408/node/activate'),
    ('proxy_agent', dict(bunit=1, consumer=2, agent=3), 'bunits/1/consumers/2/node/proxyagents/3'),
    ('time_zones', {}, 'timezones'),
])
def test_endpoint_fills_in_ids(name, ids, path):
    assert endpoint(name, **ids) == path


def test_pattern_matches_any_id_and_letter_case_and_nothing_else():
    activate = pattern('node_activate')
    assert activate.match('bunits/22/consumers/408/node/activate') and activate.match('BUNITS/x/Consumers/y/NODE/Activate')
    assert not activate.match('bunits/22/consumers/408/node/activate/more') and not activate.match('bunits/22/consumers/node/activate')
