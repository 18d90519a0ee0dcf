"""Billing subscriber delivery: the POST the portal sends to a "Post URL" when billing data was generated.

As the API guide shows it (Billing data): the request line with the url's path and query, then exactly
``Content-Type: application/json; charset=utf-8``, ``Host``, ``Content-Length`` and ``Expect: 100-continue``, and
``{"trigger":"new billing data available"}`` (the portal's Test button: ``{"trigger":"test for new billing data available"}``).
The 100-continue handshake is real: the headers go first; the body only after ``HTTP/1.1 100 Continue``, or when the
server stays silent for EXPECT_WAIT seconds; a final answer that comes first (401, 403...) means the body is never sent.

The url's ``code`` query parameter is a secret: only mask_url() forms of a url leave this module, and no error text
holds the url.
"""

import re
import socket
import ssl
import time
import urllib.parse

TRIGGER = '{"trigger":"new billing data available"}'
TEST_TRIGGER = '{"trigger":"test for new billing data available"}'
EXPECT_WAIT = 2.0       # seconds to wait for 100 Continue (or a final answer) before sending the body anyway
TIMEOUT = 10.0          # seconds per delivery, connecting included
_MAX_LINE = 65536
_CODE = re.compile(r'(^|&)(code=)[^&]*', re.IGNORECASE)


def check_url(url):
    """The reason a subscriber url is refused (not http/https, no host, bad port), or None."""
    if not isinstance(url, str) or not url.strip() or any(c.isspace() for c in url):
        return 'url must be an http or https URL without spaces'
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return 'url has a bad port'
    if parts.scheme not in ('http', 'https'):
        return 'url must start with http:// or https://'
    if not parts.hostname:
        return 'url needs a host'
    if port == 0:
        return 'url has a bad port'
    return None


def mask_url(url):
    """The url with the value of its ``code`` query parameter replaced by ***."""
    parts = urllib.parse.urlsplit(url)
    if not parts.query:
        return url
    return urllib.parse.urlunsplit(parts._replace(query=_CODE.sub(r'\1\2***', parts.query)))


def request_head(url, body):
    """Request line and headers, in the guide's order, for a POST of ``body`` (bytes) to ``url``."""
    parts = urllib.parse.urlsplit(url)
    target = (parts.path or '/') + ('?' + parts.query if parts.query else '')
    host = parts.netloc.rpartition('@')[2]
    lines = ['POST %s HTTP/1.1' % target, 'Content-Type: application/json; charset=utf-8', 'Host: %s' % host,
             'Content-Length: %d' % len(body), 'Expect: 100-continue']
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1')


class _LineReader:
    """Reads CRLF lines from a socket within a deadline; a timeout leaves the buffer and the socket usable."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b''

    def readline(self, deadline):
        while b'\n' not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout('timed out')
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError('connection closed by the server before an answer')
            self.buffer += chunk
            if len(self.buffer) > _MAX_LINE and b'\n' not in self.buffer:
                raise ValueError('answer line too long')
        line, _sep, self.buffer = self.buffer.partition(b'\n')
        return line.rstrip(b'\r')

    def read_answer_head(self, deadline, first_line=None):
        """Status line (unless already read: ``first_line``) and headers of one answer: the status code (int)."""
        status = _status_of(first_line if first_line is not None else self.readline(deadline))
        while self.readline(deadline):
            pass
        return status


def _status_of(line):
    fields = line.split(None, 2)
    if len(fields) < 2 or not fields[0].startswith(b'HTTP/') or not fields[1].isdigit():
        raise ValueError('not an HTTP answer: %r' % line[:40])
    return int(fields[1])


def _connect(url, verify, deadline):
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == 'https' else 80)
    sock = socket.create_connection((parts.hostname, port), timeout=max(0.1, deadline - time.monotonic()))
    if parts.scheme == 'https':
        context = ssl.create_default_context()
        if not verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            sock = context.wrap_socket(sock, server_hostname=parts.hostname)
        except Exception:
            sock.close()
            raise
    return sock


def _exchange(sock, url, body, deadline):
    """Headers, wait for 100 Continue or a final answer, body; answers (final status, continued)."""
    sock.sendall(request_head(url, body))
    reader = _LineReader(sock)
    try:
        first_line = reader.readline(min(deadline, time.monotonic() + EXPECT_WAIT))
    except socket.timeout:
        # Silence: send the body anyway (as HTTP clients do); part of an answer: wait for the rest, without the body.
        first_line = reader.readline(deadline) if reader.buffer else None
    status = reader.read_answer_head(deadline, first_line) if first_line is not None else None
    if status is not None and status != 100:
        return status, False  # a final answer first: the body is not sent
    continued = status == 100
    sock.sendall(body)
    status = reader.read_answer_head(deadline)
    while 100 <= status < 200:
        status = reader.read_answer_head(deadline)
    return status, continued


def _reason(exc):
    """A short reason for a failed delivery (never the url)."""
    if isinstance(exc, socket.timeout):
        return 'timed out'
    if isinstance(exc, ssl.SSLCertVerificationError):
        return 'TLS certificate verification failed: %s' % (exc.verify_message or 'untrusted')
    if isinstance(exc, socket.gaierror):
        return 'host name not resolved'
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return '%s: %s' % (type(exc).__name__, text) if text else type(exc).__name__


def deliver(url, test=False, verify=True, timeout=TIMEOUT):
    """POST the trigger to ``url``: {"url": masked url, "status": final status or None, "continued", "error"}."""
    body = (TEST_TRIGGER if test else TRIGGER).encode('utf-8')
    deadline = time.monotonic() + timeout
    result = {'url': mask_url(url), 'status': None, 'continued': False, 'error': None}
    sock = None
    try:
        sock = _connect(url, verify, deadline)
        result['status'], result['continued'] = _exchange(sock, url, body, deadline)
    except (OSError, ValueError) as exc:  # socket, TLS and answer parsing errors
        result['error'] = _reason(exc)
    finally:
        if sock is not None:
            sock.close()
    return result
