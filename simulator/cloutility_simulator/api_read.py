"""Read side: reports, jobs, audit logs, contract, invoices, invoice files, billing.

Figures are generated deterministically from the nodes (ids, activation dates); shapes of these
objects are not documented in the guide and are inferred.
"""

import datetime
import hashlib

from flask import Blueprint, jsonify, request

from .common import href, paged, prune, query_bool, query_int, query_time, sim, state, unit_ref, user
from .store import AUDIT_TYPES, bad_request, fmt_time, no_data, not_found, now_iso, parse_time, utcnow

bp = Blueprint('cloutility_read', __name__)

DAY = datetime.timedelta(days=1)
GB = 1024 ** 3
CURRENCY = 'EUR'
PRICE_NODE = 5.0          # per node and month
PRICE_STORAGE_GB = 0.02   # per GB stored and month
PRICE_TRANSFER_GB = 0.0   # transfer is free, but reported
CONTRACT_NAME = 'Backup as a Service - standard'

WARNING_TYPES = [
    {'id': 1, 'name': 'NoActivity', 'description': 'No backup activity for more than three days'},
    {'id': 2, 'name': 'FailedBackup', 'description': 'The last scheduled backup failed'},
    {'id': 3, 'name': 'HighStorage', 'description': 'Stored data exceeds the consumption unit limitHighStorage'},
    {'id': 4, 'name': 'MissedSchedule', 'description': 'A scheduled backup was missed'},
    {'id': 5, 'name': 'OutdatedClient', 'description': 'The backup client version is outdated'},
]


def _digest(*parts):
    return int(hashlib.sha256('/'.join(str(p) for p in parts).encode()).hexdigest()[:8], 16)


def _midnight(value):
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


def _warning(type_index, message):
    """A report warning: its type as a reference (id, href), named by GET /v1/nodewarningtypes (as the guide says)."""
    kind = WARNING_TYPES[type_index]
    return {'type': {'id': kind['id'], 'href': href('nodewarningtypes', kind['id'])}, 'message': message}


def _consumer_node(unit_id, consumer_id):
    consumer = sim().consumer_for(user(), unit_id, consumer_id)
    return consumer, sim().node_of(consumer_id)


# ----------------------------------------------------------------- figures
def stored_gb(node, day):
    """Stored GB of a node on a day: a per-node base plus linear growth since activation."""
    activated = parse_time(node['activatedDate'])
    days = max(0, (day - _midnight(activated)).days)
    seed = _digest('storage', node['id'])
    return round(5 + seed % 200 + days * (0.05 + (seed % 40) / 100.0), 2)


def transferred_gb(node, day):
    seed = _digest('transfer', node['id'], day.date().isoformat())
    return round(0.5 + (seed % 3000) / 100.0, 2)


def make_report(consumer, node, day, with_status, with_warnings):
    storage = stored_gb(node, day)
    transfer = transferred_gb(node, day)
    report = {
        'href': href('bunits', consumer['businessUnitId'], 'consumers', consumer['id'], 'reports', day.date().isoformat()),
        'id': node['id'] * 100000 + (day.date() - datetime.date(2020, 1, 1)).days,
        'date': fmt_time(day),
        'consumer': {'id': consumer['id'], 'name': consumer['name']},
        'nodeId': node['id'],
        'tsmName': node.get('tsmName'),
        'storage': storage,
        'storageBytes': int(storage * GB),
        'transfer': transfer,
        'transferBytes': int(transfer * GB),
        'numberOfFiles': 10000 + _digest('files', node['id']) % 90000 + int(storage * 10),
    }
    # The day's seeded job (the one that started that day) decides, as its injected jobs do: a report never says a
    # backup failed while the jobs say it completed, nor before the job has ended.
    index = (_midnight(day) - _midnight(parse_time(node['activatedDate']))).days
    failed = index >= 0 and seeded_job_failed(node, index) and _job_times(node, index)[1] <= utcnow()
    injected = injected_jobs_of_day(node, day)
    if with_status:
        failed_today = failed or any(job['status'] == 'Failed' for job in injected)
        report['status'] = {'id': 2, 'name': 'Failed'} if failed_today else {'id': 1, 'name': 'Successful'}
    if with_warnings:
        warnings = []
        if failed:
            warnings.append(_warning(1, 'Scheduled backup ended with return code 12'))
        warnings.extend(_injected_warnings(injected))
        limit = consumer.get('limitHighStorage')
        if limit is not None and storage > limit:
            warnings.append(_warning(2, 'Stored %.2f GB exceeds the limit of %.2f GB' % (storage, limit)))
        report['warnings'] = warnings
    return report


def _injected_warnings(jobs):
    """FailedBackup for each failed job of the day, MissedSchedule for each missed one (jobs made by POST /_sim/jobs)."""
    warnings = []
    for job in jobs:
        if job['status'] == 'Failed':
            warnings.append(_warning(1, 'Scheduled backup ended with return code %s' % job['returnCode']))
        elif job['status'] == 'Missed':
            warnings.append(_warning(3, 'Scheduled backup %s was missed (window started %s)' % (INJECTED_SCHEDULE, job['started'])))
    return warnings


def report_days(node, start, end):
    if not node or not node.get('activatedDate'):
        return []
    first = _midnight(parse_time(node['activatedDate'])) + DAY
    last = _midnight(min(end, utcnow()))
    day = max(_midnight(start), first)
    days = []
    while day <= last and len(days) < 3660:
        days.append(day)
        day += DAY
    return days


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/reports', methods=['GET'])
def reports(unit_id, consumer_id):
    consumer, node = _consumer_node(unit_id, consumer_id)
    end = query_time('endDate', utcnow())
    start = query_time('startDate', end - 30 * DAY)
    if start > end:
        raise bad_request('startDate must not be after endDate')
    with_status = query_bool('status', False)
    with_warnings = query_bool('warnings', False)
    items = [make_report(consumer, node, day, with_status, with_warnings) for day in report_days(node, start, end)]
    if not items and sim().strict:
        raise no_data('No reports found for consumption unit %d (%s) between %s and %s' % (consumer_id, consumer['name'], fmt_time(start), fmt_time(end)))
    return jsonify(paged(items, href('bunits', unit_id, 'consumers', consumer_id, 'reports'), 'NodeReport'))


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/reports/latest', methods=['GET'])
def report_latest(unit_id, consumer_id):
    consumer, node = _consumer_node(unit_id, consumer_id)
    query_int('userId')
    days = report_days(node, utcnow() - 2 * DAY, utcnow())
    if not days:
        raise not_found('Consumption unit %d (%s) has no reports yet' % (consumer_id, consumer['name']))
    return jsonify(make_report(consumer, node, days[-1], True, True))


@bp.route('/v1/nodewarningtypes', methods=['GET'])
def warning_types():
    items = [dict(w, href=href('nodewarningtypes', w['id'])) for w in WARNING_TYPES]
    return jsonify(paged(items, href('nodewarningtypes'), 'NodeWarningType'))


# ----------------------------------------------------------------- jobs
def _job_times(node, index):
    first_day = _midnight(parse_time(node['activatedDate']))
    seed = _digest('job', node['id'], index)
    if index == 0:
        started = parse_time(node['activatedDate']) + datetime.timedelta(hours=2)
    else:
        started = first_day + index * DAY + datetime.timedelta(hours=22, minutes=seed % 50)
    completed = started + datetime.timedelta(minutes=5 + seed % 90)
    return started, completed


def seeded_job_failed(node, index):
    """Whether the node's seeded job ``index`` failed: about one night in nineteen, fixed per node and night."""
    return _digest('job', node['id'], index) % 19 == 0


def make_job(consumer, node, index):
    started, completed = _job_times(node, index)
    seed = _digest('job', node['id'], index)
    failed = seeded_job_failed(node, index)
    return {
        'href': href('bunits', consumer['businessUnitId'], 'consumers', consumer['id'], 'jobs', node['id'] * 100000 + index),
        'id': node['id'] * 100000 + index,
        'type': 'Backup',
        'scheduleName': 'DAILY_2200' if index else 'INITIAL',
        'status': 'Failed' if failed else 'Completed',
        'returnCode': 12 if failed else 0,
        'started': fmt_time(started),
        'completed': fmt_time(completed),
        'duration': int((completed - started).total_seconds()),
        'transferredBytes': int(transferred_gb(node, started) * GB),
        'numberOfFiles': 100 + seed % 20000,
        'tsmName': node.get('tsmName'),
        'consumer': {'id': consumer['id'], 'name': consumer['name']},
    }


def bogus_first_job(job):
    """The guide warns that jobs/first has bogus values apart from the dates."""
    job = dict(job)
    for key, value in (('type', ''), ('scheduleName', ''), ('status', ''), ('returnCode', 0), ('duration', 0), ('transferredBytes', 0),
                       ('numberOfFiles', 0), ('tsmName', '')):
        job[key] = value
    return job


INJECTED_JOB_STATUSES = {'Failed': 12, 'Warning': 4, 'Completed': 0, 'Missed': None}  # status: default returnCode
INJECTED_JOB_BASE = 900000000
INJECTED_SCHEDULE = 'DAILY_2200'


def injected_job_id(count):
    """Id of the count-th job made by POST /_sim/jobs: 900090000, 900090001, ... The last five digits of a generated
    job id (node id * 100000 + index) are its index, never above about 5000; these ids end in 90000-99999."""
    return INJECTED_JOB_BASE + (count // 10000) * 100000 + 90000 + count % 10000


def add_injected_job(consumer, node, status, started, return_code, duration):
    """Store a job of ``status`` that started at ``started`` (aware datetime); answer it as GET .../jobs serves it."""
    st = state()
    count = st['nextIds'].get('injectedJob', 0)
    st['nextIds']['injectedJob'] = count + 1
    if status == 'Missed':
        duration = 0
    record = {
        'id': injected_job_id(count),
        'consumerId': consumer['id'],
        'nodeId': node['id'],
        'status': status,
        'returnCode': return_code,
        'started': fmt_time(started),
        'completed': fmt_time(started + datetime.timedelta(seconds=duration)),
        'duration': duration,
    }
    st['injectedJobs'].append(record)
    return render_injected_job(consumer, node, record)


def render_injected_job(consumer, node, record):
    """An injected job in the shape of the generated ones; a missed job moved no data."""
    missed = record['status'] == 'Missed'
    seed = _digest('injected-job', record['id'])
    transferred = int(transferred_gb(node, parse_time(record['started'])) * GB)
    if record['status'] == 'Failed':
        transferred //= 10
    return {
        'href': href('bunits', consumer['businessUnitId'], 'consumers', consumer['id'], 'jobs', record['id']),
        'id': record['id'],
        'type': 'Backup',
        'scheduleName': INJECTED_SCHEDULE,
        'status': record['status'],
        'returnCode': record['returnCode'],
        'started': record['started'],
        'completed': record['completed'],
        'duration': record['duration'],
        'transferredBytes': 0 if missed else transferred,
        'numberOfFiles': 0 if missed else 100 + seed % 20000,
        'tsmName': node.get('tsmName'),
        'consumer': {'id': consumer['id'], 'name': consumer['name']},
    }


def injected_records(node):
    """The stored injected jobs of this node (not those of an earlier node of the same consumption unit)."""
    if not node:
        return []
    return [r for r in state()['injectedJobs'] if r['nodeId'] == node['id'] and r['consumerId'] == node['consumerId']]


def injected_jobs_of_day(node, day):
    """Injected jobs of the node that started on the (UTC) day of ``day``."""
    date = day.date().isoformat()
    return [r for r in injected_records(node) if r['started'][:10] == date]


def _first_job(consumer, node):
    """The job that completed first (a generated or an injected one, completed by now), or None."""
    candidates = []
    if node is not None and node.get('activatedDate') and _job_times(node, 0)[1] <= utcnow():
        candidates.append(make_job(consumer, node, 0))
    candidates.extend(render_injected_job(consumer, node, r) for r in injected_records(node) if parse_time(r['completed']) <= utcnow())
    return min(candidates, key=lambda job: (parse_time(job['completed']), job['id'])) if candidates else None


def jobs_between(consumer, node, start, end):
    """Generated and injected jobs whose ``completed`` is in [start, end], sorted by completion time."""
    items = _generated_jobs_between(consumer, node, start, end)
    items.extend(render_injected_job(consumer, node, r) for r in injected_records(node) if start <= parse_time(r['completed']) <= end)
    items.sort(key=lambda job: (parse_time(job['completed']), job['id']))
    return items


def _generated_jobs_between(consumer, node, start, end):
    items = []
    if not node or not node.get('activatedDate'):
        return items
    index = 0
    while True:
        started, completed = _job_times(node, index)
        if started > end or started > utcnow() or index > 5000:
            break
        if start <= completed <= utcnow():
            items.append(make_job(consumer, node, index))
        index += 1
    return items


def _job_list(unit_id, consumer_id, from_first):
    consumer, node = _consumer_node(unit_id, consumer_id)
    has_range = request.args.get('startTime') or request.args.get('endTime')
    first = _first_job(consumer, node)
    if from_first and not has_range:
        if first is None:
            raise not_found('Consumption unit %d (%s) has no jobs yet' % (consumer_id, consumer['name']))
        return jsonify(bogus_first_job(first))
    end = query_time('endTime', utcnow())
    start = query_time('startTime', end - DAY)
    if start > end:
        raise bad_request('startTime must not be after endTime')
    if first is not None and request.args.get('startTime'):
        first_completed = parse_time(first['completed'])
        if start < first_completed:
            raise bad_request('startTime %s is before the completion of the first job (%s); startTime must be greater than or equal to the '
                              '"completed" value of GET .../jobs/first' % (fmt_time(start), fmt_time(first_completed)))
    items = jobs_between(consumer, node, start, end)
    if not items and sim().strict:
        raise no_data('No jobs found for consumption unit %d (%s) between %s and %s' % (consumer_id, consumer['name'], fmt_time(start), fmt_time(end)))
    return jsonify(paged(items, href('bunits', unit_id, 'consumers', consumer_id, 'jobs'), 'Job'))


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/jobs/first', methods=['GET'])
def jobs_first(unit_id, consumer_id):
    return _job_list(unit_id, consumer_id, from_first=True)


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/jobs', methods=['GET'])
def jobs(unit_id, consumer_id):
    return _job_list(unit_id, consumer_id, from_first=False)


# ----------------------------------------------------------------- audit logs
def _audit_query(entries, collection_href):
    start = query_time('startTime') or query_time('startDate')
    end = query_time('endTime') or query_time('endDate')
    types = request.args.getlist('types')
    wanted = set()
    for value in types:
        for part in value.split(','):
            if part.strip():
                if not part.strip().isdigit() or int(part) not in AUDIT_TYPES:
                    raise bad_request('types must be among 0, 100, 200, 300, 400 (got %r)' % part)
                wanted.add(int(part))
    result = []
    for entry in entries:
        when = parse_time(entry['time'])
        if start and when < start or end and when > end:
            continue
        if wanted and entry['type'] not in wanted:
            continue
        result.append(prune(dict(entry, href=href('auditlogs', entry['id']))))
    result.sort(key=lambda e: (e['time'], e['id']), reverse=query_bool('orderDesc', False))
    return paged(result, collection_href, 'AuditLog')


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/auditlogs', methods=['GET'])
def consumer_auditlogs(unit_id, consumer_id):
    sim().consumer_for(user(), unit_id, consumer_id)
    query_bool('includeDescendants', False)
    entries = [e for e in state()['auditLogs'] if e.get('consumerId') == consumer_id]
    answer = _audit_query(entries, href('bunits', unit_id, 'consumers', consumer_id, 'auditlogs'))
    if not answer['total'] and sim().strict:
        raise no_data('No audit log entries found for consumption unit %d' % consumer_id)
    return jsonify(answer)


@bp.route('/v1/bunits/<int:unit_id>/auditlogs', methods=['GET'])
def unit_auditlogs(unit_id):
    sim().unit_for(user(), unit_id)
    units = set(sim().units_under(unit_id)) if query_bool('includeDescendants', False) else {unit_id}
    entries = [e for e in state()['auditLogs'] if e.get('businessUnitId') in units]
    return jsonify(_audit_query(entries, href('bunits', unit_id, 'auditlogs')))


# ----------------------------------------------------------------- contract, billing, invoices
def _month_start(value):
    return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _add_months(value, count):
    month = value.month - 1 + count
    return value.replace(year=value.year + month // 12, month=month % 12 + 1, day=1)


def nodes_in_month(unit_id, month):
    """Current and deleted nodes of the unit and its descendants that existed during the month."""
    st = state()
    units = set(sim().units_under(unit_id))
    end = _add_months(month, 1)
    rows = []
    candidates = []
    for node in st['nodes'].values():
        consumer = st['consumers'].get(node['consumerId'])
        if consumer is not None:
            candidates.append((node, consumer['businessUnitId'], consumer['name'], None))
    for node in st['deletedNodes']:
        candidates.append((node, node['businessUnitId'], node.get('consumerName'), parse_time(node['deletedDate'])))
    for node, node_unit, consumer_name, deleted in candidates:
        if node_unit not in units:
            continue
        created = parse_time(node['createdDate'])
        if created >= end or (deleted is not None and deleted < month):
            continue
        rows.append((node, node_unit, consumer_name, created, deleted))
    return sorted(rows, key=lambda r: r[0]['id'])


def _usage(unit_id, month, preliminary):
    """Rows and total of the usage month ``month`` (first instant of the month)."""
    end = _add_months(month, 1)
    rows = []
    total = 0.0
    for node, node_unit, consumer_name, created, deleted in nodes_in_month(unit_id, month):
        from_day = max(created, month)
        to_day = min(deleted or end, end, utcnow()) if not preliminary else min(deleted or end, end)
        days = max(0, (to_day - from_day).days) + (1 if to_day > from_day else 0)
        days = min(days, (end - month).days)
        month_days = (end - month).days
        activated = node.get('activatedDate') and parse_time(node['activatedDate']) < end
        storage = stored_gb(node, min(to_day, end) - DAY) if activated else 0.0
        transfer = round(sum(transferred_gb(node, month + i * DAY) for i in range(0, month_days, 7)), 2) if activated else 0.0
        node_fee = round(PRICE_NODE * days / month_days, 2) if activated else 0.0
        storage_fee = round(storage * PRICE_STORAGE_GB, 2)
        amount = round(node_fee + storage_fee + transfer * PRICE_TRANSFER_GB, 2)
        total += amount
        rows.append(prune({
            'consumer': {'id': node['consumerId'], 'name': consumer_name},
            'nodeId': node['id'],
            'tsmName': node.get('tsmName'),
            'businessUnit': unit_ref(node_unit) or {'id': node_unit},
            'activeDays': days,
            'storageGB': storage,
            'transferGB': transfer,
            'nodeFee': node_fee,
            'storageFee': storage_fee,
            'amount': amount,
            'deleted': deleted is not None or None,
        }))
    return rows, round(total, 2)


def _period(month):
    """periodStart and periodEnd of a usage month: its first instant and its last millisecond."""
    return fmt_time(month), fmt_time(_add_months(month, 1) - datetime.timedelta(milliseconds=1))


def _billing_id(unit_id, invoice_date):
    """A stable id of the billing data of a unit and invoice date (the same on every read)."""
    return unit_id * 100000 + invoice_date.year * 12 + invoice_date.month


def _invoice_lines(unit_id, invoice_date, rows, month, with_dates):
    """The published Invoice of billing data: one line per product of the contract (node, storage, transfer), each
    with the usage month as its startDate / endDate (left out with billing_period_keys false)."""
    period_start, period_end = _period(month)
    created = fmt_time(invoice_date)
    base = _billing_id(unit_id, invoice_date) * 10
    products = (
        (1, 'Backup node', PRICE_NODE, round(sum(r.get('nodeFee', 0.0) for r in rows) / PRICE_NODE, 4), 'node/month'),
        (2, 'Backup storage', PRICE_STORAGE_GB, round(sum(r.get('storageGB', 0.0) for r in rows), 2), 'GB/month'),
        (3, 'Data transfer', PRICE_TRANSFER_GB, round(sum(r.get('transferGB', 0.0) for r in rows), 2), 'GB'),
    )
    lines = []
    for product_id, name, price, quantity, unit in products:
        line = {'id': base + product_id, 'createdDate': created, 'subscription': {'id': 600 + unit_id, 'name': CONTRACT_NAME},
                'product': {'id': product_id, 'name': name}, 'startDate': period_start, 'endDate': period_end,
                'unitPrice': price, 'quantity': quantity, 'note': unit}
        if not with_dates:
            del line['startDate'], line['endDate']
        lines.append(line)
    date = invoice_date.date().isoformat()
    return {'href': href('bunits', unit_id, 'invoices', date), 'id': base, 'createdDate': created,
            'payingBusinessUnit': unit_ref(unit_id), 'lines': lines}


def billing_data(unit_id, invoice_date):
    """The billing data with invoice date ``invoice_date`` (day 1 of a month): the usage of the month before it, as
    the invoice of that date (_invoice). Preliminary while that month is running or ahead.

    The published fields by default (BillingData of the vendor's resource model: id, createdDate, invoiceDate,
    invoiceDateStr, summary, billingBusinessUnit, invoices with lines that carry startDate / endDate), plus the
    simulator's own figures (preliminary, currency, total, nodeCount, rows). Switch billing_guessed_keys: the keys
    earlier versions guessed instead (date, periodStart, periodEnd, businessUnit). Switch billing_period_keys false: no
    period (no startDate / endDate on the lines; no periodStart / periodEnd)."""
    month = _add_months(invoice_date, -1)
    preliminary = month >= _month_start(utcnow())
    rows, total = _usage(unit_id, month, preliminary)
    date = invoice_date.date().isoformat()
    with_period = sim().switch('billing_period_keys')
    if sim().switch('billing_guessed_keys'):
        period_start, period_end = _period(month)
        data = {'href': href('bunits', unit_id, 'billing', date), 'date': date}
        if with_period:
            data.update(periodStart=period_start, periodEnd=period_end)
        data['businessUnit'] = unit_ref(unit_id)
    else:
        data = {
            'href': href('bunits', unit_id, 'billing', date),
            'id': _billing_id(unit_id, invoice_date),
            'createdDate': fmt_time(invoice_date),
            'invoiceDate': fmt_time(invoice_date),
            'invoiceDateStr': date,
            'summary': [{'currency': CURRENCY, 'total': total}],
            'billingBusinessUnit': unit_ref(unit_id),
            'invoices': [_invoice_lines(unit_id, invoice_date, rows, month, with_period)],
        }
    data.update({'preliminary': preliminary, 'currency': CURRENCY, 'nodeCount': len(rows), 'total': total, 'rows': rows})
    return data


def _first_invoice_date(unit):
    """The first invoice date of a unit: day 1 of the month after the month it was created in."""
    return _add_months(_month_start(parse_time(unit.get('createdDate') or now_iso())), 1)


def _invoice_dates(unit, include_next=0):
    """Invoice dates (day 1 of a month) from the unit's first one up to the first day of the current month (final: it
    covers last month), plus ``include_next`` upcoming ones (the next covers the running month: preliminary)."""
    current = _month_start(utcnow())
    dates = []
    date = _first_invoice_date(unit)
    while date <= _add_months(current, include_next):
        dates.append(date)
        date = _add_months(date, 1)
    return dates


def _date_param(text):
    try:
        return datetime.datetime.strptime(text, '%Y-%m-%d').replace(tzinfo=datetime.timezone.utc)
    except ValueError as exc:
        raise bad_request('The date must have the format YYYY-MM-DD, not %r' % text) from exc


def _billing_invoice_date(text, unit):
    """The invoice date a billing request names. Strict: only day 1 of a month (an invoice date); lenient: any day of a
    month stands for that month's invoice date. 404 before the unit's first invoice date or more than 13 months ahead."""
    value = _date_param(text)
    invoice_date = _month_start(value)
    if sim().strict and value != invoice_date:
        raise not_found('No billing period with invoice date %s in business unit %d (invoice dates are the first day of a month)' % (
            text, unit['id']))
    if invoice_date < _first_invoice_date(unit) or invoice_date > _add_months(_month_start(utcnow()), 13):
        raise not_found('No billing period for %s in business unit %d' % (text, unit['id']))
    return invoice_date


@bp.route('/v1/bunits/<int:unit_id>/billing', methods=['GET'])
def billing(unit_id):
    unit = sim().unit_for(user(), unit_id)
    include_next = query_int('includeNext', 0, minimum=0)
    items = [billing_data(unit_id, d) for d in _invoice_dates(unit, include_next)]
    items.reverse()
    return jsonify(paged(items, href('bunits', unit_id, 'billing'), 'BillingData'))


@bp.route('/v1/bunits/<int:unit_id>/billing/<date>', methods=['GET'])
def billing_month(unit_id, date):
    unit = sim().unit_for(user(), unit_id)
    return jsonify(billing_data(unit_id, _billing_invoice_date(date, unit)))


@bp.route('/v1/bunits/<int:unit_id>/contract', methods=['GET'])
def contract(unit_id):
    unit = sim().unit_for(user(), unit_id)
    return jsonify({
        'href': href('bunits', unit_id, 'contract'),
        'id': 600 + unit_id,
        'name': CONTRACT_NAME,
        'businessUnit': unit_ref(unit_id),
        'startDate': unit.get('createdDate'),
        'currency': CURRENCY,
        'invoiceDay': unit.get('invoiceDay', 0),
        'products': [
            {'id': 1, 'name': 'Backup node', 'unit': 'node/month', 'price': PRICE_NODE},
            {'id': 2, 'name': 'Backup storage', 'unit': 'GB/month', 'price': PRICE_STORAGE_GB},
            {'id': 3, 'name': 'Data transfer', 'unit': 'GB', 'price': PRICE_TRANSFER_GB},
        ],
    })


def _invoice(unit_id, invoice_date, detailed):
    """The invoice dated ``invoice_date``: the usage of the month before, as the billing data of that date."""
    month = _add_months(invoice_date, -1)
    rows, total = _usage(unit_id, month, False)
    date = invoice_date.date().isoformat()
    period_start, period_end = _period(month)
    invoice = {
        'href': href('bunits', unit_id, 'invoices', date),
        'date': date,
        'periodStart': period_start,
        'periodEnd': period_end,
        'businessUnit': unit_ref(unit_id),
        'currency': CURRENCY,
        'amount': total,
        'nodeCount': len(rows),
    }
    if detailed:
        invoice['rows'] = rows
    return invoice


@bp.route('/v1/bunits/<int:unit_id>/invoices', methods=['GET'])
def invoices(unit_id):
    unit = sim().unit_for(user(), unit_id)
    items = [_invoice(unit_id, d, False) for d in _invoice_dates(unit)]
    items.reverse()
    return jsonify(paged(items, href('bunits', unit_id, 'invoices'), 'Invoice'))


@bp.route('/v1/bunits/<int:unit_id>/invoices/<date>', methods=['GET'])
def invoice(unit_id, date):
    unit = sim().unit_for(user(), unit_id)
    invoice_date = _month_start(_date_param(date))
    if invoice_date > _month_start(utcnow()) or invoice_date < _first_invoice_date(unit):
        raise not_found('No invoice dated %s for business unit %d' % (date, unit_id))
    return jsonify(_invoice(unit_id, invoice_date, True))


@bp.route('/v1/bunits/<int:unit_id>/invoicefiles', methods=['GET'])
def invoice_files(unit_id):
    sim().unit_for(user(), unit_id)
    items = [prune(dict(f, href=href('bunits', unit_id, 'invoicefiles', f['id']))) for f in state()['invoiceFiles'] if f['businessUnitId'] == unit_id]
    return jsonify(paged(items, href('bunits', unit_id, 'invoicefiles'), 'InvoiceFile'))


@bp.route('/v1/bunits/<int:unit_id>/invoicefiles', methods=['POST'])
def invoice_file_upload(unit_id):
    unit = sim().unit_for(user(), unit_id)
    send = query_bool('sendToBillingAddress', False)
    files = list(request.files.values())
    if not files:
        raise bad_request('Upload the invoice as a multipart/form-data file part')
    upload = files[0]
    content = upload.read()
    entry = {
        'id': sim().next_id('invoiceFile'),
        'businessUnitId': unit_id,
        'fileName': upload.filename or 'invoice',
        'contentType': upload.mimetype or 'application/octet-stream',
        'size': len(content),
        'sha256': hashlib.sha256(content).hexdigest(),
        'erpReference': request.args.get('erpReference') or None,
        'sendToBillingAddress': send,
        'uploadedDate': now_iso(),
        'uploadedBy': user()['email'],
    }
    state()['invoiceFiles'].append(prune(entry))
    sim().audit(user(), 100, 'Invoice file "%s" uploaded to "%s"' % (entry['fileName'], unit['name']), unit_id=unit_id, object_type='InvoiceFile',
                object_id=entry['id'])
    return jsonify(prune(dict(entry, href=href('bunits', unit_id, 'invoicefiles', entry['id'])))), 201
