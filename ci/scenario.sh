#!/bin/sh
# kapi's in-pod recipes, run the way a pod runs them: POSIX sh (busybox),
# the real service-account path, no kubectl, no curl, no jq.
#
# Used by the busybox-root test of `cargo xtask test` (against the fake API
# server) and by the Job in ci/manifests/ (in a kind cluster). Prints one
# line per step ("ok N - ..."); exits non-zero on the first failure.
set -u

KAPI=${KAPI:-kapi}
SA=/var/run/secrets/kubernetes.io/serviceaccount
NS=$(cat "$SA/namespace")
# The pod's own name: the downward API's POD_NAME where the manifest sets it,
# else HOSTNAME (a pod's hostname is its name).
POD=${POD_NAME:-${HOSTNAME:?set POD_NAME or HOSTNAME to the name of this pod}}
step=0

pass() {
    step=$((step + 1))
    echo "ok $step - $1"
}

fail() {
    step=$((step + 1))
    echo "not ok $step - $1"
    printf '%s\n' "$2" | sed 's/^/# /'
    exit 1
}

# expect DESCRIPTION WANT_EXIT_CODE WANT_SUBSTRING COMMAND...
# Runs COMMAND, checks its exit code and that its output (stdout+stderr)
# contains WANT_SUBSTRING.
expect() {
    desc=$1 want_code=$2 want_text=$3
    shift 3
    out=$("$@" 2>&1)
    code=$?
    if [ "$code" -ne "$want_code" ]; then
        fail "$desc" "exit code $code, want $want_code: $out"
    fi
    case "$out" in
        *"$want_text"*) pass "$desc" ;;
        *) fail "$desc" "output does not contain '$want_text': $out" ;;
    esac
}

# First, as an initContainer would: wait until the setup Job is done (in kind
# this also gives the DaemonSet time to create its pods).
expect "wait for the setup Job to complete" 0 "condition met" \
    "$KAPI" wait --for=condition=Complete job/setup --timeout=180s

expect "read the gateway DaemonSet (--raw, from the watch cache)" 0 '"name":"gateway"' \
    "$KAPI" get --raw "/apis/apps/v1/namespaces/$NS/daemonsets/gateway?resourceVersion=0"

ready=$("$KAPI" get ds gateway -o jsonpath='{.status.numberReady}' 2>&1)
case "$ready" in
    '' | *[!0-9]*) fail "read numberReady with -o jsonpath" "not a number: $ready" ;;
    *) pass "read numberReady with -o jsonpath ($ready ready)" ;;
esac

expect "list pods with a label selector" 0 "pod/" \
    "$KAPI" get pods -l app=gateway -o name

expect "label this pod" 0 "labeled" \
    "$KAPI" label pod "$POD" kapi-scenario=passed --overwrite
expect "read the label back" 0 "passed" \
    "$KAPI" get pod "$POD" -o jsonpath='{.metadata.labels.kapi-scenario}'

expect "create a ConfigMap from stdin" 0 "configmap/kapi-scenario created" \
    sh -c "printf '%s\n' 'apiVersion: v1' 'kind: ConfigMap' 'metadata:' '  name: kapi-scenario' 'data:' '  step: created' | \"$KAPI\" create -f -"
expect "patch the ConfigMap (merge patch)" 0 "configmap/kapi-scenario patched" \
    "$KAPI" patch configmap kapi-scenario --type merge -p '{"data":{"step":"patched"}}'
expect "read the patched value" 0 "patched" \
    "$KAPI" get cm kapi-scenario -o jsonpath='{.data.step}'
expect "delete the ConfigMap" 0 'configmap "kapi-scenario" deleted' \
    "$KAPI" delete configmap kapi-scenario

# kapi logs (issue 15): the pod reads its own log, as a pipeline step reads a
# failed Job's; the first step's line is in it (needs get on pods/log).
expect "read this pod's own log (kapi logs)" 0 "ok 1 - wait for the setup Job to complete" \
    "$KAPI" logs "$POD" --tail=100

expect "auth can-i create configmaps (allowed)" 0 "yes" \
    "$KAPI" auth can-i create configmaps
expect "auth can-i delete nodes (denied, exit 1)" 1 "no" \
    "$KAPI" auth can-i delete nodes
expect "auth whoami" 0 "system:serviceaccount:$NS:" \
    "$KAPI" auth whoami

expect "a missing object is NotFound with exit code 1" 1 \
    'Error from server (NotFound): configmaps "kapi-does-not-exist" not found' \
    "$KAPI" get configmap kapi-does-not-exist

# --- Issue 14: kapi wait as the initContainer tool --------------------------
# Several targets in one process (a Job, and the ready endpoints of a
# Service, from its EndpointSlices), a comparison, a Job that fails (exit 4
# as soon as it has failed, not a timeout), a 403 that names the RBAC rule
# (exit 5), and k8s-wait-for's argument forms (kapi wait-for).
expect "wait for a Job and a Service's ready endpoints in one process" 0 \
    "service/gateway condition met" \
    "$KAPI" wait job/setup --for=condition=Complete --and svc/gateway --for=endpoints --timeout=180s
expect "wait for at least one ready gateway pod (jsonpath >=)" 0 "daemonset.apps/gateway condition met" \
    "$KAPI" wait ds/gateway '--for=jsonpath={.status.numberReady}>=1' --timeout=180s
expect "a Job that fails ends the wait at once (exit 4)" 4 \
    "jobs/fails can no longer meet condition=Complete: the Job has failed" \
    "$KAPI" wait job/fails --for=condition=Complete --timeout=180s
expect "a forbidden wait exits 5 with the RBAC rule it needs" 5 'resourceNames: ["kapi-none"]' \
    "$KAPI" wait secret/kapi-none -n kube-system --for=create --timeout=30s
expect "k8s-wait-for's service form (kapi wait-for)" 0 "service/gateway condition met" \
    "$KAPI" wait-for service gateway --timeout=180s
# --- end of issue 14 ----------------------------------------------------------
# --- rollout status (issue 15) ---------------------------------------------
# kubectl's rollout check on the DaemonSet, as a pipeline step writes it but
# once (--watch=false: print where the rollout is and exit 0), so the step
# passes both in kind (rolled out, or still rolling) and against the fake
# (19 of 20 available). Needs get, list and watch on daemonsets.
expect "rollout status of the gateway DaemonSet (--watch=false)" 0 'daemon set "gateway"' \
    "$KAPI" rollout status daemonset/gateway --watch=false
# --- end rollout status ------------------------------------------------------

if example=$(command -v incluster); then
    expect "the library's in-cluster example" 0 "daemonset gateway in namespace $NS" "$example"
fi

echo "# all $step steps passed"
