//! The read path over real TLS: lists, selectors, paging, Tables,
//! discovery, generated pods (issue 3).

mod common;

use common::*;
use kapi_fake::FakeApiServer;
use serde_json::Value;

const TEST_PODS: [&str; 6] = [
    "backup-29440920-q7v2n",
    "db-0",
    "gateway-b8n4q",
    "gateway-x7k2p",
    "gateway-zt9xw",
    "migrate-x8k2m",
];

fn names_of(server: &FakeApiServer, path: &str) -> Vec<String> {
    let reply = get(server, path);
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    names(&reply.json())
}

#[test]
fn lists_pods_in_key_order_with_list_metadata() {
    let server = FakeApiServer::start();
    let reply = get(&server, "/api/v1/namespaces/test/pods");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json");
    assert!(reply.body.starts_with(&format!(
        r#"{{"kind":"PodList","apiVersion":"v1","metadata":{{"resourceVersion":"{}"}},"items":[{{"metadata":{{"name":"backup-29440920-q7v2n","#,
        server.resource_version()
    )));
    assert!(reply.body.ends_with("]}\n"));
    let list = reply.json();
    assert_eq!(names(&list), TEST_PODS);
    // Built-in list items carry no kind or apiVersion, as the real server's.
    assert!(list["items"][0].get("kind").is_none());
    assert_eq!(list["items"][0]["spec"]["nodeName"], "node-2");
}

#[test]
fn all_namespaces_and_cluster_scoped_lists() {
    let server = FakeApiServer::start();
    let all = names_of(&server, "/api/v1/pods");
    assert_eq!(all[0], "coredns-668d6bf9bc-xk2p8");
    assert_eq!(all[1..], TEST_PODS);
    assert_eq!(names_of(&server, "/api/v1/nodes"), ["node-1", "node-2"]);
    assert_eq!(
        names_of(&server, "/api/v1/namespaces"),
        ["big", "default", "kube-system", "test"]
    );
    assert_eq!(
        names_of(&server, "/api/v1/configmaps"),
        [
            "kube-root-ca.crt",
            "coredns",
            "kube-root-ca.crt",
            "app-config",
            "feature-flags",
            "kube-root-ca.crt"
        ]
    );
    assert_eq!(names_of(&server, "/apis/apps/v1/daemonsets"), ["gateway"]);
    let widgets = get(&server, "/apis/example.com/v1/namespaces/test/widgets").json();
    assert_eq!(widgets["kind"], "WidgetList");
    assert_eq!(names(&widgets), ["large", "small"]);
    // Custom resources keep kind and apiVersion in lists.
    assert_eq!(widgets["items"][0]["kind"], "Widget");
}

#[test]
fn limit_and_continue_page_through_a_list() {
    let server = FakeApiServer::start();
    let first = get(&server, "/api/v1/pods?limit=3").json();
    assert_eq!(names(&first).len(), 3);
    assert_eq!(first["metadata"]["remainingItemCount"], 4);
    let rv = first["metadata"]["resourceVersion"].clone();
    let mut all = names(&first);
    let mut token = first["metadata"]["continue"].as_str().unwrap().to_string();
    loop {
        let page = get(&server, &format!("/api/v1/pods?limit=3&continue={token}")).json();
        assert_eq!(page["metadata"]["resourceVersion"], rv);
        all.extend(names(&page));
        match page["metadata"]["continue"].as_str() {
            Some(next) => token = next.to_string(),
            None => {
                assert!(page["metadata"].get("remainingItemCount").is_none());
                break;
            }
        }
    }
    assert_eq!(all, names_of(&server, "/api/v1/pods"));
}

#[test]
fn label_selectors() {
    let server = FakeApiServer::start();
    let pods = |selector: &str| {
        names_of(
            &server,
            &format!(
                "/api/v1/namespaces/test/pods?labelSelector={}",
                encode(selector)
            ),
        )
    };
    assert_eq!(
        pods("app=gateway"),
        ["gateway-b8n4q", "gateway-x7k2p", "gateway-zt9xw"]
    );
    assert_eq!(pods("app==db"), ["db-0"]);
    assert_eq!(pods("app in (db,migrate)"), ["db-0"]);
    assert_eq!(
        pods("tier"),
        ["db-0", "gateway-b8n4q", "gateway-x7k2p", "gateway-zt9xw"]
    );
    assert_eq!(pods("!tier"), ["backup-29440920-q7v2n", "migrate-x8k2m"]);
    assert_eq!(pods("app=gateway,tier!=frontend"), Vec::<String>::new());
    assert_eq!(
        pods("job-name notin (backup-29440920),job-name"),
        ["migrate-x8k2m"]
    );
    assert_eq!(
        pods("tier!=frontend"),
        ["backup-29440920-q7v2n", "db-0", "migrate-x8k2m"]
    );
}

#[test]
fn field_selectors() {
    let server = FakeApiServer::start();
    let pods = |selector: &str| {
        names_of(
            &server,
            &format!("/api/v1/pods?fieldSelector={}", encode(selector)),
        )
    };
    assert_eq!(pods("status.phase=Pending"), ["gateway-zt9xw"]);
    assert_eq!(
        pods("status.phase!=Running"),
        ["backup-29440920-q7v2n", "gateway-zt9xw"]
    );
    assert_eq!(
        pods("spec.nodeName=node-2,metadata.namespace=test"),
        ["backup-29440920-q7v2n", "gateway-b8n4q", "gateway-zt9xw"]
    );
    assert_eq!(pods("metadata.name==db-0"), ["db-0"]);
    let cm = names_of(
        &server,
        "/api/v1/namespaces/test/configmaps?fieldSelector=metadata.name%3Dapp-config",
    );
    assert_eq!(cm, ["app-config"]);
}

#[test]
fn invalid_selectors_get_the_real_400() {
    let server = FakeApiServer::start();
    let reply = get(
        &server,
        "/api/v1/namespaces/test/pods?labelSelector=app%3Aweb",
    );
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body,
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"unable to parse requirement: \\u003cnil\\u003e: Invalid value: \\\"app:web\\\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')\",\"reason\":\"BadRequest\",\"code\":400}\n"
    );
    let unclosed = get(
        &server,
        &format!("/api/v1/pods?labelSelector={}", encode("app in (a")),
    );
    assert_eq!(
        unclosed.json()["message"],
        "unable to parse requirement: found '', expected: ',' or ')'"
    );
    let field = get(&server, "/api/v1/pods?fieldSelector=spec.foo%3Dx");
    assert_eq!(field.status, 400);
    assert_eq!(
        field.json()["message"],
        "field label not supported: spec.foo"
    );
    let bad_term = get(&server, "/api/v1/pods?fieldSelector=status.phase");
    assert_eq!(
        bad_term.json()["message"],
        "invalid selector: 'status.phase'; can't understand 'status.phase'"
    );
    let token = get(&server, "/api/v1/pods?limit=1&continue=%25%25");
    assert_eq!(token.status, 400);
    assert!(token.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("invalid continue token:"));
}

#[test]
fn resource_version_zero_is_served() {
    let server = FakeApiServer::start();
    assert_eq!(
        names_of(&server, "/api/v1/namespaces/test/pods?resourceVersion=0"),
        TEST_PODS
    );
    assert_eq!(
        names_of(
            &server,
            "/api/v1/namespaces/test/pods?resourceVersion=0&limit=500"
        ),
        TEST_PODS
    );
}

#[test]
fn expired_continue_tokens_get_410() {
    let server = FakeApiServer::start();
    server.expire_continue_tokens();
    let first = get(&server, "/api/v1/pods?limit=2");
    assert_eq!(first.status, 200, "the first page has no token");
    let token = first.json()["metadata"]["continue"]
        .as_str()
        .unwrap()
        .to_string();
    let second = get(&server, &format!("/api/v1/pods?limit=2&continue={token}"));
    assert_eq!(second.status, 410);
    let status = second.json();
    assert_eq!(status["reason"], "Expired");
    assert_eq!(status["code"], 410);
    assert_eq!(
        status["message"],
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
    );
    assert!(status["metadata"]["continue"].is_string());
    // A full list without a token still works (client-go's pager fallback).
    assert_eq!(get(&server, "/api/v1/pods").status, 200);

    server.expire_continue_after(1);
    let page2 = get(&server, &format!("/api/v1/pods?limit=2&continue={token}"));
    assert_eq!(page2.status, 200);
    let token3 = page2.json()["metadata"]["continue"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        get(&server, &format!("/api/v1/pods?limit=2&continue={token3}")).status,
        410
    );
    server.keep_continue_tokens();
    assert_eq!(
        get(&server, &format!("/api/v1/pods?limit=2&continue={token3}")).status,
        200
    );
}

fn column_names(table: &Value) -> Vec<(String, i64)> {
    table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["priority"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn cells(table: &Value) -> Vec<Vec<Value>> {
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cells"].as_array().unwrap().clone())
        .collect()
}

/// Expected cells: strings, except `#N` for the integer N.
fn row(values: &[&str]) -> Vec<Value> {
    values
        .iter()
        .map(|v| match v.strip_prefix('#') {
            Some(n) => Value::from(n.parse::<i64>().unwrap()),
            None => Value::from(*v),
        })
        .collect()
}

#[test]
fn pod_table_as_kubectl_gets_it() {
    let server = FakeApiServer::start();
    let reply = get_table(&server, "/api/v1/namespaces/test/pods");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.content_type,
        "application/json;as=Table;v=v1;g=meta.k8s.io"
    );
    let table = reply.json();
    assert_eq!(table["kind"], "Table");
    assert_eq!(table["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(
        column_names(&table),
        [
            ("Name".into(), 0),
            ("Ready".into(), 0),
            ("Status".into(), 0),
            ("Restarts".into(), 0),
            ("Age".into(), 0),
            ("IP".into(), 1),
            ("Node".into(), 1),
            ("Nominated Node".into(), 1),
            ("Readiness Gates".into(), 1)
        ]
    );
    assert_eq!(table["columnDefinitions"][0]["format"], "name");
    assert_eq!(
        cells(&table),
        [
            row(&[
                "backup-29440920-q7v2n",
                "0/1",
                "Completed",
                "0",
                "6h",
                "10.244.2.40",
                "node-2",
                "<none>",
                "<none>"
            ]),
            row(&[
                "db-0",
                "2/2",
                "Running",
                "0",
                "7d",
                "10.244.1.20",
                "node-1",
                "<none>",
                "<none>"
            ]),
            row(&[
                "gateway-b8n4q",
                "1/1",
                "Running",
                "2 (5h ago)",
                "2d3h",
                "10.244.2.11",
                "node-2",
                "<none>",
                "<none>"
            ]),
            row(&[
                "gateway-x7k2p",
                "1/1",
                "Running",
                "0",
                "364d",
                "10.244.1.10",
                "node-1",
                "<none>",
                "<none>"
            ]),
            row(&[
                "gateway-zt9xw",
                "0/1",
                "ContainerCreating",
                "0",
                "5m30s",
                "<none>",
                "node-2",
                "<none>",
                "<none>"
            ]),
            row(&[
                "migrate-x8k2m",
                "1/1",
                "Running",
                "0",
                "2m",
                "10.244.1.30",
                "node-1",
                "<none>",
                "<none>"
            ]),
        ]
    );
    let completed = &table["rows"][0];
    assert_eq!(completed["conditions"][0]["reason"], "Succeeded");
    let object = &table["rows"][1]["object"];
    assert_eq!(object["kind"], "PartialObjectMetadata");
    assert_eq!(object["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(object["metadata"]["name"], "db-0");
    assert!(object.get("spec").is_none());
}

#[test]
fn tables_include_objects_as_asked() {
    let server = FakeApiServer::start();
    let full = get_table(&server, "/api/v1/namespaces/test/pods?includeObject=Object").json();
    assert_eq!(full["rows"][1]["object"]["kind"], "Pod");
    assert_eq!(full["rows"][1]["object"]["spec"]["nodeName"], "node-1");
    let none = get_table(&server, "/api/v1/namespaces/test/pods?includeObject=None").json();
    assert!(none["rows"][1]["object"].is_null());
    let bad = get_table(
        &server,
        "/api/v1/namespaces/test/pods?includeObject=Everything",
    );
    assert_eq!(bad.status, 400);
}

#[test]
fn tables_of_other_types() {
    let server = FakeApiServer::start();
    let table = |path: &str| get_table(&server, path).json();

    let ds = table("/apis/apps/v1/namespaces/test/daemonsets/gateway");
    assert_eq!(ds["metadata"]["resourceVersion"], "184467");
    assert_eq!(
        column_names(&ds)
            .iter()
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>(),
        [
            "Name",
            "Desired",
            "Current",
            "Ready",
            "Up-to-date",
            "Available",
            "Node Selector",
            "Age",
            "Containers",
            "Images",
            "Selector"
        ]
    );
    assert_eq!(
        cells(&ds),
        [row(&[
            "gateway",
            "#20",
            "#20",
            "#19",
            "#20",
            "#19",
            "<none>",
            "365d",
            "gateway",
            "registry.example.com/gateway:1.4.2",
            "app=gateway"
        ])]
    );

    let cms = table("/api/v1/namespaces/test/configmaps");
    assert_eq!(
        column_names(&cms),
        [("Name".into(), 0), ("Data".into(), 0), ("Age".into(), 0)]
    );
    assert_eq!(
        cells(&cms),
        [
            row(&["app-config", "#3", "12h"]),
            row(&["feature-flags", "#2", "2d3h"]),
            row(&["kube-root-ca.crt", "#1", "700d"])
        ]
    );

    let nodes = table("/api/v1/nodes");
    assert_eq!(
        cells(&nodes)[0],
        row(&[
            "node-1",
            "Ready",
            "control-plane",
            "716d",
            "v1.33.1",
            "172.18.0.2",
            "<none>",
            "Debian GNU/Linux 12 (bookworm)",
            "6.8.0-49-generic",
            "containerd://2.0.5"
        ])
    );
    assert_eq!(cells(&nodes)[1][2], "<none>");

    let svc = table("/api/v1/namespaces/test/services");
    assert_eq!(
        cells(&svc),
        [row(&[
            "gateway",
            "ClusterIP",
            "10.96.12.34",
            "<none>",
            "80/TCP",
            "365d",
            "app=gateway"
        ])]
    );

    let jobs = table("/apis/batch/v1/namespaces/test/jobs");
    assert_eq!(
        column_names(&jobs)
            .iter()
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>(),
        [
            "Name",
            "Status",
            "Completions",
            "Duration",
            "Age",
            "Containers",
            "Images",
            "Selector"
        ]
    );
    assert_eq!(
        cells(&jobs),
        [row(&[
            "migrate",
            "Running",
            "0/1",
            "2m",
            "2m",
            "migrate",
            "registry.example.com/migrate:3.1.0",
            "batch.kubernetes.io/controller-uid=6e8a0c2e-4b6d-4e8a-9c0e-4b6d8f0a2c01"
        ])]
    );

    let deploy = table("/apis/apps/v1/namespaces/test/deployments");
    assert_eq!(
        cells(&deploy),
        [row(&[
            "web",
            "2/2",
            "#2",
            "#2",
            "61d",
            "web",
            "docker.io/library/nginx:1.27.3",
            "app=web"
        ])]
    );

    let namespaces = table("/api/v1/namespaces");
    assert_eq!(cells(&namespaces)[3], row(&["test", "Active", "700d"]));

    let widgets = table("/apis/example.com/v1/namespaces/test/widgets");
    assert_eq!(
        column_names(&widgets),
        [
            ("Name".into(), 0),
            ("Size".into(), 0),
            ("Color".into(), 1),
            ("Age".into(), 0)
        ]
    );
    assert_eq!(widgets["columnDefinitions"][1]["type"], "integer");
    assert_eq!(
        widgets["columnDefinitions"][1]["description"],
        "How big the widget is"
    );
    assert_eq!(
        cells(&widgets),
        [
            row(&["large", "#10", "red", "700d"]),
            row(&["small", "#1", "blue", "12h"])
        ]
    );

    // No printer: the default convertor's Name and Created At (a date).
    let crds = table("/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
    assert_eq!(
        column_names(&crds),
        [("Name".into(), 0), ("Created At".into(), 0)]
    );
    assert_eq!(crds["columnDefinitions"][1]["type"], "date");
    assert_eq!(
        cells(&crds),
        [row(&["widgets.example.com", "2025-06-01T00:00:00Z"])]
    );
}

#[test]
fn ages_follow_the_fake_clock() {
    let server = FakeApiServer::builder().now("2026-01-03T00:00:00Z").build();
    assert_eq!(server.now(), "2026-01-03T00:00:00Z");
    let age = |server: &FakeApiServer| {
        get_table(server, "/api/v1/namespaces/test/configmaps/app-config").json()["rows"][0]
            ["cells"][2]
            .clone()
    };
    assert_eq!(age(&server), "2d12h");
    server.set_now("2025-12-31T12:05:30Z");
    assert_eq!(age(&server), "5m30s");
    server.advance_clock(std::time::Duration::from_secs(3600));
    assert_eq!(age(&server), "65m");
}

#[test]
fn aggregated_discovery_when_asked() {
    let server = FakeApiServer::start();
    let accept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    let core = get_accept(&server, "/api", Some(accept));
    assert_eq!(core.status, 200);
    assert_eq!(
        core.content_type,
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    let core = core.json();
    assert_eq!(core["kind"], "APIGroupDiscoveryList");
    let pods = core["items"][0]["versions"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "pods")
        .unwrap()
        .clone();
    assert_eq!(pods["shortNames"][0], "po");
    assert_eq!(pods["scope"], "Namespaced");

    let apis = get_accept(&server, "/apis", Some(accept)).json();
    let groups: Vec<&str> = apis["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups[..2], ["apiregistration.k8s.io", "apps"]);
    assert_eq!(groups.last(), Some(&"example.com"));
    for group in [
        "batch",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "coordination.k8s.io",
        "autoscaling",
        "authorization.k8s.io",
        "authentication.k8s.io",
        "events.k8s.io",
        "storage.k8s.io",
        "policy",
        "discovery.k8s.io",
        "apiextensions.k8s.io",
    ] {
        assert!(groups.contains(&group), "{group}");
    }
    let example = apis["items"].as_array().unwrap().last().unwrap();
    let widgets = &example["versions"][0]["resources"][0];
    assert_eq!(widgets["resource"], "widgets");
    assert_eq!(widgets["shortNames"][0], "wg");
    assert_eq!(widgets["responseKind"]["kind"], "Widget");
    let autoscaling = apis["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["metadata"]["name"] == "autoscaling")
        .unwrap();
    assert_eq!(autoscaling["versions"][0]["version"], "v2");
    assert_eq!(autoscaling["versions"][1]["version"], "v1");
}

#[test]
fn legacy_discovery() {
    let server = FakeApiServer::start();
    let core = get(&server, "/api");
    assert_eq!(core.content_type, "application/json");
    let core = core.json();
    assert_eq!(core["kind"], "APIVersions");
    assert_eq!(core["versions"][0], "v1");
    assert_eq!(
        core["serverAddressByClientCIDRs"][0]["serverAddress"],
        format!("127.0.0.1:{}", server.port())
    );
    let groups = get(&server, "/apis").json();
    assert_eq!(groups["kind"], "APIGroupList");
    let apps = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "apps")
        .unwrap();
    assert_eq!(apps["preferredVersion"]["groupVersion"], "apps/v1");
    assert!(groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["name"] == "example.com"));

    let v1 = get(&server, "/api/v1").json();
    assert_eq!(v1["kind"], "APIResourceList");
    assert!(v1.get("apiVersion").is_none());
    assert_eq!(v1["groupVersion"], "v1");
    let resources = v1["resources"].as_array().unwrap();
    let log = resources.iter().find(|r| r["name"] == "pods/log").unwrap();
    assert_eq!(log["kind"], "Pod");
    assert_eq!(log["verbs"][0], "get");
    let eviction = resources
        .iter()
        .find(|r| r["name"] == "pods/eviction")
        .unwrap();
    assert_eq!(eviction["group"], "policy");

    let apps_v1 = get(&server, "/apis/apps/v1").json();
    assert_eq!(apps_v1["apiVersion"], "v1");
    let deploy = apps_v1["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "deployments")
        .unwrap();
    assert_eq!(deploy["shortNames"][0], "deploy");
    assert_eq!(deploy["singularName"], "deployment");
    let scale = apps_v1["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "deployments/scale")
        .unwrap();
    assert_eq!(
        (scale["group"].as_str(), scale["kind"].as_str()),
        (Some("autoscaling"), Some("Scale"))
    );

    let example = get(&server, "/apis/example.com/v1").json();
    assert_eq!(example["resources"][0]["name"], "widgets");
    assert_eq!(get(&server, "/apis/apps").json()["kind"], "APIGroup");
    assert_eq!(get(&server, "/apis/nope.example/v1").status, 404);
}

#[test]
fn legacy_discovery_only_ignores_the_aggregated_accept() {
    let server = FakeApiServer::builder().legacy_discovery_only().build();
    let accept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    let apis = get_accept(&server, "/apis", Some(accept));
    assert_eq!(apis.content_type, "application/json");
    assert_eq!(apis.json()["kind"], "APIGroupList");
    assert_eq!(
        get_accept(&server, "/api", Some(accept)).json()["kind"],
        "APIVersions"
    );
}

#[test]
fn unknown_resources_and_groups() {
    let server = FakeApiServer::start();
    let reply = get(&server, "/api/v1/namespaces/test/gizmos");
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.json()["message"],
        "the server could not find the requested resource"
    );
    assert_eq!(
        get(&server, "/apis/nope.io/v1/namespaces/test/things").body,
        "404 page not found\n"
    );
    let widget = get(
        &server,
        "/apis/example.com/v1/namespaces/test/widgets/small",
    );
    assert_eq!(
        widget.body,
        fixture("apis/example.com/v1/namespaces/test/widgets/small.json")
    );
}

#[test]
fn many_pods_are_generated_page_by_page() {
    let server = FakeApiServer::builder().many_pods(5_000).build();
    let mut names_seen = Vec::new();
    let mut path = "/api/v1/namespaces/big/pods?limit=500".to_string();
    let mut pages = 0;
    loop {
        let page = get(&server, &path).json();
        pages += 1;
        names_seen.extend(names(&page));
        match page["metadata"]["continue"].as_str() {
            Some(token) => path = format!("/api/v1/namespaces/big/pods?limit=500&continue={token}"),
            None => break,
        }
    }
    assert_eq!(pages, 10);
    assert_eq!(names_seen.len(), 5_000);
    assert_eq!(names_seen[0], "pod-00000");
    assert_eq!(names_seen[4_999], "pod-04999");
    assert!(names_seen.windows(2).all(|w| w[0] < w[1]));

    let first = get(&server, "/api/v1/namespaces/big/pods?limit=10").json();
    assert_eq!(first["metadata"]["remainingItemCount"], 4_990);
    let shard = get(
        &server,
        "/api/v1/namespaces/big/pods?labelSelector=shard%3D3",
    )
    .json();
    assert_eq!(names(&shard).len(), 500);
    let one = get(&server, "/api/v1/namespaces/big/pods/pod-00042").json();
    assert_eq!(one["kind"], "Pod");
    assert_eq!(one["metadata"]["labels"]["shard"], "2");
    assert_eq!(
        get(&server, "/api/v1/namespaces/big/pods/pod-05000").status,
        404
    );

    let table = get_table(&server, "/api/v1/namespaces/big/pods?limit=2").json();
    assert_eq!(
        cells(&table)[1],
        row(&[
            "pod-00001",
            "1/1",
            "Running",
            "1",
            "30d",
            "10.100.0.3",
            "node-2",
            "<none>",
            "<none>"
        ])
    );
    // All namespaces: namespace big sorts first.
    let all = get(&server, "/api/v1/pods?limit=5001").json();
    assert_eq!(names(&all)[4_999], "pod-04999");
    assert_eq!(names(&all)[5_000], "coredns-668d6bf9bc-xk2p8");
    assert!(all["metadata"]["continue"].is_string());
}

#[test]
fn a_full_list_of_many_pods_streams() {
    let server = FakeApiServer::builder().many_pods(3_000).build();
    let reply = get(&server, "/api/v1/namespaces/big/pods");
    assert_eq!(reply.status, 200);
    let list = reply.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 3_000);
    let table = get_table(&server, "/api/v1/namespaces/big/pods").json();
    assert_eq!(table["rows"].as_array().unwrap().len(), 3_000);
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn ignore_limit_serves_the_whole_list_as_one_page() {
    let server = FakeApiServer::builder()
        .many_pods(1_500)
        .ignore_limit()
        .build();
    let page = get(&server, "/api/v1/namespaces/big/pods?limit=500").json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1_500);
    assert!(page["metadata"].get("continue").is_none());
}

#[test]
fn stuck_continue_answers_a_token_with_itself() {
    let server = FakeApiServer::builder().stuck_continue().build();
    let first = get(&server, "/api/v1/namespaces/test/pods?limit=2").json();
    let token = first["metadata"]["continue"].as_str().unwrap().to_string();
    let second = get(
        &server,
        &format!("/api/v1/namespaces/test/pods?limit=2&continue={token}"),
    )
    .json();
    assert_eq!(second["metadata"]["continue"], token.as_str());
    assert_eq!(names(&second), TEST_PODS[2..4]);
}
