//! Issue 3: resource names, discovery, `kapi get` output, paging, JSONPath.

use kapi_fake::FakeApiServer;
use serde_json::Value;

use crate::util::*;

const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

fn stdout_of(server: &FakeApiServer, args: &[&str]) -> String {
    let out = kapi(server).args(args).output().unwrap();
    let (stdout, stderr) = output_text(&out);
    assert!(out.status.success(), "{args:?}: {stderr}");
    stdout
}

/// Paths of the recorded requests, in order.
fn paths(server: &FakeApiServer) -> Vec<String> {
    server.requests().iter().map(|r| r.path.clone()).collect()
}

#[test]
fn classic_question_how_many_gateway_pods_are_ready() {
    let server = FakeApiServer::start();
    let out = stdout_of(
        &server,
        &[
            "get",
            "ds",
            "gateway",
            "-n",
            "test",
            "-o",
            "jsonpath={.status.numberReady}",
        ],
    );
    assert_eq!(out, "19");
}

#[test]
fn built_in_types_resolve_without_discovery() {
    let server = FakeApiServer::start();
    for ty in [
        "po",
        "pod",
        "pods",
        "Pod",
        "ds",
        "daemonsets.apps",
        "deployments.v1.apps",
        "cm",
        "svc",
    ] {
        kapi(&server)
            .args(["get", ty, "-n", "test", "-o", "name"])
            .assert()
            .success();
    }
    let discovery: Vec<String> = paths(&server)
        .into_iter()
        .filter(|p| p == "/api" || p == "/apis")
        .collect();
    assert!(
        discovery.is_empty(),
        "built-in types asked discovery: {discovery:?}"
    );
}

#[test]
fn default_output_is_the_server_table_printed_like_kubectl() {
    let server = FakeApiServer::start();
    let out = stdout_of(&server, &["get", "pods", "-n", "test"]);
    assert_eq!(
        out,
        "NAME                    READY   STATUS              RESTARTS     AGE\n\
         backup-29440920-q7v2n   0/1     Completed           0            6h\n\
         db-0                    2/2     Running             0            7d\n\
         gateway-b8n4q           1/1     Running             2 (5h ago)   2d3h\n\
         gateway-x7k2p           1/1     Running             0            364d\n\
         gateway-zt9xw           0/1     ContainerCreating   0            5m30s\n\
         migrate-x8k2m           1/1     Running             0            2m\n"
    );
    let list = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/namespaces/test/pods")
        .unwrap();
    assert_eq!(list.header("accept"), Some(TABLE_ACCEPT));
    assert_eq!(list.query_param("limit"), Some("500"));
}

#[test]
fn wide_adds_the_priority_columns() {
    let server = FakeApiServer::start();
    let out = stdout_of(
        &server,
        &["get", "pods", "gateway-x7k2p", "-n", "test", "-o", "wide"],
    );
    assert_eq!(
        out,
        "NAME            READY   STATUS    RESTARTS   AGE    IP            NODE     NOMINATED NODE   READINESS GATES\n\
         gateway-x7k2p   1/1     Running   0          364d   10.244.1.10   node-1   <none>           <none>\n"
    );
}

#[test]
fn all_namespaces_adds_namespace_and_show_labels_adds_labels() {
    let server = FakeApiServer::start();
    let out = stdout_of(
        &server,
        &[
            "get",
            "pods",
            "-A",
            "--show-labels",
            "-l",
            "app=gateway,tier=frontend",
        ],
    );
    assert_eq!(
        out.lines().next().unwrap(),
        "NAMESPACE   NAME            READY   STATUS              RESTARTS     AGE     LABELS"
    );
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out.contains(
        "test        gateway-x7k2p   1/1     Running             0            364d    app=gateway,controller-revision-hash=6d9b7c8f54,pod-template-generation=1,tier=frontend\n"
    ));
    let list = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/pods")
        .unwrap();
    assert_eq!(
        list.query_param("labelSelector"),
        Some("app=gateway,tier=frontend")
    );
}

#[test]
fn no_headers_and_field_selector() {
    let server = FakeApiServer::start();
    let out = stdout_of(
        &server,
        &[
            "get",
            "pods",
            "-n",
            "test",
            "--no-headers",
            "--field-selector",
            "status.phase=Running",
            "-o",
            "wide",
        ],
    );
    assert!(!out.contains("NAME"), "{out}");
    assert_eq!(out.lines().count(), 4, "{out}");
    let list = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/namespaces/test/pods")
        .unwrap();
    assert_eq!(
        list.query_param("fieldSelector"),
        Some("status.phase=Running")
    );
}

#[test]
fn name_output_is_kind_dot_group_slash_name() {
    let server = FakeApiServer::start();
    assert_eq!(
        stdout_of(&server, &["get", "ds", "-n", "test", "-o", "name"]),
        "daemonset.apps/gateway\n"
    );
    assert_eq!(
        stdout_of(
            &server,
            &["get", "pods", "-n", "test", "-l", "app=db", "-o", "name"]
        ),
        "pod/db-0\n"
    );
    assert_eq!(
        stdout_of(
            &server,
            &[
                "get",
                "deploy/web",
                "ds/gateway",
                "-n",
                "test",
                "-o",
                "name"
            ]
        ),
        "deployment.apps/web\ndaemonset.apps/gateway\n"
    );
}

#[test]
fn several_types_print_one_table_each_with_kind_prefixes() {
    let server = FakeApiServer::start();
    let out = stdout_of(&server, &["get", "ds,svc", "-n", "test"]);
    assert!(out.starts_with("NAME                     DESIRED"), "{out}");
    assert!(out.contains("daemonset.apps/gateway"), "{out}");
    assert!(out.contains("\n\nNAME              TYPE"), "{out}");
    assert!(out.contains("service/gateway"), "{out}");
}

#[test]
fn json_of_a_list_is_one_list_document_with_kinds_and_4_space_indent() {
    let server = FakeApiServer::start();
    let out = stdout_of(
        &server,
        &[
            "get",
            "pods",
            "-n",
            "test",
            "-l",
            "app=gateway",
            "-o",
            "json",
        ],
    );
    let list: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list["kind"], "List");
    assert_eq!(list["apiVersion"], "v1");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items
        .iter()
        .all(|i| i["kind"] == "Pod" && i["apiVersion"] == "v1"));
    assert!(
        out.starts_with("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n"),
        "{out}"
    );
    assert!(out.ends_with("    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"));
}

#[test]
fn json_and_yaml_of_one_object_leave_out_managed_fields_like_kubectl() {
    let server = FakeApiServer::start();
    let yaml = stdout_of(
        &server,
        &["get", "ds", "gateway", "-n", "test", "-o", "yaml"],
    );
    assert!(
        yaml.starts_with("apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  annotations:\n"),
        "{yaml}"
    );
    assert!(!yaml.contains("managedFields"));
    assert!(yaml.contains("  numberReady: 19\n"));
    let json = stdout_of(
        &server,
        &[
            "get",
            "ds",
            "gateway",
            "-n",
            "test",
            "-o",
            "json",
            "--show-managed-fields",
        ],
    );
    let ds: Value = serde_json::from_str(&json).unwrap();
    assert!(ds["metadata"]["managedFields"].is_array());
}

#[test]
fn yaml_of_a_list_streams_one_list() {
    let server = FakeApiServer::start();
    let out = stdout_of(
        &server,
        &[
            "get",
            "cm",
            "-n",
            "test",
            "-l",
            "app=gateway",
            "-o",
            "yaml",
            "--chunk-size",
            "1",
        ],
    );
    assert!(
        out.starts_with("apiVersion: v1\nitems:\n- apiVersion: v1\n  data:\n"),
        "{out}"
    );
    assert!(
        out.ends_with("kind: List\nmetadata:\n  resourceVersion: \"\"\n"),
        "{out}"
    );
    assert_eq!(out.matches("\n  kind: ConfigMap\n").count(), 2, "{out}");
}

#[test]
fn jsonpath_range_over_a_list() {
    let server = FakeApiServer::start();
    let out = stdout_of(
        &server,
        &[
            "get",
            "pods",
            "-n",
            "test",
            "-l",
            "app=gateway",
            "-o",
            r#"jsonpath={range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}"#,
        ],
    );
    assert_eq!(
        out,
        "gateway-b8n4q\tRunning\ngateway-x7k2p\tRunning\ngateway-zt9xw\tPending\n"
    );
}

#[test]
fn custom_columns() {
    let server = FakeApiServer::start();
    let out = stdout_of(
        &server,
        &[
            "get",
            "pods",
            "-n",
            "test",
            "-l",
            "app=gateway",
            "-o",
            "custom-columns=NAME:.metadata.name,IP:.status.podIP",
        ],
    );
    assert_eq!(
        out,
        "NAME            IP\ngateway-b8n4q   10.244.2.11\ngateway-x7k2p   10.244.1.10\ngateway-zt9xw   <none>\n"
    );
}

#[test]
fn chunk_size_pages_with_continue_and_prints_the_same() {
    let server = FakeApiServer::start();
    let whole = stdout_of(&server, &["get", "pods", "-n", "test", "--chunk-size", "0"]);
    let paged = stdout_of(&server, &["get", "pods", "-n", "test", "--chunk-size", "2"]);
    // Rows stream page by page, so column widths are those of the pages seen
    // so far (kubectl holds the whole list to size them): same cells.
    fn cells(s: &str) -> Vec<Vec<&str>> {
        s.lines().map(|l| l.split_whitespace().collect()).collect()
    }
    assert_eq!(cells(&whole), cells(&paged));
    let lists: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/namespaces/test/pods")
        .collect();
    assert_eq!(
        lists[0].query_param("limit"),
        None,
        "chunk size 0 lists in one request"
    );
    assert_eq!(lists.len(), 1 + 3, "6 pods in pages of 2");
    assert!(lists[1..]
        .iter()
        .all(|r| r.query_param("limit") == Some("2")));
    assert!(lists[2].query_param("continue").is_some());
}

#[test]
fn expired_continue_token_restarts_the_list_without_repeating_items() {
    let server = FakeApiServer::start();
    let expected = stdout_of(&server, &["get", "pods", "-n", "test", "-o", "name"]);
    server.expire_continue_after(1);
    let out = stdout_of(
        &server,
        &[
            "get",
            "pods",
            "-n",
            "test",
            "-o",
            "name",
            "--chunk-size",
            "2",
        ],
    );
    assert_eq!(out, expected);
    let lists: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/namespaces/test/pods" && r.query_param("limit") == Some("2"))
        .collect();
    let fresh_starts = lists
        .iter()
        .filter(|r| r.query_param("continue").is_none())
        .count();
    assert_eq!(fresh_starts, 2, "the list restarted once after the 410");
}

#[test]
fn ignore_not_found_and_missing_names() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args(["get", "pod", "nope", "-n", "test", "--ignore-not-found"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
    kapi(&server)
        .args(["get", "pod", "nope", "db-0", "-n", "test", "-o", "name"])
        .assert()
        .code(1)
        .stdout("pod/db-0\n")
        .stderr("Error from server (NotFound): pods \"nope\" not found\n");
}

#[test]
fn empty_list_says_no_resources_found_on_stderr() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args(["get", "pods", "-n", "default"])
        .assert()
        .success()
        .stdout("")
        .stderr("No resources found in default namespace.\n");
    kapi(&server)
        .args(["get", "pods", "-A", "-l", "app=nothing"])
        .assert()
        .success()
        .stderr("No resources found\n");
}

#[test]
fn custom_resources_resolve_through_one_aggregated_discovery_round() {
    let server = FakeApiServer::start();
    let out = stdout_of(&server, &["get", "wg", "-n", "test"]);
    assert_eq!(
        out,
        "NAME    SIZE   AGE\nlarge   10     700d\nsmall   1      12h\n"
    );
    let p = paths(&server);
    assert_eq!(p.iter().filter(|p| *p == "/api").count(), 1);
    assert_eq!(p.iter().filter(|p| *p == "/apis").count(), 1);
    assert!(
        !p.iter()
            .any(|p| p.starts_with("/apis/") && p.split('/').count() == 4),
        "no legacy group documents: {p:?}"
    );
    let accept = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/apis")
        .unwrap();
    assert_eq!(
        accept.header("accept"),
        Some(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        )
    );
}

#[test]
fn servers_before_1_30_fall_back_to_legacy_discovery() {
    let server = FakeApiServer::builder().legacy_discovery_only().build();
    assert_eq!(
        stdout_of(
            &server,
            &["get", "widgets.example.com", "-n", "test", "-o", "name"]
        ),
        "widget.example.com/large\nwidget.example.com/small\n"
    );
    assert!(paths(&server).iter().any(|p| p == "/apis/example.com/v1"));
}

#[test]
fn api_resources_prints_discovery_like_kubectl() {
    let server = FakeApiServer::start();
    let out = stdout_of(&server, &["api-resources"]);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    );
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        ["bindings", "v1", "true", "Binding"]
    );
    let widgets = out.lines().find(|l| l.starts_with("widgets")).unwrap();
    assert_eq!(
        widgets.split_whitespace().collect::<Vec<_>>(),
        ["widgets", "wg", "example.com/v1", "true", "Widget"]
    );
    let ds = out.lines().find(|l| l.starts_with("daemonsets")).unwrap();
    assert_eq!(
        ds.split_whitespace().collect::<Vec<_>>(),
        ["daemonsets", "ds", "apps/v1", "true", "DaemonSet"]
    );
}

#[test]
fn unknown_type_reads_like_kubectl() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args(["get", "foo"])
        .assert()
        .code(1)
        .stderr("error: the server doesn't have a resource type \"foo\"\n");
}

#[test]
fn invalid_selector_shows_the_server_message() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args(["get", "pods", "-n", "test", "-l", "app in (gateway"])
        .assert()
        .code(1)
        .stderr(
            "Error from server (BadRequest): Unable to find \"/v1, Resource=pods\" that match label \
             selector \"app in (gateway\", field selector \"\": unable to parse requirement: found '', \
             expected: ',' or ')'\n",
        );
}

#[test]
fn bad_jsonpath_shows_the_position() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args(["get", "ds", "gateway", "-n", "test", "-o", "jsonpath={.status.numberReady"])
        .assert()
        .code(1)
        .stderr("error: failed to parse jsonpath \"{.status.numberReady\" at position 20: unclosed action\n");
    assert!(
        server.requests().is_empty(),
        "the template is checked before any request"
    );
}

#[test]
fn unknown_output_format_lists_the_valid_ones() {
    kapi_bare()
        .args(["get", "pods", "-o", "toml"])
        .assert()
        .code(2)
        .stderr(
            "error: unable to match a printer suitable for the output format \"toml\", allowed formats are: \
             custom-columns,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml\n\
             See 'kapi get --help' for usage.\n",
        );
}

#[test]
fn names_that_would_escape_the_path_are_rejected_before_any_request() {
    let server = FakeApiServer::start();
    for args in [
        &["pods", ".."][..],
        &["pods", "."],
        &["pod/.."],
        &["pod/a%2Fb"],
    ] {
        let out = kapi(&server)
            .arg("get")
            .args(args)
            .args(["-n", "test"])
            .output()
            .unwrap();
        let (_, stderr) = output_text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr.starts_with("error: invalid resource name "),
            "{stderr}"
        );
    }
    // A name with a slash is not a name: kubectl's usage error, exit 2.
    let out = kapi(&server)
        .args(["get", "pods", "../kube-system/secrets/admin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = kapi(&server)
        .args(["get", "pods", "-n", "../kube-system"])
        .output()
        .unwrap();
    assert!(output_text(&out).1.contains("invalid resource namespace"));
    assert!(server.requests().is_empty(), "{:?}", paths(&server));
}

#[test]
fn resource_slash_name_and_type_name_forms_cannot_mix() {
    let out = kapi_bare()
        .args(["get", "pods", "pod/db-0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(output_text(&out)
        .1
        .contains("there is no need to specify a resource type as a separate argument"));
}

#[test]
fn jsonpath_template_from_a_file() {
    let server = FakeApiServer::start();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        r#"{range .items[*]}{.metadata.name}={.status.podIP}{"\n"}{end}"#,
    )
    .unwrap();
    let out = stdout_of(
        &server,
        &[
            "get",
            "pods",
            "-n",
            "test",
            "-l",
            "app=gateway",
            "-o",
            &format!("jsonpath-file={}", file.path().display()),
        ],
    );
    assert_eq!(
        out,
        "gateway-b8n4q=10.244.2.11\ngateway-x7k2p=10.244.1.10\ngateway-zt9xw=\n"
    );
}
