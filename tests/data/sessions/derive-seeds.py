#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Derives the session loader's hostile seeds from handshake.json by fixed rules (run from this
# folder; the outputs are committed, so fuzzing needs no Python):
#   markup.json  every free-text field carries markup, an <img> of /dev/zero, '&', '[*]', '%1'
#                and a control character, within the field's length limit
#   limits.json  free text at its longest, numbers at the ends of their ranges, one connection
#                with 64 states and 64 rows, descriptor owners and ss details at their limits
import copy
import json

MARKUP = '<img src="/dev/zero"><b>&amp;</b> [*] %1 <a href="file:///etc/passwd">x</a>\u0001'

# field -> the loader's length limit, for text that is not an enumeration or an address (a lab
# call's `call` names one of the calls the lab makes; its `arguments` are read back from files
# written before calls were kept as data, in the forms the lab wrote then)
FREE_TEXT = {'version': 64, 'hostname': 256, 'kernel': 256, 'machine': 64, 'os': 256, 'source': 4096,
             'label': 256, 'socket_label': 256, 'detail': 4096,
             'text': 4096, 'name': 128, 'title': 512, 'failure': 4096, 'expectation': 512, 'program': 256}


def fill(value, make):
    """Replaces every free-text field below `value` with make(limit)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in FREE_TEXT and isinstance(item, str):
                value[key] = make(FREE_TEXT[key])
            else:
                fill(item, make)
    elif isinstance(value, list):
        for item in value:
            fill(item, make)


def write(name, document):
    with open(name, 'w', encoding='utf-8') as f:
        json.dump(document, f, ensure_ascii=False, separators=(',', ':'), sort_keys=True)


with open('handshake.json', encoding='utf-8') as f:
    base = json.load(f)

markup = copy.deepcopy(base)
fill(markup, lambda limit: MARKUP[:limit])
for c in markup['connections']:
    c['latest']['owner_status'] = 'process'
    c['latest']['owners'] = [{'pid': 1, 'program': MARKUP[:256]}]
    c['latest']['details'] = {MARKUP: MARKUP}
write('markup.json', markup)

limits = copy.deepcopy(base)
fill(limits, lambda limit: ('<' * limit)[:limit])
limits['capture']['interval_ms'] = 3600000
limits['capture']['ports'] = [1, 65535]
limits['capture']['forgotten_connections'] = 2 ** 53
first = limits['connections'][0]
spans = []
samples = []
for i in range(64):
    state = 'LISTEN' if i % 2 == 0 else 'CLOSE'
    spans.append({'state': state, 'first_seen_us': 10 * i, 'last_seen_us': 10 * i + 5, 'polls': 2 ** 31 - 1,
                  'duration_us': 10})
    record = copy.deepcopy(first['latest'])
    record['state'] = state
    record['state_number'] = 10 if state == 'LISTEN' else 7
    record['tx_queue'] = 2 ** 32 - 1
    record['rx_queue'] = 2 ** 32 - 1
    samples.append({'at_us': 10 * i, 'record': record})
first['spans'] = spans
first['samples'] = samples
first['spans_dropped'] = 2 ** 31 - 1
first['alive'] = True
first.pop('vanished_us', None)
first['latest'] = copy.deepcopy(samples[-1]['record'])
first['latest']['owner_status'] = 'process'
first['latest']['owners'] = [{'pid': 0x7fffffff, 'program': 'p' * 256}] * 8
first['latest']['details'] = {('k%03d' % i): 'v' * 64 for i in range(256)}
first['latest']['timer'] = {'kind': 'timewait', 'remaining_ms': 2 ** 40}
first['latest']['inode'] = 2 ** 53
first['id'] = 2 ** 53
write('limits.json', limits)
