//! Issue 9 and issue 13 item 1: every output format reads a list one item
//! at a time, so a server page that ignores `limit` prints exactly what the
//! same list in pages of 500 prints.

use kapi_fake::FakeApiServer;

use crate::util::*;

/// More than two pages of 500, so the paged list has three.
const PODS: usize = 1_234;

const FORMATS: &[&[&str]] = &[
    &["-o", "name"],
    &["-o", "json"],
    &["-o", "yaml"],
    &[],
    &["-o", "wide"],
    &["--show-labels"],
    &[
        "-o",
        "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,IP:.status.podIP",
    ],
    &[
        "-o",
        "jsonpath={range .items[*]}{.metadata.name}{\"\\t\"}{.status.podIP}{\"\\n\"}{end}",
    ],
    &["-o", "jsonpath={.items[*].metadata.name}"],
    &["-o", "jsonpath={.items[1233].metadata.name} {.kind}"],
    &["-o", "jsonpath-as-json={.items[*].metadata.name}"],
];

fn get_pods(server: &FakeApiServer, extra: &[&str]) -> String {
    let out = kapi(server)
        .args(["get", "pods", "-n", "big"])
        .args(extra)
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert!(out.status.success(), "{extra:?}: {stderr}");
    stdout
}

fn list_requests(server: &FakeApiServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/namespaces/big/pods")
        .count()
}

#[test]
fn every_format_prints_a_page_that_ignores_limit_as_the_paged_list() {
    let paged = FakeApiServer::builder().many_pods(PODS).build();
    let one_page = FakeApiServer::builder()
        .many_pods(PODS)
        .ignore_limit()
        .build();
    for format in FORMATS {
        let expected = get_pods(&paged, format);
        let got = get_pods(&one_page, format);
        assert!(
            got == expected,
            "{format:?}: the single page printed differently ({} vs {} bytes)",
            got.len(),
            expected.len()
        );
        assert!(got.contains("pod-01233"), "{format:?}: {got:.200}");
    }
    assert_eq!(list_requests(&paged), FORMATS.len() * 3, "three pages each");
    assert_eq!(list_requests(&one_page), FORMATS.len(), "one page each");
}

#[test]
fn a_table_from_one_page_is_aligned_per_500_rows_like_the_paged_one() {
    let server = FakeApiServer::builder()
        .many_pods(PODS)
        .ignore_limit()
        .build();
    let out = get_pods(&server, &["--chunk-size", "0"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), PODS + 1);
    assert!(lines[0].starts_with("NAME"));
    assert!(lines[1].starts_with("pod-00000   "));
}

#[test]
fn a_continue_token_that_never_advances_fails_with_the_path() {
    let server = FakeApiServer::builder().stuck_continue().build();
    let out = kapi(&server)
        .args([
            "get",
            "pods",
            "-n",
            "test",
            "--chunk-size",
            "1",
            "-o",
            "name",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert!(!out.status.success());
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stderr.contains("did not advance the list of /api/v1/namespaces/test/pods"),
        "{stderr}"
    );
}

#[test]
fn a_list_truncated_mid_item_fails_instead_of_printing_a_short_list() {
    let server = FakeApiServer::start();
    server.respond(
        "GET",
        "/api/v1/namespaces/test/pods",
        200,
        "application/json",
        r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"a"}},{"metadata":{"na"#,
    );
    let out = kapi(&server)
        .args(["get", "pods", "-n", "test", "-o", "name"])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert!(!out.status.success());
    assert_eq!(stdout, "pod/a\n");
    assert!(stderr.contains("ended early"), "{stderr}");
}
