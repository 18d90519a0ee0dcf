# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token cache trusts nothing it finds on disk: symlinks, foreign or open files, garbage entries."""

from __future__ import annotations

import json
import os
import stat
import time

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.locks import private_dir
from ansible_collections.cloutility.cloutility.plugins.module_utils.token_cache import TokenCache, default_cache_dir, valid_token

KEY = ('https://portal.example.com/v1/', 'client-1', 'https://origin.example.com', 'alice', 'very-secret-pw')
TOKEN = 'tok-abc_DEF.123~+/=='


def mode(path):
    return stat.S_IMODE(os.lstat(str(path)).st_mode)


def entry_files(directory):
    return [name for name in os.listdir(str(directory)) if name.endswith('.json')]


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg'))
    return tmp_path / 'xdg'


def test_round_trip_and_every_directory_private(xdg):
    cache = TokenCache()
    assert cache.directory == default_cache_dir() == str(xdg / 'cloutility-ansible' / 'tokens')
    cache.store(KEY, TOKEN, time.time() + 300, 300)
    token, _expires, lifetime = cache.load(KEY)
    assert token == TOKEN and lifetime == 300
    for directory in (xdg / 'cloutility-ansible', xdg / 'cloutility-ansible' / 'tokens'):
        assert mode(directory) == 0o700, directory
    for name in os.listdir(str(xdg / 'cloutility-ansible' / 'tokens')):
        assert mode(xdg / 'cloutility-ansible' / 'tokens' / name) == 0o600
    content = (xdg / 'cloutility-ansible' / 'tokens' / entry_files(xdg / 'cloutility-ansible' / 'tokens')[0]).read_text()
    for secret in KEY[1:]:
        assert secret not in content


def test_open_directories_are_closed_again(xdg):
    (xdg / 'cloutility-ansible' / 'tokens').mkdir(parents=True)
    os.chmod(str(xdg / 'cloutility-ansible'), 0o755)
    os.chmod(str(xdg / 'cloutility-ansible' / 'tokens'), 0o777)
    TokenCache().store(KEY, TOKEN, time.time() + 300, 300)
    assert mode(xdg / 'cloutility-ansible') == 0o700
    assert mode(xdg / 'cloutility-ansible' / 'tokens') == 0o700


@pytest.mark.parametrize('linked', ['cloutility-ansible', 'cloutility-ansible/tokens'])
def test_a_symlink_anywhere_in_the_path_is_refused(xdg, tmp_path, linked):
    target = tmp_path / 'attacker'
    target.mkdir()
    os.chmod(str(target), 0o755)
    link = xdg / linked
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    cache = TokenCache()
    cache.store(KEY, TOKEN, time.time() + 300, 300)
    assert cache.load(KEY) is None
    assert cache.login_lock(KEY, 1) is None
    assert os.listdir(str(target)) == [], 'nothing may be written through a symlink'
    assert mode(target) == 0o755, 'the target of a symlink must not be chmod-ed'
    assert os.path.islink(str(link))


def test_symlinked_files_are_never_followed(tmp_path):
    directory = tmp_path / 'cache'
    cache = TokenCache(str(directory))
    cache.store(KEY, TOKEN, time.time() + 300, 300)
    entry = directory / entry_files(directory)[0]
    # A planted symlink in place of the entry: not read...
    elsewhere = tmp_path / 'planted.json'
    elsewhere.write_text(json.dumps({'access_token': 'planted', 'expires_at': time.time() + 300}))
    os.chmod(str(elsewhere), 0o600)
    entry.unlink()
    entry.symlink_to(elsewhere)
    assert cache.load(KEY) is None
    # ...and not written through: the link itself is replaced.
    cache.store(KEY, TOKEN, time.time() + 300, 300)
    assert not os.path.islink(str(entry)) and 'planted' in elsewhere.read_text()
    # The key file: a symlink is replaced by a new key, its target untouched.
    key_target = tmp_path / 'key-target'
    key_target.write_bytes(b'k' * 40)
    (directory / '.key').unlink()
    (directory / '.key').symlink_to(key_target)
    cache.store(KEY, TOKEN, time.time() + 300, 300)
    assert key_target.read_bytes() == b'k' * 40
    assert not os.path.islink(str(directory / '.key'))
    assert cache.load(KEY)[0] == TOKEN


def test_files_others_can_read_or_write_are_ignored(tmp_path):
    directory = tmp_path / 'cache'
    cache = TokenCache(str(directory))
    cache.store(KEY, TOKEN, time.time() + 300, 300)
    entry = directory / entry_files(directory)[0]
    os.chmod(str(entry), 0o644)
    assert cache.load(KEY) is None
    os.chmod(str(entry), 0o600)
    assert cache.load(KEY)[0] == TOKEN
    os.chmod(str(directory / '.key'), 0o640)
    assert cache.load(KEY) is None, 'an open key file means a new key, so no old entry matches'


@pytest.mark.skipif(os.getuid() != 0, reason='needs root to give a file to another user')
def test_files_and_directories_of_another_user_are_ignored(tmp_path):
    directory = tmp_path / 'cache'
    cache = TokenCache(str(directory))
    cache.store(KEY, TOKEN, time.time() + 300, 300)
    entry = directory / entry_files(directory)[0]
    os.chown(str(entry), 4242, 4242)
    assert cache.load(KEY) is None
    os.chown(str(entry), 0, 0)
    assert cache.load(KEY)[0] == TOKEN
    os.chown(str(directory), 4242, 4242)
    assert cache.load(KEY) is None
    assert not private_dir(str(directory))


@pytest.mark.parametrize('entry', [
    {'access_token': 'tok-1\r\nX-Injected: 1', 'expires_at': 'LATER'},
    {'access_token': 'tok 1', 'expires_at': 'LATER'},
    {'access_token': '', 'expires_at': 'LATER'},
    {'access_token': ['tok-1'], 'expires_at': 'LATER'},
    {'access_token': 'tok-1', 'expires_at': 'soon'},
    {'access_token': 'tok-1', 'expires_at': float('nan')},
    {'access_token': 'tok-1'},
    ['tok-1'],
    'not json at all',
])
def test_a_bad_entry_is_removed_and_means_a_new_login(tmp_path, entry):
    directory = tmp_path / 'cache'
    cache = TokenCache(str(directory))
    cache.store(KEY, TOKEN, time.time() + 300, 300)
    path = directory / entry_files(directory)[0]
    if isinstance(entry, dict) and entry.get('expires_at') == 'LATER':
        entry['expires_at'] = time.time() + 300
    path.write_text(entry if isinstance(entry, str) else json.dumps(entry))
    assert cache.load(KEY) is None
    assert not path.exists()


def test_tokens_that_cannot_be_sent_are_not_stored(tmp_path):
    cache = TokenCache(str(tmp_path / 'cache'))
    cache.store(KEY, 'tok\n1', time.time() + 300, 300)
    assert not (tmp_path / 'cache').exists() or entry_files(tmp_path / 'cache') == []
    assert valid_token(TOKEN) and not valid_token('a b') and not valid_token('a\r') and not valid_token(None)


def test_margin_is_a_function_of_the_lifetime(tmp_path):
    cache = TokenCache(str(tmp_path / 'cache'))
    cache.store(KEY, TOKEN, time.time() + 10, 20)
    assert cache.load(KEY, margin=lambda lifetime: lifetime / 10) is not None
    assert cache.load(KEY, margin=lambda lifetime: lifetime) is None


def test_forget_only_the_token_that_failed(tmp_path):
    cache = TokenCache(str(tmp_path / 'cache'))
    cache.store(KEY, TOKEN, time.time() + 300, 300)
    cache.forget(KEY, token='an-older-token')
    assert cache.load(KEY)[0] == TOKEN
    cache.forget(KEY, token=TOKEN)
    assert cache.load(KEY) is None


def test_login_lock_is_named_anonymously(tmp_path):
    cache = TokenCache(str(tmp_path / 'cache'))
    with cache.login_lock(KEY, 5) as lock:
        assert lock.held
        name = os.path.basename(lock.path)
        assert os.path.dirname(lock.path) == str(tmp_path / 'cache' / 'locks')
    for part in KEY:
        assert part not in name
    assert mode(tmp_path / 'cache' / 'locks') == 0o700


def test_a_secret_another_fork_created_since_the_first_read_is_taken_not_replaced(tmp_path, monkeypatch):
    """Forks starting together: one reads no secret, another creates it, then the first finds the name taken.
    It must use that secret (the same lock and cache names for both, so one login), not write its own."""
    from ansible_collections.cloutility.cloutility.plugins.module_utils import token_cache
    directory = tmp_path / 'cache'
    cache = TokenCache(str(directory))
    assert cache._ready()
    other = os.urandom(32)
    real_read = token_cache.read_private_file
    reads = []

    def read(path):
        if path.endswith(token_cache.SECRET_FILE) and not reads:
            reads.append(path)
            # The other fork wins the race right after this fork's first read.
            TokenCache(str(directory))._write(path, other, replace=False)
            return None
        return real_read(path)

    monkeypatch.setattr(token_cache, 'read_private_file', read)
    first = cache.digest(KEY)
    monkeypatch.setattr(token_cache, 'read_private_file', real_read)
    assert reads and open(os.path.join(str(directory), token_cache.SECRET_FILE), 'rb').read() == other
    assert first == TokenCache(str(directory)).digest(KEY)


def _key(user):
    return KEY[:3] + (user,) + KEY[4:]


def test_expired_entries_are_pruned_and_valid_ones_kept(tmp_path):
    directory = tmp_path / 'cache'
    cache = TokenCache(str(directory), margin=lambda lifetime: min(20, lifetime / 10))
    assert cache.prune() == 0  # the first pass (nothing to do) stamps the hour
    now = time.time()
    cache.store(_key('expired'), TOKEN, now - 5, 300)
    cache.store(_key('in-margin'), TOKEN, now + 10, 300)  # valid for 10 s, the readers' margin is 20 s: useless
    cache.store(_key('valid'), TOKEN, now + 200, 300)
    stray = directory / '.tmp-stray'
    stray.write_text('')
    os.utime(str(stray), (now - 7200, now - 7200))
    assert len(entry_files(directory)) == 3, 'the stores within the hour did not prune'
    assert cache.prune(interval=0) == 3
    assert cache.load(_key('valid'))[0] == TOKEN
    assert cache.load(_key('expired')) is None and cache.load(_key('in-margin')) is None
    assert len(entry_files(directory)) == 1 and not stray.exists()


def test_pruning_runs_at_most_once_per_interval(tmp_path):
    directory = tmp_path / 'cache'
    cache = TokenCache(str(directory))
    cache.store(_key('a'), TOKEN, time.time() + 300, 300)  # the first store prunes and stamps
    cache.store(_key('old'), TOKEN, time.time() - 5, 300)
    assert cache.prune() == 0 and len(entry_files(directory)) == 2
    stamp = directory / '.pruned'
    os.utime(str(stamp), (time.time() - 3601, time.time() - 3601))
    cache.store(_key('b'), TOKEN, time.time() + 300, 300)  # an hour later: the store prunes
    assert len(entry_files(directory)) == 2 and cache.load(_key('old')) is None


def test_a_token_stored_while_pruning_is_kept(tmp_path, monkeypatch):
    """Another task stores a fresh token under the name of an expired entry between the read and the removal."""
    directory = tmp_path / 'cache'
    cache = TokenCache(str(directory))
    cache.prune()
    cache.store(KEY, 'old-token', time.time() - 5, 300)
    real_parse = TokenCache._parse
    fresh = []

    def parse(raw):
        entry = real_parse(raw)
        if not fresh:
            fresh.append(True)
            TokenCache(str(directory)).store(KEY, TOKEN, time.time() + 300, 300)  # os.replace: a new file under the name
        return entry

    monkeypatch.setattr(TokenCache, '_parse', staticmethod(parse))
    assert cache.prune(interval=0) == 0
    monkeypatch.setattr(TokenCache, '_parse', staticmethod(real_parse))
    assert cache.load(KEY)[0] == TOKEN


def test_a_login_lock_leaves_no_file(tmp_path):
    cache = TokenCache(str(tmp_path / 'cache'))
    with cache.login_lock(KEY, 5) as lock:
        assert os.path.exists(lock.path)
    assert not os.path.exists(lock.path)
