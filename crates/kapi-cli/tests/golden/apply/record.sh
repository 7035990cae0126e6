#!/bin/sh
# Records what kubectl's client-side apply sends in the two sequences of
# tests/cli/apply_client.rs, against the fake API server, with kapi's own
# applies in between (so the live object kubectl reads is what the test
# recreates). Run from this directory with kubectl on PATH; see README.md.
set -eu
root=$(cd ../../../../.. && pwd)
cargo build -q -p kapi-fake --bin fake-apiserver -p kapi-cli
kapi="$root/target/debug/kapi"
kc=$(mktemp)
serve() {
  "$root/target/debug/fake-apiserver" --kubeconfig "$kc" --foreground >/dev/null &
  pid=$!
  sleep 1
}
kubectl_apply() { # FILE OUT: kubectl's apply, its write request to OUT
  KUBECONFIG="$kc" kubectl -n test apply --validate=false -v=8 -f "$1" 2>&1 >/dev/null |
    python3 extract.py >"$2"
}
kapi_apply() { KUBECONFIG="$kc" "$kapi" -n test apply -f "$1" >/dev/null 2>&1; }

serve # kapi first
kapi_apply x1.yaml
kubectl_apply x2.yaml kapi_first.kubectl_x2.json
kapi_apply x3.yaml
kubectl_apply x1.yaml kapi_first.kubectl_x1.json
kill $pid

serve # kubectl first
kubectl_apply x1.yaml kubectl_first.kubectl_x1.json
kapi_apply x2.yaml
kubectl_apply x3.yaml kubectl_first.kubectl_x3.json
kill $pid
rm -f "$kc"
