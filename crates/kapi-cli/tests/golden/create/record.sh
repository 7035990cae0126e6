#!/bin/sh
# Records `kubectl create ARGS --dry-run=client` for each line of `cases`
# (NAME ARGS...): NAME.stdout, NAME.stderr, NAME.code. No server and no
# kubeconfig are involved. Run from this directory with kubectl on PATH.
set -eu
while read -r name args; do
  set +e
  # shellcheck disable=SC2086 # ARGS are words
  env -i PATH="$PATH" HOME=/nonexistent FROM_ENV=from-the-environment \
    kubectl create $args --dry-run=client >"$name.stdout" 2>"$name.stderr"
  echo $? >"$name.code"
  # No empty files: a missing stream beside NAME.code is empty.
  for stream in stdout stderr; do
    [ -s "$name.$stream" ] || rm -f "$name.$stream"
  done
  set -e
done < cases
