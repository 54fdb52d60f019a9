#!/usr/bin/env python3
"""Checks that NEW.json keeps every figure of OLD.json: each leaf of OLD is in NEW with
the same value (cashrisk_version aside); NEW may add keys. Prints the keys added.
A change that adds figures (and says so) passes this where a byte comparison fails.
    scripts/same-keys.py OLD.json NEW.json"""
import json
import sys


def leaves(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and all(isinstance(i, dict) for i in value):
        for i, item in enumerate(value):
            yield from leaves(item, f"{path}[{i}]")
    else:
        yield path, value


old = dict(leaves(json.load(open(sys.argv[1]))))
new = dict(leaves(json.load(open(sys.argv[2]))))
changed = [k for k in old if k != "cashrisk_version" and (k not in new or new[k] != old[k])]
added = [k for k in new if k not in old]
if changed:
    print(f"  changed or removed: {changed}")
    sys.exit(1)
print(f"  every figure kept; {len(added)} keys added: {' '.join(added)}")
