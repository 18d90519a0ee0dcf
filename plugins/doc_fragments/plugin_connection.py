# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Connection options of the collection's controller-side plugins (inventory, lookups),
    # with the same names and environment variables as the modules' connection options.
    DOCUMENTATION = r'''
options:
  api_url:
    description:
      - Base URL of the Cloutility API, with or without the trailing C(/v1),
        for example V(https://portal-api.backup.sto2.safedc.net/v1).
    type: str
    required: true
    env:
      - name: CLOUTILITY_API_URL
  client_id:
    description:
      - Client ID generated in the Cloutility portal under Settings, API access.
    type: str
    required: true
    env:
      - name: CLOUTILITY_CLIENT_ID
  origin:
    description:
      - The origin URL registered with the client ID, sent as the C(Origin) header on every call.
    type: str
    required: true
    env:
      - name: CLOUTILITY_ORIGIN
  username:
    description:
      - Cloutility user name.
    type: str
    required: true
    env:
      - name: CLOUTILITY_USERNAME
  password:
    description:
      - Password of O(username). Keep it in an environment variable or a vaulted variable, not in a plain file.
    type: str
    required: true
    env:
      - name: CLOUTILITY_PASSWORD
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Turn it off only for a test portal.
    type: bool
    default: true
    env:
      - name: CLOUTILITY_VALIDATE_CERTS
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
    type: int
    default: 30
    env:
      - name: CLOUTILITY_TIMEOUT
  token_cache:
    description:
      - Reuse a cached short-lived access token (shared with the modules), so consecutive runs log in once
        while the token is valid. Only the access token and its expiry are stored, never the password.
    type: bool
    default: true
    env:
      - name: CLOUTILITY_TOKEN_CACHE
  retries:
    description:
      - How many times one request is sent again after a transient fault (HTTP 429, 502, 503, 504, no answer).
    type: int
    default: 5
    env:
      - name: CLOUTILITY_RETRIES
  retry_max_time:
    description:
      - The most seconds spent waiting between the attempts of one request.
    type: float
    default: 60
    env:
      - name: CLOUTILITY_RETRY_MAX_TIME
requirements:
  - requests
'''
