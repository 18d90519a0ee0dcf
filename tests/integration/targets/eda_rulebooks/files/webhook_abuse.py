# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webhook_abuse.py PORT SIM_URL BUNIT: while 200 connections to the listener on PORT send nothing or half a request
head, send it a request line aiohttp cannot parse with the right code in it (a raw space after the code), then let
the simulator at SIM_URL generate billing data for BUNIT (the portal notifies its subscribers). The code comes from
the environment variable CLOUTILITY_WEBHOOK_CODE. Prints JSON: {"bad_line": {"status", "code_in_answer"},
"generate": <the simulator's answer>}."""

from __future__ import annotations

import json
import os
import socket
import sys
import urllib.request


def main():
    port, sim_url, bunit = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    code = os.environ['CLOUTILITY_WEBHOOK_CODE'].encode()
    idle = []
    try:
        for number in range(200):
            conn = socket.create_connection(('127.0.0.1', port), timeout=5)
            idle.append(conn)
            if number % 2:
                conn.sendall(b'POST /cloutility/billing HTTP/1.1\r\nHost: invoicing.example.com\r\nContent-')
        with socket.create_connection(('127.0.0.1', port), timeout=10) as conn:
            conn.sendall(b'POST /cloutility/billing?code=' + code + b' x HTTP/1.1\r\nHost: invoicing.example.com\r\n'
                         b'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')
            answer = b''
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                answer += chunk
        request = urllib.request.Request(sim_url + '/_sim/billing/generate', data=json.dumps(dict(bunit=bunit)).encode(),
                                         headers={'Content-Type': 'application/json'}, method='POST')
        with urllib.request.urlopen(request, timeout=60) as response:
            generated = json.loads(response.read())
    finally:
        for conn in idle:
            conn.close()
    status = int(answer.split(b' ', 2)[1]) if answer.startswith(b'HTTP/') else None
    print(json.dumps(dict(bad_line=dict(status=status, code_in_answer=code in answer), generate=generated)))


if __name__ == '__main__':
    main()
