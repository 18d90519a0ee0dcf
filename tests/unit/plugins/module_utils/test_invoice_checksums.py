# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of resources/invoice_file.py's checksums."""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.invoice_file import compare_checksum, file_checksums


def test_compare_checksum():
    sums = file_checksums(b'%PDF-1.4 test')
    assert compare_checksum({'sha256': sums['sha256']}, sums) is True
    assert compare_checksum({'sha256': 'ab' * 32}, sums) is False
    assert compare_checksum({'md5': sums['md5'].upper()}, sums) is True
    assert compare_checksum({'checksum': 'sha1:' + sums['sha1']}, sums) is True
    assert compare_checksum({'fileName': 'a.pdf', 'size': 13}, sums) is None
