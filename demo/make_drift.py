# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make manual changes through the Cloutility API, as a person at the portal would, for the audit demo.

    python demo/make_drift.py http://127.0.0.1:8180

Changes the policy domain of one demo host's node and deletes another demo host's consumption unit
(with its node), then prints what it did. Credentials: CLOUTILITY_* environment variables, else the
simulator's seed credentials.
"""

import argparse
import os
import sys

import requests

SEED = dict(client_id='ansible-demo', origin='https://ansible.example.com', username='ansible@example.com', password='Sim-Passw0rd!')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('base_url', help='API base URL, with or without /v1 (e.g. http://127.0.0.1:8180)')
    parser.add_argument('--bunit', default='Contoso', help='business unit of the node to change (default: Contoso)')
    parser.add_argument('--change', default='ct-web01.contoso.example', help='consumption unit whose node domain changes')
    parser.add_argument('--domain', default='90DAYS', help='the new policy domain (default: 90DAYS)')
    parser.add_argument('--delete-bunit', default='Fabrikam', help='business unit of the unit to delete (default: Fabrikam)')
    parser.add_argument('--delete', default='fab-ws03.fabrikam.example', help='consumption unit to delete with its node')
    args = parser.parse_args()

    cred = dict((key, os.environ.get('CLOUTILITY_' + key.upper()) or value) for key, value in SEED.items())
    base = args.base_url.rstrip('/')
    base = base if base.endswith('/v1') else base + '/v1'
    session = requests.Session()
    session.headers['Origin'] = cred['origin']
    token = session.post(base + '/oauth', data=dict(client_id=cred['client_id'], grant_type='password',
                                                    username=cred['username'], password=cred['password']), timeout=30)
    if token.status_code != 200:
        sys.exit('Login failed: HTTP %s %s' % (token.status_code, token.text[:200]))
    session.headers['Authorization'] = 'Bearer ' + token.json()['access_token']

    def call(method, path, **kwargs):
        response = session.request(method, base + path, timeout=30, **kwargs)
        if response.status_code >= 400:
            sys.exit('%s %s failed: HTTP %s %s' % (method, path, response.status_code, response.text[:300]))
        return response.json() if response.content else None

    def units(tree):
        yield tree
        for child in tree.get('businessUnits') or []:
            yield from units(child)

    def bunit_id(name):
        found = [unit for unit in units(call('GET', '/bunits')) if unit['name'] == name]
        if len(found) != 1:
            sys.exit('Business unit %s: %d matches' % (name, len(found)))
        return found[0]['id']

    def consumer(unit, name):
        items, offset = [], 0
        while True:
            page = call('GET', '/bunits/%s/consumers' % unit, params={'offset': offset} if offset else None)
            batch = page.get('items') or [] if isinstance(page, dict) else page
            items += batch
            if not isinstance(page, dict) or not batch or len(items) >= int(page.get('total') or 0):
                break
            offset = len(items)
        found = [item for item in items if item.get('name') == name]
        if len(found) != 1:
            sys.exit('Consumption unit %s in business unit %s: %d matches (run demo/site.yml first)' % (name, unit, len(found)))
        return found[0]['id']

    unit = bunit_id(args.bunit)
    cid = consumer(unit, args.change)
    node_path = '/bunits/%s/consumers/%s/node' % (unit, cid)
    node = call('GET', node_path)
    domains = call('GET', '/bunits/%s/defaultserver/domains' % unit)
    domains = domains.get('items', []) if isinstance(domains, dict) else domains
    new = [item for item in domains if item['name'] == args.domain]
    if len(new) != 1:
        sys.exit('Domain %s not offered; valid: %s' % (args.domain, ', '.join(item['name'] for item in domains)))
    old = (node.get('domain') or {}).get('name')
    node['domain'] = {'id': new[0]['id'], 'name': new[0]['name']}
    node.pop('tsmPassword', None)
    call('PUT', node_path, json=node)
    print('Changed the policy domain of %s (node %s) in %s: %s -> %s' % (args.change, node.get('tsmName'), args.bunit, old, args.domain))

    unit = bunit_id(args.delete_bunit)
    cid = consumer(unit, args.delete)
    call('DELETE', '/bunits/%s/consumers/%s' % (unit, cid),
         params={'deleteAssociations': 'true', 'deletionComment': 'demo: manual change outside Ansible'})
    print('Deleted consumption unit %s (id %s, with its backup node) from %s' % (args.delete, cid, args.delete_bunit))


if __name__ == '__main__':
    main()
