#!/bin/sh
# Records kubectl's `logs` output against the fake API server: for each line
# of `cases` (NAME ARGS...), NAME.stdout, NAME.stderr and NAME.code (the exit
# code) from `kubectl logs -n test ARGS...`. Run from this directory with
# kubectl on PATH; see README.md.
set -eu
root=$(cd ../../../../.. && pwd)
cargo build -q -p kapi-fake --bin fake-apiserver
kc=$(mktemp)
"$root/target/debug/fake-apiserver" --kubeconfig "$kc" --foreground >/dev/null &
pid=$!
trap 'kill $pid; rm -f "$kc"' EXIT
sleep 1
while read -r name args; do
  # shellcheck disable=SC2086 # ARGS are words
  set +e
  KUBECONFIG="$kc" kubectl logs -n test $args >"$name.stdout" 2>"$name.stderr"
  echo $? >"$name.code"
  # No empty files: a missing stream beside NAME.code is empty.
  for stream in stdout stderr; do
    [ -s "$name.$stream" ] || rm -f "$name.$stream"
  done
  set -e
done < cases
