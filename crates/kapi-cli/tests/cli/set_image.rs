//! Issue 15: `kapi set image` through the real binary against the fake,
//! compared with kubectl on the same scenarios (the patches it sends
//! included: `tests/golden/kubectl/set_image.json`, see `kubectl_cases.rs`).

use kapi_fake::FakeApiServer;

use crate::kubectl_cases::{check, Case, Differs, Step};
use crate::util::*;

const DEPLOY: &str = "/apis/apps/v1/namespaces/test/deployments/web";

const WITH_INIT_CONTAINER: Step = Step(
    DEPLOY,
    r#"{"spec":{"template":{"spec":{"initContainers":[{"name":"migrate","image":"registry.example.com/web:1","terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}]}}}}"#,
);

const fn case(name: &'static str, args: &'static [&'static str], differs: Differs) -> Case {
    Case {
        name,
        before: &[],
        args,
        during: &[],
        differs,
    }
}

const SET_IMAGE: &[Case] = &[
    case(
        "deployment",
        &[
            "set",
            "image",
            "deployment/web",
            "web=nginx:1.28",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "unchanged",
        &[
            "set",
            "image",
            "deploy/web",
            "web=docker.io/library/nginx:1.27.3",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "unknown_container",
        &["set", "image", "deploy/web", "nope=x:1", "-n", "test"],
        Differs::No,
    ),
    case(
        "known_and_unknown",
        &[
            "set",
            "image",
            "deploy/web",
            "web=nginx:1.29",
            "nope=x:1",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "every_container",
        &[
            "set",
            "image",
            "sts/db",
            "*=registry.example.com/db:2",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    Case {
        name: "init_containers_too",
        before: &[WITH_INIT_CONTAINER],
        args: &[
            "set",
            "image",
            "deploy/web",
            "migrate=registry.example.com/web:2",
            "web=registry.example.com/web:2",
            "-n",
            "test",
        ],
        during: &[],
        differs: Differs::No,
    },
    Case {
        name: "an_init_container_alone",
        before: &[WITH_INIT_CONTAINER],
        args: &[
            "set",
            "image",
            "deploy/web",
            "migrate=registry.example.com/web:2",
            "-n",
            "test",
        ],
        during: &[],
        differs: Differs::No,
    },
    case(
        "pod",
        &[
            "set",
            "image",
            "pod/db-0",
            "postgres=docker.io/library/postgres:17.3",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "server_dry_run",
        &[
            "set",
            "image",
            "deploy",
            "--all",
            "web=nginx:1.28",
            "--dry-run=server",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "client_dry_run",
        &[
            "set",
            "image",
            "deploy/web",
            "web=nginx:1.28",
            "--dry-run=client",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "names",
        &[
            "set",
            "image",
            "deploy",
            "-l",
            "app=web",
            "web=nginx:1.28",
            "-o",
            "name",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "local_manifest",
        &[
            "set",
            "image",
            "-f",
            "../../fixtures/api/apis/apps/v1/namespaces/test/deployments/web.json",
            "web=nginx:1.28",
            "--local",
            "-o",
            "name",
        ],
        Differs::No,
    ),
    case(
        "not_a_pod_template",
        &["set", "image", "cm/app-config", "*=x:1", "-n", "test"],
        Differs::No,
    ),
    case(
        "not_found",
        &["set", "image", "deploy/nope", "web=x:1", "-n", "test"],
        Differs::No,
    ),
    case(
        "every_container_and_more",
        &["set", "image", "sts/db", "*=x:1", "web=x:1", "-n", "test"],
        Differs::Usage("set image"),
    ),
    case(
        "no_images",
        &["set", "image", "deploy/web", "-n", "test"],
        Differs::Usage("set image"),
    ),
    case(
        "no_resources",
        &["set", "image", "web=x:1", "-n", "test"],
        Differs::Usage("set image"),
    ),
    case(
        "resources_after_images",
        &[
            "set",
            "image",
            "deploy/web",
            "web=x:1",
            "extra",
            "-n",
            "test",
        ],
        Differs::Usage("set image"),
    ),
    case(
        "a_type_alone",
        &["set", "image", "deploy", "web=x:1", "-n", "test"],
        Differs::Usage("set image"),
    ),
];

#[test]
fn kubectl_golden_set_image() {
    check("set_image", SET_IMAGE);
}

#[test]
fn an_unknown_container_leaves_the_others_set_and_exits_1() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args([
            "set",
            "image",
            "deploy/web",
            "web=nginx:1.29",
            "nope=x:1",
            "-n",
            "test",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout, "deployment.apps/web image updated\n");
    assert_eq!(stderr, "error: unable to find container named \"nope\"\n");
    let web = server.object(DEPLOY).unwrap();
    assert_eq!(
        web["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.29"
    );
}

#[test]
fn client_dry_run_and_local_send_nothing() {
    let server = FakeApiServer::start();
    for args in [
        &[
            "set",
            "image",
            "deploy/web",
            "web=nginx:1.28",
            "--dry-run=client",
            "-n",
            "test",
        ][..],
        &[
            "set",
            "image",
            "-f",
            "../../fixtures/api/apis/apps/v1/namespaces/test/deployments/web.json",
            "web=nginx:1.28",
            "--local",
        ],
    ] {
        let out = kapi(&server).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{:?}", output_text(&out));
    }
    assert!(server.requests().iter().all(|r| r.method == "GET"));
    let web = server.object(DEPLOY).unwrap();
    assert_eq!(
        web["spec"]["template"]["spec"]["containers"][0]["image"],
        "docker.io/library/nginx:1.27.3"
    );
}
