"""Prints the write request of a `kubectl -v=8` log (stdin) as one JSON
object: method, path with query, Content-Type, body."""
import json
import re
import sys

body, write, block = None, None, False
for line in sys.stdin:
    line = line.rstrip("\n")
    if block:
        body, block = line[1:], False  # one tab-indented line
        continue
    if re.search(r'"Request Body" body=<$', line):
        block = True
        continue
    m = re.search(r'"Request Body" body="(.*)"$', line)
    if m:
        body = json.loads('"' + m.group(1) + '"')
        continue
    m = re.search(r'"Request" verb="(POST|PATCH|PUT)" url="https://[^/]+(/[^"]*)"', line)
    if m:
        write = {"method": m.group(1), "path": m.group(2), "body": body}
    m = re.search(r"^\s*Content-Type: (\S+)", line)
    if m and write is not None and "content_type" not in write:
        write["content_type"] = m.group(1)
print(json.dumps(write, indent=2, sort_keys=True))
