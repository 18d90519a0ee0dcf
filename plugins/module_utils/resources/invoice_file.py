# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Invoice files of a business unit (cloutility_invoice_file): checksums, the upload, the plan.

Plain Python, no Ansible.
"""

from __future__ import annotations

import hashlib
import os

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import Plan, Step, object_lock


# ----------------------------------------------------------------------------- files
def file_checksums(content):
    return dict(md5=hashlib.md5(content).hexdigest(), sha1=hashlib.sha1(content).hexdigest(),
                sha256=hashlib.sha256(content).hexdigest())


_NAME_KEYS = ('fileName', 'filename', 'name', 'originalFileName')


_CHECKSUM_KEYS = (('sha256', 'sha256'), ('sha1', 'sha1'), ('md5', 'md5'), ('checksum', None), ('hash', None))


def file_name_of(item):
    for key in _NAME_KEYS:
        if isinstance(item.get(key), str) and item[key]:
            return item[key]
    return None


def compare_checksum(item, checksums):
    """True/False when the uploaded file's checksum can be read back and compared, None otherwise."""
    for key, algorithm in _CHECKSUM_KEYS:
        value = item.get(key)
        if not isinstance(value, str) or not value:
            continue
        value = value.strip().lower()
        if ':' in value:
            algorithm, value = value.split(':', 1)
        if algorithm in checksums:
            return checksums[algorithm] == value
        return value in checksums.values()
    return None


def upload_file(client, path, filename, content, params=None, content_type='application/pdf'):
    """POST one file as multipart/form-data (field ``file``).

    Never retried: the caller re-reads the file list to see whether an interrupted upload took effect.
    """
    return client.request('POST', path, params=params, files={'file': (filename, content, content_type)})


# ---------------------------------------------------------------------------- cloutility_invoice_file
def read_pdf(src):
    """The content of the PDF file ``src``, read before any request; a file that is missing or no PDF is refused."""
    if not os.path.isfile(src):
        raise CloutilityError('src %s is not a file' % src)
    try:
        with open(src, 'rb') as handle:
            content = handle.read()
    except (IOError, OSError) as exc:
        raise CloutilityError('Cannot read src %s: %s' % (src, exc.strerror or exc))
    if not content.startswith(b'%PDF-'):
        raise CloutilityError('src %s is not a PDF file (it does not start with %%PDF-)' % src)
    return content


def ensure_invoice_file(client, tree, params, check_mode=False):
    """cloutility_invoice_file: upload the PDF ``src`` as an invoice file of a business unit unless the same file is there."""
    content = read_pdf(params['src'])
    name = params.get('file_name') or os.path.basename(params['src'])
    if not name.strip() or '/' in name:
        raise CloutilityError("file_name must be a plain file name, got '%s'" % name)
    checksums = file_checksums(content)
    unit = tree.resolve(params.get('bunit'))
    path = endpoint('invoice_files', bunit=unit['id'])
    result = dict(checksum=checksums['sha256'], bunit_id=unit['id'])

    def same_name():
        items, _answer = client.collect(path)
        return [item for item in items or [] if isinstance(item, dict) and file_name_of(item) == name]

    with object_lock(client, unit['id'], 'invoicefile', name):
        existing = same_name()
        ids_before = set(entry.get('id') for entry in existing)
        match = None
        reason = 'no file of this name yet'
        same = [entry for entry in existing if compare_checksum(entry, checksums)]
        unknown = [entry for entry in existing if compare_checksum(entry, checksums) is None]
        if same:
            match, reason = same[-1], 'a file of this name and content is already uploaded'
        elif unknown and not params.get('force'):
            match = unknown[-1]
            reason = 'a file of this name is already uploaded; its content cannot be read back (force=true uploads anyway)'
        elif unknown:
            reason = 'force=true: a file of this name is uploaded, its content cannot be compared'
        elif existing:
            reason = 'the uploaded file of this name has different content'
        if match is not None:
            result.update(changed=False, uploaded=False, reason=reason, invoice_file=match, diff=dict(before=match, after=match))
            return result

        before = existing[-1] if existing else {}
        query = dict(sendToBillingAddress=str(bool(params.get('send_to_billing_address'))).lower())
        predicted = dict(fileName=name, sendToBillingAddress=bool(params.get('send_to_billing_address')))
        if params.get('erp_reference'):
            query['erpReference'] = params['erp_reference']
            predicted['erpReference'] = params['erp_reference']

        def new_file(ctx=None):
            fresh = [entry for entry in same_name() if entry.get('id') not in ids_before]
            return fresh[-1] if fresh else None

        def took(ctx, answer):
            ctx['file'] = answer if isinstance(answer, dict) and answer else (new_file() or predicted)

        ctx = dict(file=predicted)
        step = Step('upload_file', "upload invoice file '%s'" % name, send=lambda ctx: upload_file(client, path, name, content, params=query),
                    verify=new_file, apply=took, predict=lambda ctx: ctx.update(file=predicted), changed_keys=['invoice_file'])
        Plan([step]).run(ctx, check_mode, client)
    result.update(changed=True, uploaded=True, reason=reason, invoice_file=ctx['file'], diff=dict(before=before, after=ctx['file']))
    return result
