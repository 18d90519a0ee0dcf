"""Read side: reports, jobs, audit logs, contract, invoices, invoice files, billing."""

from flask import Blueprint

bp = Blueprint('cloutility_read', __name__)
