//! Issue 15: `kapi rollout status|restart|history` through the real binary
//! against the fake, compared with what kubectl prints for the same
//! scenarios (`tests/golden/kubectl/rollout_*.json`, see
//! `kubectl_cases.rs`), plus the wire and exit-code behaviour kapi adds.

use std::time::{Duration, Instant};

use kapi_fake::{FakeApiServer, Recorded, Rule};
use serde_json::json;

use crate::kubectl_cases::{check, Case, Differs, Step};
use crate::running::{Running, PATIENCE};
use crate::util::*;

const DEPLOY: &str = "/apis/apps/v1/namespaces/test/deployments/web";
const DEPLOYS: &str = "/apis/apps/v1/namespaces/test/deployments";
const DS: &str = "/apis/apps/v1/namespaces/test/daemonsets/gateway";
const STS: &str = "/apis/apps/v1/namespaces/test/statefulsets/db";

/// A new pod template: generation 4, not yet observed.
const DEPLOY_TEMPLATE_CHANGED: Step = Step(
    DEPLOY,
    r#"{"spec":{"template":{"metadata":{"annotations":{"example.com/build":"4"}}}}}"#,
);

const DS_TEMPLATE_CHANGED: Step = Step(
    DS,
    r#"{"spec":{"template":{"metadata":{"annotations":{"example.com/build":"2"}}}}}"#,
);

const STS_TEMPLATE_CHANGED: Step = Step(
    STS,
    r#"{"spec":{"template":{"metadata":{"annotations":{"example.com/build":"3"}}}}}"#,
);

const STATUS: &[Case] = &[
    Case {
        name: "deployment_done",
        before: &[],
        args: &["rollout", "status", "deployment/web", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "deployment_rolls_out",
        before: &[DEPLOY_TEMPLATE_CHANGED],
        args: &[
            "rollout",
            "status",
            "deployment/web",
            "-n",
            "test",
            "--timeout=20s",
        ],
        during: &[
            Step(
                DEPLOY,
                r#"{"status":{"observedGeneration":4,"updatedReplicas":0}}"#,
            ),
            Step(DEPLOY, r#"{"status":{"updatedReplicas":1,"replicas":3}}"#),
            Step(
                DEPLOY,
                r#"{"status":{"updatedReplicas":2,"replicas":3,"availableReplicas":2}}"#,
            ),
            Step(DEPLOY, r#"{"status":{"replicas":2,"availableReplicas":1}}"#),
            Step(DEPLOY, r#"{"status":{"availableReplicas":2}}"#),
        ],
        differs: Differs::No,
    },
    Case {
        name: "deployment_progress_deadline_exceeded",
        before: &[DEPLOY_TEMPLATE_CHANGED],
        args: &["rollout", "status", "deploy/web", "-n", "test"],
        during: &[
            Step(
                DEPLOY,
                r#"{"status":{"observedGeneration":4,"updatedReplicas":1,"replicas":3}}"#,
            ),
            Step(
                DEPLOY,
                r#"{"status":{"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded","message":"ReplicaSet \"web-6c5f7d9b8\" has timed out progressing."}]}}"#,
            ),
        ],
        differs: Differs::Exit(4),
    },
    Case {
        name: "deployment_at_another_revision",
        before: &[],
        args: &[
            "rollout",
            "status",
            "deploy/web",
            "-n",
            "test",
            "--revision=2",
        ],
        during: &[],
        differs: Differs::Exit(4),
    },
    Case {
        name: "deployment_at_the_revision",
        before: &[],
        args: &[
            "rollout",
            "status",
            "deploy/web",
            "-n",
            "test",
            "--revision=3",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "daemonset_rolls_out",
        before: &[DS_TEMPLATE_CHANGED],
        args: &[
            "rollout",
            "status",
            "daemonset/gateway",
            "-n",
            "test",
            "--timeout=20s",
        ],
        during: &[
            Step(
                DS,
                r#"{"status":{"observedGeneration":2,"updatedNumberScheduled":5}}"#,
            ),
            Step(
                DS,
                r#"{"status":{"updatedNumberScheduled":20,"numberAvailable":18}}"#,
            ),
            Step(
                DS,
                r#"{"status":{"numberAvailable":20,"numberReady":20,"numberUnavailable":0}}"#,
            ),
        ],
        differs: Differs::No,
    },
    Case {
        name: "daemonset_once",
        before: &[],
        args: &[
            "rollout",
            "status",
            "ds/gateway",
            "-n",
            "test",
            "--watch=false",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "daemonset_times_out",
        before: &[],
        args: &[
            "rollout",
            "status",
            "ds/gateway",
            "-n",
            "test",
            "--timeout=1s",
        ],
        during: &[],
        differs: Differs::Exit(3),
    },
    Case {
        name: "daemonset_on_delete",
        before: &[Step(
            DS,
            r#"{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}"#,
        )],
        args: &["rollout", "status", "ds/gateway", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "daemonset_deleted_while_watching",
        before: &[DS_TEMPLATE_CHANGED],
        args: &["rollout", "status", "ds/gateway", "-n", "test"],
        during: &[Step(DS, "delete")],
        differs: Differs::No,
    },
    Case {
        name: "statefulset_done",
        before: &[],
        args: &["rollout", "status", "statefulset/db", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "statefulset_rolls_out",
        before: &[STS_TEMPLATE_CHANGED],
        args: &["rollout", "status", "sts/db", "-n", "test", "--timeout=20s"],
        during: &[
            Step(
                STS,
                r#"{"status":{"observedGeneration":3,"readyReplicas":0,"updatedReplicas":0}}"#,
            ),
            Step(STS, r#"{"status":{"readyReplicas":1}}"#),
            Step(
                STS,
                r#"{"status":{"updatedReplicas":1,"updateRevision":"db-6f5d4c8b7"}}"#,
            ),
        ],
        differs: Differs::No,
    },
    Case {
        name: "statefulset_without_partition",
        before: &[Step(
            STS,
            r#"{"spec":{"updateStrategy":{"rollingUpdate":null}},"status":{"observedGeneration":3,"updateRevision":"db-6f5d4c8b7","updatedReplicas":0}}"#,
        )],
        args: &["rollout", "status", "sts/db", "-n", "test", "--timeout=20s"],
        during: &[
            Step(STS, r#"{"status":{"updatedReplicas":1}}"#),
            Step(
                STS,
                r#"{"status":{"currentRevision":"db-6f5d4c8b7","currentReplicas":1}}"#,
            ),
        ],
        differs: Differs::No,
    },
    Case {
        name: "not_found",
        before: &[],
        args: &["rollout", "status", "deploy/nope", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "not_a_rollout",
        before: &[],
        args: &["rollout", "status", "rs/web-5d8c9f7b4", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "selector_matches_nothing",
        before: &[],
        args: &[
            "rollout", "status", "deploy", "-l", "app=nope", "-n", "test",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "selector",
        before: &[],
        args: &[
            "rollout",
            "status",
            "deployments",
            "-l",
            "app=web",
            "-n",
            "test",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "a_type_alone_is_all_of_them",
        before: &[],
        args: &["rollout", "status", "statefulsets", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "one_found_one_missing",
        before: &[],
        args: &[
            "rollout",
            "status",
            "deployment",
            "web",
            "nope",
            "-n",
            "test",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "from_a_manifest",
        before: &[],
        args: &[
            "rollout",
            "status",
            "-f",
            "../../fixtures/api/apis/apps/v1/namespaces/test/statefulsets/db.json",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "no_resource",
        before: &[],
        args: &["rollout", "status", "-n", "test"],
        during: &[],
        differs: Differs::Usage("rollout status"),
    },
    Case {
        name: "negative_revision",
        before: &[],
        args: &[
            "rollout",
            "status",
            "deploy/web",
            "--revision=-1",
            "-n",
            "test",
        ],
        during: &[],
        differs: Differs::Usage("rollout status"),
    },
];

#[test]
fn kubectl_golden_rollout_status() {
    check("rollout_status", STATUS);
}

const HISTORY: &[Case] = &[
    Case {
        name: "deployment",
        before: &[],
        args: &["rollout", "history", "deployment/web", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "deployment_revision",
        before: &[],
        args: &[
            "rollout",
            "history",
            "deployment/web",
            "-n",
            "test",
            "--revision=2",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "deployment_missing_revision",
        before: &[],
        args: &[
            "rollout",
            "history",
            "deployment/web",
            "-n",
            "test",
            "--revision=9",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "deployment_names",
        before: &[],
        args: &[
            "rollout",
            "history",
            "deployment/web",
            "-n",
            "test",
            "-o",
            "name",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "deployment_revision_yaml",
        before: &[],
        args: &[
            "rollout",
            "history",
            "deploy/web",
            "-n",
            "test",
            "--revision=1",
            "-o",
            "yaml",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "deployment_without_replicasets",
        before: &[Step(
            DEPLOY,
            r#"{"spec":{"selector":{"matchLabels":{"app":"web","track":"canary"}}}}"#,
        )],
        args: &["rollout", "history", "deploy/web", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "daemonset",
        before: &[],
        args: &["rollout", "history", "daemonset/gateway", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "daemonset_revision",
        before: &[],
        args: &[
            "rollout",
            "history",
            "ds/gateway",
            "-n",
            "test",
            "--revision=1",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "statefulset",
        before: &[],
        args: &["rollout", "history", "statefulset/db", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "statefulset_revision",
        before: &[],
        args: &["rollout", "history", "sts/db", "-n", "test", "--revision=1"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "replicaset_has_no_history",
        before: &[],
        args: &["rollout", "history", "rs/web-5d8c9f7b4", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "configmap_has_no_history",
        before: &[],
        args: &["rollout", "history", "configmap/app-config", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "not_found",
        before: &[],
        args: &["rollout", "history", "deploy/nope", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "selector_matches_nothing",
        before: &[],
        args: &[
            "rollout", "history", "deploy", "-l", "app=nope", "-n", "test",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "a_type_alone_is_all_of_them",
        before: &[],
        args: &["rollout", "history", "deployments", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "no_resource",
        before: &[],
        args: &["rollout", "history", "-n", "test"],
        during: &[],
        differs: Differs::Usage("rollout history"),
    },
];

#[test]
fn kubectl_golden_rollout_history() {
    check("rollout_history", HISTORY);
}

const RESTART: &[Case] = &[
    Case {
        name: "deployment",
        before: &[],
        args: &["rollout", "restart", "deployment/web", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "daemonset_and_statefulset",
        before: &[],
        args: &["rollout", "restart", "ds/gateway", "sts/db", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "names",
        before: &[],
        args: &[
            "rollout",
            "restart",
            "deployment",
            "-l",
            "app=web",
            "-n",
            "test",
            "-o",
            "name",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "paused",
        before: &[Step(DEPLOY, r#"{"spec":{"paused":true}}"#)],
        args: &["rollout", "restart", "deployment/web", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "replicaset",
        before: &[],
        args: &["rollout", "restart", "rs/web-5d8c9f7b4", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "not_found",
        before: &[],
        args: &["rollout", "restart", "deploy/nope", "-n", "test"],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "selector_matches_nothing",
        before: &[],
        args: &[
            "rollout", "restart", "deploy", "-l", "app=nope", "-n", "test",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "no_resource",
        before: &[],
        args: &["rollout", "restart", "-n", "test"],
        during: &[],
        differs: Differs::Usage("rollout restart"),
    },
];

#[test]
fn kubectl_golden_rollout_restart() {
    check("rollout_restart", RESTART);
}

fn is_watch(r: &Recorded, collection: &str) -> bool {
    r.path == collection && r.query_param("watch") == Some("1")
}

#[test]
fn status_watches_one_object_by_name_and_never_polls() {
    let server = FakeApiServer::start();
    server.update(
        DEPLOY,
        serde_json::from_str(DEPLOY_TEMPLATE_CHANGED.1).unwrap(),
    );
    let status = Running::start(
        &server,
        &[
            "rollout",
            "status",
            "deploy/web",
            "-n",
            "test",
            "--timeout=20s",
        ],
    );
    assert_eq!(
        status.line(),
        "Waiting for deployment spec update to be observed..."
    );
    assert!(server.wait_for_watches(1, PATIENCE));
    // A quiet second: a poller would read again meanwhile.
    std::thread::sleep(Duration::from_secs(1));
    server.update(
        DEPLOY,
        json!({"status": {"observedGeneration": 4, "updatedReplicas": 2, "availableReplicas": 2}}),
    );
    let (code, stdout, stderr) = status.finish();
    assert_eq!(code.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "deployment \"web\" successfully rolled out\n");
    let requests = server.requests();
    let reads: Vec<&Recorded> = requests
        .iter()
        .filter(|r| r.path.starts_with(DEPLOYS))
        .collect();
    // One get (kubectl's), then one streaming watch by name (the state and
    // the changes; no list).
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert_eq!(reads[0].path, DEPLOY);
    assert_eq!(reads[1].path, DEPLOYS);
    assert_eq!(
        reads[1].query_param("fieldSelector"),
        Some("metadata.name=web")
    );
    assert_eq!(reads[1].query_param("sendInitialEvents"), Some("true"));
    assert!(is_watch(reads[1], DEPLOYS));
}

#[test]
fn status_timeout_is_exit_3_and_cuts_the_watch() {
    let server = FakeApiServer::start();
    let started = Instant::now();
    let out = kapi(&server)
        .args([
            "rollout",
            "status",
            "ds/gateway",
            "-n",
            "test",
            "--timeout=1s",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        stdout,
        "Waiting for daemon set \"gateway\" rollout to finish: 19 of 20 updated pods are available...\n"
    );
    assert_eq!(stderr, "error: timed out waiting for the condition\n");
}

#[test]
fn status_exit_codes_for_forbidden_and_unreachable() {
    let server = FakeApiServer::start();
    // May get deployments but not list or watch them.
    let dir = server.add_service_account(
        "reader",
        &[Rule::allow(&["get"], &["apps"], &["deployments"])],
    );
    let out = kapi_bare()
        .envs(server.env_for(&dir))
        .args(["rollout", "status", "deploy/web", "-n", "test"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("cannot list resource"), "{stderr}");

    let out = kapi_bare()
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", "1")
        .env("KAPI_SERVICEACCOUNT_DIR", server.sa_dir())
        .args([
            "rollout",
            "status",
            "deploy/web",
            "-n",
            "test",
            "--request-timeout=2s",
        ])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
}

#[test]
fn status_prints_again_after_a_relist() {
    let server = FakeApiServer::start();
    server.update(DS, serde_json::from_str(DS_TEMPLATE_CHANGED.1).unwrap());
    let status = Running::start(&server, &["rollout", "status", "ds/gateway", "-n", "test"]);
    assert_eq!(
        status.line(),
        "Waiting for daemon set spec update to be observed..."
    );
    assert!(server.wait_for_watches(1, PATIENCE));
    // The watch history moves on and is compacted, and the stream is cut:
    // kapi lists again and, as kubectl's informer, reports what it finds.
    server.update(
        "/api/v1/namespaces/test/configmaps/app-config",
        json!({"data": {"touched": "1"}}),
    );
    server.compact_now();
    server.drop_watches();
    assert_eq!(
        status.line(),
        "Waiting for daemon set spec update to be observed..."
    );
    assert!(server.wait_for_watches(1, PATIENCE));
    server.update(
        DS,
        json!({"status": {"observedGeneration": 2, "numberAvailable": 20}}),
    );
    let (code, stdout, stderr) = status.finish();
    assert_eq!(code.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "daemon set \"gateway\" successfully rolled out\n");
}

#[test]
fn restart_sets_restarted_at_now_in_rfc3339() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args(["rollout", "restart", "deploy/web", "-n", "test"])
        .output()
        .unwrap();
    assert_eq!(output_text(&out).0, "deployment.apps/web restarted\n");
    let patched = server.object(DEPLOY).unwrap();
    let at = patched["spec"]["template"]["metadata"]["annotations"]
        ["kubectl.kubernetes.io/restartedAt"]
        .as_str()
        .unwrap()
        .to_string();
    let secs = kapi::gofmt::parse_rfc3339(&at).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - secs).abs() < 60, "{at}");
    assert!(at.ends_with('Z'), "{at}");
    // The controller sees a new template.
    assert_eq!(patched["metadata"]["generation"], 4);
    let patch = server
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(patch.query_param("fieldManager"), Some("kapi-rollout"));
}
