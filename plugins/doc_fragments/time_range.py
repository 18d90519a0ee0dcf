# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The time range of the modules that read a node's or unit's history (audit log, jobs, reports). A module that
    # gives an option a default names only that key: ansible-core merges a module's option over the fragment's.
    DOCUMENTATION = r'''
options:
  start:
    description:
      - Start of the time range.
      - An ISO 8601 date or date-time (V(2024-05-01), V(2024-05-01T08:00:00Z)), V(now), V(today),
        or a time relative to now such as V(-7d), V(-24h), V(-30m) or V(-2w). Naive times are UTC.
    type: str
  end:
    description:
      - End of the time range, in the same forms as O(start).
    type: str
notes:
  - Times are sent to the API as ISO 8601 in UTC, for example C(2024-05-01T08:00:00Z).
'''
