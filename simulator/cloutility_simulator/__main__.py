"""Command line: python -m cloutility_simulator --host 127.0.0.1 --port 8180 [--port-file F] ..."""

import argparse
import os
import sys

from werkzeug.serving import make_server

from .app import create_app
from .store import DEFAULT_PAGE_SIZE, DEFAULT_TOKEN_LIFETIME, ID_ORDERS, PAGE_SHIFT_MODES, SPNAME_FORMS, Simulator
from .testing import PortalRequestHandler, QuietRequestHandler


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog='python -m cloutility_simulator', description='Cloutility REST API simulator')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8180, help='0 picks a free port')
    parser.add_argument('--port-file', help='write the chosen port to this file once listening')
    parser.add_argument('--seed', help='seed JSON file (default: the packaged seed/default.json)')
    parser.add_argument('--page-size', type=int, default=DEFAULT_PAGE_SIZE)
    parser.add_argument('--token-lifetime', type=int, default=DEFAULT_TOKEN_LIFETIME, help='access token lifetime in seconds')
    parser.add_argument('--latency-ms', type=int, default=0,
                        help='answer every API request this many milliseconds late (the latency fault; /_sim/config key latency_ms)')
    parser.add_argument('--quiet', action='store_true', help='do not log every request')
    parser.add_argument('--strict', action='store_true',
                        help='answer the strict way: no /v1/nodewarningtypes route, 404 for reports, jobs and audit logs with no data')
    parser.add_argument('--node-delete-needs-associations', action='store_true',
                        help='a node DELETE without deleteAssociations=true deletes the node and leaves its consumption unit')
    parser.add_argument('--consumer-delete-ignores-associations', action='store_true',
                        help='a consumption unit DELETE deletes the unit and its node whatever deleteAssociations says')
    parser.add_argument('--no-billing-period-keys', action='store_true',
                        help='billing data without its period: no startDate / endDate on its invoice lines (with '
                             '--billing-guessed-keys: no periodStart / periodEnd)')
    parser.add_argument('--billing-guessed-keys', action='store_true',
                        help='billing data with the keys earlier versions guessed (date, periodStart, periodEnd), not the '
                             'published ones (invoiceDate, invoiceDateStr, invoices with lines)')
    parser.add_argument('--spname-form', choices=SPNAME_FORMS, default='json', help='how GET .../node/spname answers (default json)')
    parser.add_argument('--clock-offset-s', type=float, default=0,
                        help="the portal's clock is this many seconds off (negative: behind): Date headers, createdDates, job times")
    parser.add_argument('--spname-override', help='GET .../node/spname answers this name (e.g. 12345) instead of its suggestion')
    parser.add_argument('--id-order', choices=ID_ORDERS, default='growing',
                        help='random: hand out unique ids in no order (seeded), also below existing ones')
    parser.add_argument('--page-shift-rate', type=float, default=0.0,
                        help='share (0 to 1) of page reads past the first served as if a unit before the offset had just gone or come')
    parser.add_argument('--page-shift-mode', choices=PAGE_SHIFT_MODES, default='any',
                        help='how a shifted page moved: delete, create, cancel (a delete and a create; total unchanged) or any')
    parser.add_argument('--conflict-status', type=int, default=409,
                        help='status of a refused race write (a second node, an activated node, a node name in use); e.g. 400')
    parser.add_argument('--created-resolution', type=float, default=0,
                        help='stamp createdDate to whole multiples of this many seconds (1: whole seconds, so ties happen)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    simulator = Simulator(seed=args.seed, page_size=args.page_size, token_lifetime=args.token_lifetime, strict=args.strict,
                          latency_ms=max(args.latency_ms, 0), node_delete_needs_associations=args.node_delete_needs_associations,
                          consumer_delete_ignores_associations=args.consumer_delete_ignores_associations,
                          spname_form=args.spname_form, spname_override=args.spname_override,
                          billing_period_keys=not args.no_billing_period_keys, billing_guessed_keys=args.billing_guessed_keys,
                          clock_offset_s=args.clock_offset_s, id_order=args.id_order,
                          page_shift_rate=args.page_shift_rate, page_shift_mode=args.page_shift_mode,
                          conflict_status=args.conflict_status, created_resolution=args.created_resolution)
    app = create_app(simulator=simulator)
    server = make_server(args.host, args.port, app, threaded=True, request_handler=QuietRequestHandler if args.quiet else PortalRequestHandler)
    url = 'http://%s:%d' % (args.host, server.port)
    print('Cloutility simulator listening on %s (API %s/v1, admin %s/_sim/)' % (url, url, url), flush=True)
    if args.port_file:
        tmp = args.port_file + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as handle:
            handle.write('%d\n' % server.port)
        os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
