//! Tests: every case of client-go's `jsonpath_test.go` and `parser_test.go`
//! (numbered as in REFERENCE.md d.2), kubectl's `TestMassageJSONPath`, and
//! kapi's own behaviour (positions, limits, no panics).

use super::*;
use serde_json::json;

// ---------------------------------------------------------------------------
// Helpers

/// Renders with missing keys allowed, as `kubectl -o jsonpath` does.
#[track_caller]
fn render(template: &str, data: &Value) -> String {
    match JsonPath::parse(template).and_then(|t| t.render(data)) {
        Ok(out) => out,
        Err(e) => panic!("{template}: {e}"),
    }
}

/// Renders with missing keys as errors, as client-go's `testJSONPath(.., false)`.
fn render_strict(template: &str, data: &Value) -> Result<String, JsonPathError> {
    JsonPath::parse(template)?
        .allow_missing_keys(false)
        .render(data)
}

#[track_caller]
fn strict(template: &str, data: &Value) -> String {
    match render_strict(template, data) {
        Ok(out) => out,
        Err(e) => panic!("{template}: {e}"),
    }
}

#[track_caller]
fn parse_err(template: &str) -> JsonPathError {
    match JsonPath::parse(template) {
        Ok(t) => panic!("{template}: parsed as {t:?}"),
        Err(e) => {
            assert_eq!(e.kind(), JsonPathErrorKind::Parse, "{e}");
            e
        }
    }
}

/// Parses fine but fails to execute (missing keys not allowed).
#[track_caller]
fn exec_err(template: &str, data: &Value) -> JsonPathError {
    let parsed = match JsonPath::parse(template) {
        Ok(t) => t,
        Err(e) => panic!("{template}: {e}"),
    };
    match parsed.allow_missing_keys(false).render(data) {
        Ok(out) => panic!("{template}: rendered {out:?}"),
        Err(e) => {
            assert_eq!(e.kind(), JsonPathErrorKind::Execute, "{e}");
            e
        }
    }
}

/// Either a parse or an execution error, as client-go's `expectError`.
#[track_caller]
fn any_err(template: &str, data: &Value) -> JsonPathError {
    match render_strict(template, data) {
        Ok(out) => panic!("{template}: rendered {out:?}"),
        Err(e) => e,
    }
}

fn sorted_words(s: &str) -> Vec<&str> {
    let mut words: Vec<&str> = s.split_whitespace().collect();
    words.sort_unstable();
    words
}

// ---------------------------------------------------------------------------
// Inputs of jsonpath_test.go, as the JSON kubectl would see.

/// T: `TestTypesInput`.
fn types() -> Value {
    json!({
        "bools": [true, false, true, false],
        "integers": [1, 2, 3, 4],
        "floats": [1.0, 2.2, 3.3, 4.0],
        "strings": ["one", "two", "three", "four"],
        "interfaces": [true, "one", 1, 1.1],
        "maps": [
            {"name": "one", "value": 1},
            {"name": "two", "value": 2.02},
            {"name": "three", "value": 3.03},
            {"name": "four", "value": 4.04}
        ],
        "structs": [
            {"name": "one", "value": 1, "type": "integer"},
            {"name": "two", "value": 2.002, "type": "float"},
            {"name": "three", "value": 3, "type": "integer"},
            {"name": "four", "value": 4.004, "type": "float"}
        ]
    })
}

/// S: `storeData`, with the Go structs' field names as keys.
fn store() -> Value {
    json!({
        "Name": "jsonpath",
        "Book": [
            {"Category": "reference", "Author": "Nigel Rees", "Title": "Sayings of the Centurey", "Price": 8.95},
            {"Category": "fiction", "Author": "Evelyn Waugh", "Title": "Sword of Honour", "Price": 12.99},
            {"Category": "fiction", "Author": "Herman Melville", "Title": "Moby Dick", "Price": 8.99}
        ],
        "Bicycle": [
            {"Color": "red", "Price": 19.95, "IsNew": true},
            {"Color": "green", "Price": 20.01, "IsNew": false}
        ],
        "Labels": {"engieer": 10, "web/html": 15, "k8s-app": 20},
        "Employees": {"jason": "manager", "dan": "clerk"}
    })
}

/// P: the points of `TestJSONInput`, with the `x: null` point i7.
fn points() -> Value {
    json!([
        {"id": "i1", "x": 4, "y": -5},
        {"id": "i2", "x": -2, "y": -5, "z": 1},
        {"id": "i3", "x": 8, "y": 3},
        {"id": "i4", "x": -6, "y": -1},
        {"id": "i5", "x": 0, "y": 2, "z": 1},
        {"id": "i6", "x": 1, "y": 4},
        {"id": "i7", "x": null, "y": 4}
    ])
}

/// N: the node list of `TestKubernetes`.
fn nodes() -> Value {
    json!({
        "kind": "List",
        "items": [
            {
                "kind": "None",
                "metadata": {"name": "127.0.0.1", "labels": {"kubernetes.io/hostname": "127.0.0.1"}},
                "status": {
                    "capacity": {"cpu": "4"},
                    "ready": true,
                    "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]
                }
            },
            {
                "kind": "None",
                "metadata": {"name": "127.0.0.2", "labels": {"kubernetes.io/hostname": "127.0.0.2"}},
                "status": {
                    "capacity": {"cpu": "8"},
                    "ready": false,
                    "addresses": [
                        {"type": "LegacyHostIP", "address": "127.0.0.2"},
                        {"type": "another", "address": "127.0.0.3"}
                    ]
                }
            }
        ],
        "users": [
            {"name": "myself", "user": {}},
            {"name": "e2e", "user": {"username": "admin", "password": "secret"}}
        ]
    })
}

/// `TestNestedRanges`: pod1 {foo, bar}, pod2 {baz}.
fn nested_pods() -> Value {
    let another = json!([{"name": "value1"}, {"name": "value2"}]);
    json!({"items": [
        {"metadata": {"name": "pod1"}, "spec": {"containers": [
            {"name": "foo", "another": another},
            {"name": "bar", "another": another}
        ]}},
        {"metadata": {"name": "pod2"}, "spec": {"containers": [
            {"name": "baz", "another": another}
        ]}}
    ]})
}

/// `TestFilterPartialMatchesSometimesMissingAnnotations`.
fn annotated_pods() -> Value {
    json!({"kind": "List", "items": [
        {"kind": "Pod", "metadata": {"name": "pod1", "annotations": {"color": "blue"}}},
        {"kind": "Pod", "metadata": {"name": "pod2"}},
        {"kind": "Pod", "metadata": {"name": "pod3", "annotations": {"color": "green"}}},
        {"kind": "Pod", "metadata": {"name": "pod4", "annotations": {"color": "blue"}}}
    ]})
}

/// C4 and C6: a pod with containers fake0..fake(n-1).
fn containers(n: usize) -> Value {
    let list: Vec<Value> = (0..n)
        .map(|i| json!({"image": "radial/busyboxplus:curl", "name": format!("fake{i}")}))
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": list}})
}

/// `TestRunningPodsJSONPathOutput`.
fn running_pods() -> Value {
    json!({"kind": "List", "items": [
        {"kind": "Pod", "metadata": {"name": "pod1"}, "status": {"phase": "Running"}},
        {"kind": "Pod", "metadata": {"name": "pod2"}, "status": {"phase": "Running"}},
        {"kind": "Pod", "metadata": {"name": "pod3"}, "status": {"phase": "Running"}},
        {"resourceVersion": ""}
    ]})
}

// ---------------------------------------------------------------------------
// REFERENCE.md d.2, cases 1-23: TestTypesInput (missing keys not allowed).

#[test]
fn client_go_types_input_cases() {
    let t = types();
    let cases: &[(u32, &str, &str)] = &[
        (1, "{ .bools }", "[true,false,true,false]"),
        (2, "{ .bools[0] }", "true"),
        (3, "{ .bools[-1] }", "false"),
        (4, "{ .bools[0:2] }", "true false"),
        (5, "{ .bools[:2] }", "true false"),
        (6, "{ .bools[:4:2] }", "true true"),
        (7, "{ .integers }", "[1,2,3,4]"),
        (8, "{ .integers[-2] }", "3"),
        (9, "{ .integers[:4:2] }", "1 3"),
        (10, "{ .floats }", "[1,2.2,3.3,4]"),
        (11, "{ .floats[0] }", "1"),
        (12, "{ .floats[0:2] }", "1 2.2"),
        (13, "{ .strings }", r#"["one","two","three","four"]"#),
        (14, "{ .strings[0] }", "one"),
        (15, "{ .strings[:4:2] }", "one three"),
        (16, "{ .interfaces }", r#"[true,"one",1,1.1]"#),
        (17, "{ .interfaces[0:2] }", "true one"),
        (18, "{ .interfaces[:4:2] }", "true 1"),
        (19, "{ .maps[0] }", r#"{"name":"one","value":1}"#),
        (20, "{ .maps[-2] }", r#"{"name":"three","value":3.03}"#),
        (
            21,
            "{ .maps[::2] }",
            r#"{"name":"one","value":1} {"name":"three","value":3.03}"#,
        ),
        (
            22,
            "{ .maps[1::2] }",
            r#"{"name":"two","value":2.02} {"name":"four","value":4.04}"#,
        ),
        // client-go's input is a Go struct, printed in field order
        // (`{"name":..,"value":..,"type":..}`); kubectl only ever sees maps,
        // which encoding/json prints with sorted keys.
        (
            23,
            "{ .structs[0] }",
            r#"{"name":"one","type":"integer","value":1}"#,
        ),
        // The rest of TestTypesInput, not numbered in REFERENCE.md.
        (0, "{ .floats[-2] }", "3.3"),
        (0, "{ .floats[:4:2] }", "1 3.3"),
        (0, "{ .interfaces[-2] }", "1"),
        (0, "{ .strings[-2] }", "three"),
        (
            0,
            "{ .structs[1::2] }",
            r#"{"name":"two","type":"float","value":2.002} {"name":"four","type":"float","value":4.004}"#,
        ),
    ];
    for (n, template, expected) in cases {
        assert_eq!(strict(template, &t), *expected, "case {n}: {template}");
    }
}

// ---------------------------------------------------------------------------
// Cases 24-46: TestStructInput.

#[test]
fn client_go_store_cases() {
    let s = store();
    let cases: &[(u32, &str, Value, &str)] = &[
        (24, "hello jsonpath", Value::Null, "hello jsonpath"),
        (25, "{..}", json!([1, 2, 3]), "[1,2,3]"),
        (26, "{[?(@<5)]}", json!([2, 6, 3, 7]), "2 3"),
        (27, r#"{"{"}"#, Value::Null, "{"),
        (28, "{[1,3,4]}", json!([0, 1, 2, 3, 4]), "1 3 4"),
        (
            29,
            "{[0:2]}",
            json!(["Monday", "Tudesday"]),
            "Monday Tudesday",
        ),
        (30, "hello {.Name}", s.clone(), "hello jsonpath"),
        (31, "{$.Labels.web/html}", s.clone(), "15"),
        (32, "{$.Employees.jason}", s.clone(), "manager"),
        (0, "{$.Employees.dan}", s.clone(), "clerk"),
        (33, "{.Labels.k8s-app}", s.clone(), "20"),
        (34, "{.Bicycle[*].Color}", s.clone(), "red green"),
        (
            35,
            "{.Book[*].Author}",
            s.clone(),
            "Nigel Rees Evelyn Waugh Herman Melville",
        ),
        // Struct field order in client-go (`{red 19.95 true}`); sorted keys
        // (Color, IsNew, Price) here, as for kubectl's maps.
        (
            36,
            r#"{range .Bicycle[*]}{ "{" }{ @.* }{ "} " }{end}"#,
            s.clone(),
            "{red true 19.95} {green false 20.01} ",
        ),
        // Cases 40-44: client-go prints its structs in field order; kubectl's
        // maps, and kapi, print sorted keys.
        (
            40,
            "{.Bicycle}",
            s.clone(),
            r#"[{"Color":"red","IsNew":true,"Price":19.95},{"Color":"green","IsNew":false,"Price":20.01}]"#,
        ),
        (
            41,
            r#"{range .Bicycle[*]}{ @ }{ " " }{end}"#,
            s.clone(),
            r#"{"Color":"red","IsNew":true,"Price":19.95} {"Color":"green","IsNew":false,"Price":20.01} "#,
        ),
        (
            42,
            "{.Book[-1:]}",
            s.clone(),
            r#"{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}"#,
        ),
        (
            43,
            "{..Book[2]}",
            s.clone(),
            r#"{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}"#,
        ),
        (
            44,
            "{.Bicycle[?(@.IsNew==true)]}",
            s.clone(),
            r#"{"Color":"red","IsNew":true,"Price":19.95}"#,
        ),
    ];
    for (n, template, data, expected) in cases {
        assert_eq!(strict(template, data), *expected, "case {n}: {template}");
    }
}

#[test]
fn recursive_descent_finds_every_price_in_sorted_key_order() {
    // Cases 37 and 38. client-go walks its Go struct in field order (Book
    // before Bicycle): `8.95 12.99 8.99 19.95 20.01`. kubectl walks maps in
    // random order; kapi walks them in sorted key order, so Bicycle comes
    // first. Compare as a multiset, then pin kapi's order.
    let s = store();
    for template in ["{..Price}", "{...Price}"] {
        let out = strict(template, &s);
        assert_eq!(
            sorted_words(&out),
            sorted_words("8.95 12.99 8.99 19.95 20.01"),
            "{template}"
        );
        assert_eq!(out, "19.95 20.01 8.95 12.99 8.99", "{template}");
    }
}

#[test]
fn more_than_one_recursive_descent_in_a_row_is_a_parse_error() {
    // Case 39: `{` + 60 dots + `Price}`.
    let template = format!("{{{}Price}}", ".".repeat(60));
    let err = any_err(&template, &store());
    assert_eq!(err.kind(), JsonPathErrorKind::Parse);
    assert_eq!(err.message(), "invalid multiple recursive descent");
}

#[test]
fn missing_keys_print_nothing_when_allowed() {
    // Cases 45 and 46.
    let s = store();
    assert_eq!(render("{.hello}", &s), "");
    assert_eq!(render("before-{.hello}after", &s), "before-after");
}

// ---------------------------------------------------------------------------
// Cases 47-49: TestJSONInput.

#[test]
fn client_go_json_input_cases() {
    let p = points();
    assert_eq!(strict("{[?(@.z)].id}", &p), "i2 i5", "case 47");
    assert_eq!(strict("{[0]['id']}", &p), "i1", "case 48");
    assert_eq!(strict("{[-1]['x']}", &p), "null", "case 49");
}

// ---------------------------------------------------------------------------
// Cases 50-61: TestKubernetes.

#[test]
fn client_go_kubernetes_cases() {
    let n = nodes();
    let cases: &[(u32, &str, &str)] = &[
        (
            50,
            "{range .items[*]}{.metadata.name}, {end}{.kind}",
            "127.0.0.1, 127.0.0.2, List",
        ),
        (
            51,
            r#"{range .items[*]}{.metadata.name}{"\t"}{end}"#,
            "127.0.0.1\t127.0.0.2\t",
        ),
        (
            52,
            "{.items[*].status.addresses[*].address}",
            "127.0.0.1 127.0.0.2 127.0.0.3",
        ),
        (
            53,
            "{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}",
            "127.0.0.1, 127.0.0.2, 127.0.0.3, ",
        ),
        (54, "{.items[*].metadata.name}", "127.0.0.1 127.0.0.2"),
        (
            55,
            "{.items[*]['metadata.name', 'status.capacity']}",
            r#"127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}"#,
        ),
        (
            56,
            "{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}",
            r#"[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] "#,
        ),
        (57, r#"{.users[?(@.name=="e2e")].user.password}"#, "secret"),
        (
            58,
            r"{.items[0].metadata.labels.kubernetes\.io/hostname}",
            "127.0.0.1",
        ),
        (
            59,
            r#"{.items[?(@.metadata.labels.kubernetes\.io/hostname=="127.0.0.1")].kind}"#,
            "None",
        ),
        (60, "{.items[?(@..ready==true)].metadata.name}", "127.0.0.1"),
    ];
    for (case, template, expected) in cases {
        assert_eq!(strict(template, &n), *expected, "case {case}: {template}");
    }
}

#[test]
fn recursive_descent_finds_names_at_every_depth() {
    // Case 61, order-insensitive in client-go (Go map order is random).
    let out = strict("{..name}", &nodes());
    assert_eq!(
        sorted_words(&out),
        sorted_words("127.0.0.1 127.0.0.2 myself e2e")
    );
}

// ---------------------------------------------------------------------------
// Cases 62-66: empty and nested ranges, filters over missing keys.

#[test]
fn empty_range_prints_nothing() {
    // Case 62 and client-go's "empty nested range".
    let empty = json!({"items": []});
    assert_eq!(render("{range .items[*]}{.metadata.name}{end}", &empty), "");
    let nested = r#"{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}"#;
    assert_eq!(render(nested, &empty), "");
}

#[test]
fn empty_range_body_is_not_evaluated_even_when_missing_keys_are_errors() {
    // Deliberate difference: client-go evaluates the body against nil and
    // fails with "metadata is not found".
    let empty = json!({"items": []});
    assert_eq!(
        strict("{range .items[*]}{.metadata.name}{end}after", &empty),
        "after"
    );
}

#[test]
fn nested_ranges_expand_per_item() {
    let data = nested_pods();
    // Case 63.
    let template = r#"{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}"#;
    assert_eq!(strict(template, &data), "pod1:foo,bar,+pod2:baz,+");
    // Case 64.
    let template = r#"{range .items[*]}{.metadata.name}{"\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\n"}{end}"#;
    assert_eq!(
        strict(template, &data),
        "pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n"
    );
    // client-go's three-level case.
    let template = r##"{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}"##;
    assert_eq!(
        strict(template, &data),
        "pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#"
    );
}

#[test]
fn filter_skips_items_missing_the_key_only_when_allowed() {
    let data = annotated_pods();
    let template = r#"{.items[?(@.metadata.annotations.color=="blue")].metadata.name}"#;
    // Case 65.
    assert_eq!(render(template, &data), "pod1 pod4");
    // Case 66.
    let err = exec_err(template, &data);
    assert_eq!(err.message(), "annotations is not found");
}

// ---------------------------------------------------------------------------
// Cases 67-78 (TestNegativeIndex) and 80-88 (TestStep).

#[test]
fn client_go_negative_index_cases() {
    let c4 = containers(4);
    let ok: &[(u32, &str, &str)] = &[
        (67, "[0]", "fake0"),
        (68, "[0:0]", ""),
        (69, "[0:-1]", "fake0 fake1 fake2"),
        (71, "[-1]", "fake3"),
        (0, "[-1:]", "fake3"),
        (0, "[-2]", "fake2"),
        (72, "[-2:]", "fake2 fake3"),
        (0, "[-3]", "fake1"),
        (73, "[-4]", "fake0"),
        (0, "[-4:]", "fake0 fake1 fake2 fake3"),
        (75, "[5:5]", ""),
        (76, "[-5:-5]", ""),
    ];
    for (n, index, expected) in ok {
        let template = format!("{{.spec.containers{index}.name}}");
        assert_eq!(strict(&template, &c4), *expected, "case {n}: {template}");
    }
    let errors: &[(u32, &str, &str)] = &[
        (
            70,
            "[-1:0]",
            "starting index 3 is greater than ending index 0",
        ),
        (74, "[-5]", "array index out of bounds: index -1, length 4"),
        (
            77,
            "[3:1]",
            "starting index 3 is greater than ending index 1",
        ),
        (
            78,
            "[-1:-2]",
            "starting index 3 is greater than ending index 2",
        ),
    ];
    for (n, index, message) in errors {
        let template = format!("{{.spec.containers{index}.name}}");
        let err = exec_err(&template, &c4);
        assert_eq!(err.message(), *message, "case {n}: {template}");
        assert_eq!(err.position(), Some(17), "case {n}: the `[`");
    }
}

#[test]
fn client_go_step_cases() {
    let c6 = containers(6);
    let all = "fake0 fake1 fake2 fake3 fake4 fake5";
    let ok: &[(u32, &str, &str)] = &[
        (80, "[0:]", all),
        (81, "[0:6:]", all),
        (0, "[0:6:1]", all),
        (84, "[1:4:2]", "fake1 fake3"),
        (0, "[1:4:3]", "fake1"),
        (85, "[1:4:4]", "fake1"),
        (86, "[0:6:2]", "fake0 fake2 fake4"),
        (0, "[0:6:3]", "fake0 fake3"),
        (87, "[0:6:5]", "fake0 fake5"),
        (88, "[0:6:6]", "fake0"),
    ];
    for (n, index, expected) in ok {
        let template = format!("{{.spec.containers{index}.name}}");
        assert_eq!(strict(&template, &c6), *expected, "case {n}: {template}");
    }
    for (n, index) in [(82, "[0:6:0]"), (83, "[0:6:-1]")] {
        let template = format!("{{.spec.containers{index}.name}}");
        let err = exec_err(&template, &c6);
        assert_eq!(err.message(), "step must be > 0", "case {n}");
    }
}

#[test]
fn filter_left_side_may_start_with_a_dot() {
    // Case 79.
    let template =
        r#"{range .items[?(.status.phase=="Running")]}{.metadata.name}{" is Running\n"}{end}"#;
    assert_eq!(
        render(template, &running_pods()),
        "pod1 is Running\npod2 is Running\npod3 is Running\n"
    );
}

// ---------------------------------------------------------------------------
// Errors of parser_test.go and failStoreTests (REFERENCE.md d.1).

#[test]
fn client_go_parse_errors() {
    let cases: &[(&str, &str, usize)] = &[
        ("{.hello", "unclosed action", 7),
        ("{*}", "unrecognized character in action: U+002A '*'", 1),
        ("{+12.3.0}", "cannot parse number +12.3.0", 1),
        ("{[1}", "unterminated array", 1),
        ("{[?(.price]}", "unterminated filter", 1),
        ("{........}", "invalid multiple recursive descent", 3),
    ];
    for (template, message, position) in cases {
        let err = parse_err(template);
        assert_eq!(err.message(), *message, "{template}");
        assert_eq!(err.position(), Some(*position), "{template}");
        assert_eq!(err.template(), *template);
    }
}

#[test]
fn client_go_execution_errors() {
    let s = store();
    let cases: &[(&str, &str, usize)] = &[
        ("{hello}", "unrecognized identifier hello", 1),
        ("{.hello}", "hello is not found", 2),
        // client-go: "map[string]int is not array or slice".
        ("{.Labels[0]}", "object is not array or slice", 8),
        (
            "{.Book[?(@.Price<>10)]}",
            "unrecognized filter operator <>",
            16,
        ),
        (
            "{range .Labels.*}{@}{end}{end}",
            "not in range, nothing to end",
            26,
        ),
    ];
    for (template, message, position) in cases {
        let err = exec_err(template, &s);
        assert_eq!(err.message(), *message, "{template}");
        assert_eq!(err.position(), Some(*position), "{template}");
    }
}

#[test]
fn other_parse_errors_carry_client_go_messages() {
    let cases: &[(&str, &str)] = &[
        ("{\"abc}", "unterminated quoted string"),
        (r#"{"\q"}"#, r#"unquote string "\q" error invalid syntax"#),
        ("{[a]}", "invalid array index a"),
        ("{[1:2:3:4]}", "invalid array index 1:2:3:4"),
        ("{[-]}", "array index - is not a number"),
        (
            "{[99999999999999999999]}",
            "array index 99999999999999999999 is not a number",
        ),
        ("{[?(@.a)}", "unclosed array expect ]"),
        ("{.a\n}", "unclosed action"),
        ("{\t}", "unrecognized character in action: U+0009"),
        ("{[1,a]}", "invalid array index a"),
        // Client-go's quote scanner only looks at the previous byte, so an
        // escaped backslash before the closing quote keeps the string open.
        (r#"{"\\"}"#, "unterminated quoted string"),
        // Upstream client-go has no regex operator: `=~` splits as `=` and
        // a right side starting with `~`.
        (
            "{[?(@.i=~'1')]}",
            "unrecognized character in action: U+007E '~'",
        ),
    ];
    for (template, message) in cases {
        assert_eq!(parse_err(template).message(), *message, "{template:?}");
    }
}

// ---------------------------------------------------------------------------
// kubectl's TestMassageJSONPath.

#[test]
fn relaxed_expressions_gain_braces_and_a_leading_dot() {
    for (input, expected) in [
        ("foo.bar", "{.foo.bar}"),
        ("{foo.bar}", "{.foo.bar}"),
        (".foo.bar", "{.foo.bar}"),
        ("{.foo.bar}", "{.foo.bar}"),
        ("", ""),
        // Not in kubectl's table; what its regex gives.
        (".", "{..}"),
        ("{.}", "{..}"),
        ("..name", "{..name}"),
        ("items[0].metadata.name", "{.items[0].metadata.name}"),
    ] {
        assert_eq!(
            relaxed_expression(input).ok().as_deref(),
            Some(expected),
            "{input:?}"
        );
        let parsed = JsonPath::parse_relaxed(input);
        assert_eq!(
            parsed.map(|p| p.template().to_owned()).ok().as_deref(),
            Some(expected)
        );
    }
}

#[test]
fn relaxed_expressions_with_unbalanced_braces_are_errors() {
    for input in ["{foo.bar", "foo.bar}", "{foo.bar}}", "{{foo.bar}", "{}"] {
        let err = match JsonPath::parse_relaxed(input) {
            Ok(p) => panic!("{input}: {p:?}"),
            Err(e) => e,
        };
        assert_eq!(err.kind(), JsonPathErrorKind::Parse);
        assert!(err.message().starts_with("unexpected path string"), "{err}");
        assert_eq!(err.position(), None);
        assert_eq!(err.template(), input);
    }
}

// ---------------------------------------------------------------------------
// kapi behaviour.

#[test]
fn daemonset_number_ready_prints_as_an_integer() {
    let ds = json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "gateway", "namespace": "test"},
        "status": {"currentNumberScheduled": 19, "desiredNumberScheduled": 19, "numberReady": 19}
    });
    assert_eq!(render("{.status.numberReady}", &ds), "19");
    assert_eq!(
        render("{.status.numberReady}", &ds),
        render("{$.status.numberReady}", &ds)
    );
}

#[test]
fn range_prints_one_name_per_line() {
    let pods = json!({"kind": "PodList", "items": [
        {"metadata": {"name": "web-0"}},
        {"metadata": {"name": "web-1"}},
        {"metadata": {"name": "web-2"}}
    ]});
    let template = r#"{range .items[*]}{.metadata.name}{"\n"}{end}"#;
    assert_eq!(render(template, &pods), "web-0\nweb-1\nweb-2\n");
}

#[test]
fn parse_error_position_counts_characters_not_bytes() {
    let err = parse_err("é {*}");
    assert_eq!(err.position(), Some(3));
    let err = parse_err("hello {.a} {[1}");
    assert_eq!(
        (err.message(), err.position()),
        ("unterminated array", Some(12))
    );
    // Inside a union member, the member itself.
    let err = parse_err("{[1,a]}");
    assert_eq!(err.position(), Some(4));
    // Inside a filter's right-hand side.
    let err = parse_err("{[?(@.a==*)]}");
    assert_eq!(err.position(), Some(9));
    assert_eq!(
        err.message(),
        "unrecognized character in action: U+002A '*'"
    );
}

#[test]
fn error_display_is_one_line_with_position() {
    let err = parse_err("{.hello");
    assert_eq!(
        err.to_string(),
        r#"failed to parse jsonpath "{.hello" at position 7: unclosed action"#
    );
    let err = exec_err("{.hello}", &store());
    assert_eq!(
        err.to_string(),
        r#"failed to execute jsonpath "{.hello}" at position 2: hello is not found"#
    );
    let err = parse_err("{\"a\nb\"}");
    assert!(!err.to_string().contains('\n'), "{err}");
    let err = exec_err("{a\u{b}b}", &store());
    assert_eq!(err.message(), "unrecognized identifier a\u{b}b");
    assert!(!err.to_string().contains('\u{b}'), "{err}");
}

#[test]
fn error_is_one_pointer_wide() {
    assert_eq!(
        std::mem::size_of::<JsonPathError>(),
        std::mem::size_of::<usize>()
    );
}

#[test]
fn write_errors_keep_their_source() {
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::BrokenPipe, "pipe closed"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let err = JsonPath::parse("{.Name}")
        .and_then(|t| t.execute(&store(), &mut Broken))
        .err();
    let err = err.as_ref().map(|e| (e.kind(), e.to_string()));
    assert_eq!(
        err,
        Some((
            JsonPathErrorKind::Write,
            "failed to write jsonpath output: pipe closed".to_owned()
        ))
    );
    let err = JsonPath::parse("x").and_then(|t| t.execute(&Value::Null, &mut Broken));
    assert!(err.is_err_and(|e| std::error::Error::source(&e).is_some()));
}

#[test]
fn numbers_print_as_go_prints_int64_and_float64() {
    let data = json!({
        "int": 42,
        "neg": -7,
        "one": 1.0,
        "float": 2.2,
        "million": 1_000_000.0,
        "big": 123_456.0,
        "bigger": 1_234_567.0,
        "small": 0.0001,
        "smaller": 0.00001,
        "tiny": 1e-7,
        "huge": 1e21,
        "zero": 0.0,
        "negzero": -0.0,
        "u64": u64::MAX,
        "i64": i64::MIN
    });
    let cases = [
        ("int", "42"),
        ("neg", "-7"),
        ("one", "1"),
        ("float", "2.2"),
        ("million", "1e+06"),
        ("big", "123456"),
        ("bigger", "1.234567e+06"),
        ("small", "0.0001"),
        ("smaller", "1e-05"),
        ("tiny", "1e-07"),
        ("huge", "1e+21"),
        ("zero", "0"),
        ("negzero", "-0"),
        // Beyond int64, kubectl's unstructured data holds a float64.
        ("u64", "1.8446744073709552e+19"),
        ("i64", "-9223372036854775808"),
    ];
    for (key, expected) in cases {
        assert_eq!(render(&format!("{{.{key}}}"), &data), expected, "{key}");
    }
    // Inside JSON, encoding/json's rules: `%f` up to 1e21, short exponents.
    let json_cases = [
        ("million", "1000000"),
        ("bigger", "1234567"),
        ("smaller", "0.00001"),
        ("tiny", "1e-7"),
        ("huge", "1e+21"),
        ("negzero", "-0"),
        ("u64", "18446744073709552000"),
    ];
    for (key, expected) in json_cases {
        assert_eq!(
            format_value(&json!([data[key]])),
            format!("[{expected}]"),
            "{key}"
        );
    }
}

#[test]
fn json_output_escapes_html_and_control_characters() {
    let data = json!({"a": "<b>&\"\\\n\t\r\u{8}\u{c}\u{1}\u{7f}\u{2028}é"});
    assert_eq!(
        render("{@}", &data),
        r#"{"a":"\u003cb\u003e\u0026\"\\\n\t\r\b\f\u0001"#.to_owned() + "\u{7f}\\u2028é\"}"
    );
    // Strings alone print raw.
    assert_eq!(
        render("{.a}", &data),
        "<b>&\"\\\n\t\r\u{8}\u{c}\u{1}\u{7f}\u{2028}é"
    );
    // Keys are escaped and sorted too.
    assert_eq!(
        render("{@}", &json!({"b<": 1, "a": {}, "c": []})),
        r#"{"a":{},"b\u003c":1,"c":[]}"#
    );
}

#[test]
fn json_output_mode_prints_indented_arrays_per_action() {
    let data = json!({"a": [1, {"b": 2}], "s": "x"});
    let t = JsonPath::parse(r#"{.a}{.missing}{"\n"}"#).map(|t| t.json_output(true));
    let out = t.and_then(|t| t.render(&data));
    let expected = "[\n    [\n        1,\n        {\n            \"b\": 2\n        }\n    ]\n]\n[]\n[\n    \"\\n\"\n]\n";
    assert_eq!(out.ok().as_deref(), Some(expected));
}

#[test]
fn filters_compare_like_go_templates() {
    let data = json!([
        {"n": "a", "i": 1, "f": 1.5, "s": "apple", "b": true},
        {"n": "b", "i": 2, "f": 2.5, "s": "banana", "b": false},
        {"n": "c", "i": 3, "f": 3.5, "s": "cherry", "b": true}
    ]);
    let cases = [
        ("{[?(@.i>1)].n}", "b c"),
        ("{[?(@.i>=2)].n}", "b c"),
        ("{[?(@.i<2)].n}", "a"),
        ("{[?(@.i<=2)].n}", "a b"),
        ("{[?(@.i!=2)].n}", "a c"),
        ("{[?(@.f>2.0)].n}", "b c"),
        ("{[?(@.s<'banana')].n}", "a"),
        ("{[?(@.s>=\"banana\")].n}", "b c"),
        ("{[?(@.b==false)].n}", "b"),
        ("{[?(@.b!=false)].n}", "a c"),
        ("{[?(@.i == 3)].n}", "c"),
        // The right side may be a path too.
        ("{[?(@.i==@.i)].n}", "a b c"),
        // A quoted `)` does not end the filter.
        ("{[?(@.s==')')].n}", ""),
    ];
    for (template, expected) in cases {
        assert_eq!(strict(template, &data), expected, "{template}");
    }
    let errors = [
        // int64 against float64 is an error in Go's templates.
        ("{[?(@.i>1.5)].n}", "incompatible types for comparison"),
        ("{[?(@.f==1)].n}", "incompatible types for comparison"),
        ("{[?(@.s==1)].n}", "incompatible types for comparison"),
        ("{[?(@.b<true)].n}", "invalid type for comparison"),
        ("{[?(@==1)].n}", "invalid type for comparison"),
        ("{[?(@.*==1)].n}", "can only compare one element at a time"),
        (
            "{.x[?(@.a)]}",
            "object is not array or slice and cannot be filtered",
        ),
    ];
    let data_with_x = json!({"x": {"a": 1}});
    for (template, message) in errors {
        let input = if template.starts_with("{.x") {
            &data_with_x
        } else {
            &data
        };
        let err = exec_err(template, input);
        assert_eq!(err.message(), message, "{template}");
    }
}

#[test]
fn existence_filter_matches_like_client_go() {
    let data = json!([
        {"n": "a", "labels": {"x": "1"}},
        {"n": "b", "labels": ["x"]},
        {"n": "c"},
        {"n": "d", "labels": null}
    ]);
    // A present key matches, even if null.
    assert_eq!(strict("{[?(@.labels)].n}", &data), "a b d");
    // client-go returns its input alongside a type error, so an element
    // whose `labels` is not a list "exists" for `[0]`.
    assert_eq!(strict("{[?(@.labels[0])].n}", &data), "a b");
}

#[test]
fn quoted_text_follows_go_unquote() {
    let cases = [
        (r#"{"\u00e9\x41\101\t|"}"#, "éAA\t|"),
        (r"{'it\'s'}", "it's"),
        (r#"{'say "hi"'}"#, "say \"hi\""),
        (r#"{"a\"b"}"#, "a\"b"),
        (r#"{"\U0001F600"}"#, "\u{1F600}"),
        (r#"{"\a\b\f\v\\x"}"#, "\u{7}\u{8}\u{c}\u{b}\\x"),
        (r#"{","}"#, ","),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template, &Value::Null), expected, "{template}");
    }
    for template in [r#"{"\'"}"#, r#"{"\x4"}"#, r#"{"\400"}"#, r#"{"\ud800"}"#] {
        assert!(
            parse_err(template).message().starts_with("unquote string"),
            "{template}"
        );
    }
}

#[test]
fn field_names_end_at_terminators_and_take_escapes() {
    let data = json!({"a.b": 1, "a": {"b": 2}, "a b": 3, "x": {"k8s-app/v": "y"}, "": "empty"});
    assert_eq!(render(r"{.a\.b}", &data), "1");
    assert_eq!(render("{.a.b}", &data), "2");
    assert_eq!(
        render("{['a.b']}", &data),
        "2",
        "a bracket key is parsed as a path"
    );
    assert_eq!(render("{.x.k8s-app/v}", &data), "y");
    assert_eq!(render("{$['x']['k8s-app/v']}", &data), "y");
    assert_eq!(render("{.}", &data), "empty");
    // `a b` is the field `a` and then the identifier `b`.
    assert_eq!(
        exec_err("{['a b']}", &data).message(),
        "unrecognized identifier b"
    );
}

#[test]
fn unions_evaluate_each_member_against_the_same_input() {
    let data = json!({"items": [10, 11, 12, 13], "m": {"a": 1, "b": 2}});
    assert_eq!(render("{.items[0, 2,-1]}", &data), "10 12 13");
    assert_eq!(render("{.items[1:3,0]}", &data), "11 12 10");
    assert_eq!(render("{.m['b','a']}", &data), "2 1");
    // An empty member is `[]`, which client-go reads as index 0.
    assert_eq!(render("{.items[3,]}", &data), "13 10");
}

#[test]
fn wildcards_visit_values_in_key_order_and_string_bytes() {
    let data = json!({"m": {"b": 2, "a": 1, "c": [3]}, "s": "ab"});
    assert_eq!(render("{.m.*}", &data), "1 2 [3]");
    let err = exec_err("{.m[*]}", &data);
    assert_eq!(
        err.message(),
        "object is not array or slice",
        "`[*]` is for lists"
    );
    // Go reflection iterates a string's bytes.
    assert_eq!(render("{.s.*}", &data), "97 98");
    assert_eq!(
        render("{..}", &json!({"a": ["x", ""]})),
        r#"{"a":["x",""]} ["x",""] x"#
    );
}

#[test]
fn literals_repeat_once_per_input() {
    let data = json!({"items": [1, 2, 3]});
    assert_eq!(render("{.items[*] 7}", &data), "7 7 7");
    assert_eq!(render("{2.5}{true}{-3}", &data), "2.5true-3");
    assert_eq!(
        exec_err("{1e5}", &data).message(),
        "unrecognized identifier e5"
    );
}

#[test]
fn unclosed_range_runs_its_body_again_against_the_outer_object() {
    // As client-go: after the items, the body runs once more on the list.
    let n = nodes();
    assert_eq!(
        render(r#"{range .items[*]}{.metadata.name}{" "}"#, &n),
        "127.0.0.1 127.0.0.2  "
    );
    assert_eq!(
        render(r#"{range .items[*]}{.kind}{end}{.kind}"#, &n),
        "NoneNoneList"
    );
}

#[test]
fn stray_end_is_an_execution_error_at_its_position() {
    let err = exec_err("abc{end}", &nodes());
    assert_eq!(
        (err.message(), err.position()),
        ("not in range, nothing to end", Some(4))
    );
}

#[test]
fn find_results_returns_one_list_per_action() {
    let pod = json!({"status": {"phase": "Running", "conditions": [{"type": "Ready"}, {"type": "Initialized"}]}});
    let t = JsonPath::parse_relaxed("status.phase").ok();
    let results = t.as_ref().map(|t| t.find_results(&pod));
    let results = match results {
        Some(Ok(r)) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(results, vec![vec![Cow::Borrowed(&json!("Running"))]]);
    assert!(
        matches!(results[0][0], Cow::Borrowed(_)),
        "borrows from the data"
    );

    let t = JsonPath::parse(
        r#"x{.status.conditions[*].type}{range .status.conditions[*]}{.type}{end}"#,
    );
    let results = t.and_then(|t| t.find_results(&pod)).ok();
    let expected = vec![
        vec![json!("x")],
        vec![json!("Ready"), json!("Initialized")],
        vec![json!("Ready")],
        vec![json!("Initialized")],
    ];
    let results: Option<Vec<Vec<Value>>> = results.map(|r| {
        r.into_iter()
            .map(|l| l.into_iter().map(Cow::into_owned).collect())
            .collect()
    });
    assert_eq!(results, Some(expected));
}

#[test]
fn format_value_prints_like_a_single_result() {
    assert_eq!(format_value(&json!("raw")), "raw");
    assert_eq!(format_value(&Value::Null), "null");
    assert_eq!(format_value(&json!(true)), "true");
    assert_eq!(format_value(&json!(3.0)), "3");
    assert_eq!(
        format_value(&json!({"z": 1, "a": [1.5, null]})),
        r#"{"a":[1.5,null],"z":1}"#
    );
}

#[test]
fn templates_are_reusable_and_parse_via_from_str() {
    let t: JsonPath = match "{range .items[*]}{@}{end}".parse() {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let data = json!({"items": [1, 2]});
    for _ in 0..3 {
        assert_eq!(t.render(&data).ok().as_deref(), Some("12"));
    }
}

// ---------------------------------------------------------------------------
// Limits: no stack overflow, no runaway, no panic.

#[test]
fn deeply_nested_ranges_fail_instead_of_overflowing() {
    let template = "{range @}".repeat(10_000);
    let err = exec_err(&template, &json!({}));
    assert_eq!(err.message(), "ranges nested more than 100 deep");
    let template = format!("{}{}", "{range @}".repeat(50), "{end}".repeat(50));
    assert_eq!(render(&template, &json!(1)), "");
}

#[test]
fn unclosed_ranges_stop_at_the_step_limit() {
    // Each unclosed range runs its body twice: 2^40 evaluations.
    let template = "{range @}".repeat(40) + "{@}";
    let err = exec_err(&template, &json!(1));
    assert_eq!(err.message(), "template evaluation exceeded 10000000 steps");
    assert_eq!(err.position(), None);
}

#[test]
fn step_limit_counts_literal_text_so_unclosed_ranges_cannot_allocate_gigabytes() {
    // 2^20 evaluations of 3,000 bytes of text: 3 GB of output within ten
    // million steps, unless the bytes count as steps.
    let template = "{range @}".repeat(20) + &"x".repeat(3000);
    let err = exec_err(&template, &json!(1));
    assert_eq!(err.message(), "template evaluation exceeded 10000000 steps");
    // Found by `cargo xtask fuzz` (jsonpath_eval, a timeout): unclosed
    // ranges and short texts made 20 MB of output.
    let found = String::from_utf8_lossy(
        b"{}{\"\"}\x1f\x1f\x1b{}{\"\"}\x1f\x1fge .ites[*]\"b\"},\"\x04{range .(tes[*]\"b\"}range .it\
          es[*]\"b\"},\"\x04{range .ites[*]\"b\"},\"=Ns[*'&'.=Ns[*'&'.e300,\"=Ns[*'&'.=Ns[*'&'.e300\x81\
          b\"},\"\x04{range .ites[*]\"b\"}range .ites][*]\"b\"},2\x04{range .ites[*]\"b\"range .ites\
          [*]\"b\"},\"\x04{range .(tes[*]\"b\"}range .ites[*]\"b\"},\"\x04{range .ites[*]\"b\"},\"=N\
          s[*'&'.=Ns[*'&'.e300,\"=Ns[*'&'.=Ns[*'&'.e30},\"=Ns[*'&'.=N^[*'&'.e\x82\xa2\x1b\x1f\x1f\x1f\
          \x1f\\n@[?(Vs*}{\"\"}\x1f\x1fs*}{\"\"}\x1f\x1f\x04{range .ites[*]\"b\"},\"\x04{range .(tes\
          [*]\"b\"}range .ites[*]\"b\x81b\"},\"\x04{range .ites[*]\"b\"}r\"},\"\x04{range .ites[*]\"\
          b\"},\"=Ns[*'&'.=[N&*'s'.e300,\"=Ns[*'&'.=Nsfalse[*'00\x81b\"},\"\x04{range .ites[*]\"b\"}\
          range .(ites][*]\"b\"},2\x04{range ..tes[*]\"b\"range .ites[*]\"b\"},\"\x04{range .(tes[*]\
          \"b\"}range .ites[*]\"b\"},\"&'.e300\x81b\"},\"\x04{range .ites[*]\"b\"}range .(ites][*]\"\
          b\"},2\x04{range ..tes[*]\"b\"range .ites[*]\"b\"},\"\x04{range .(tes[*]\"b\"}range .ites[\
          *]\"b\"},\"\x04{range .ites[*]}\x1f\x1f\xff\xff\xff\xff\xff\xff\xff\x16\x1f\x1f\x1f\xdd\xe6\
          \xe6\xe6\xe6\xe6\xe6(a*\x1f\x1f\xe6\xe6(as*}{\"\"}.",
    );
    let err = JsonPath::parse(&found)
        .and_then(|t| t.render(&json!({})))
        .unwrap_err();
    assert_eq!(err.message(), "template evaluation exceeded 10000000 steps");
}

#[test]
fn long_templates_parse_without_recursion() {
    let template = "{.a}x".repeat(200_000);
    assert_eq!(render(&template, &json!({"a": 1})), "1x".repeat(200_000));
    for template in [
        "{".repeat(100_000),
        "[".repeat(100_000),
        format!("{{{}}}", " ".repeat(100_000)),
        format!("{{{}}}", ".a".repeat(100_000)),
        format!("{{{}}}", "[0]".repeat(100_000)),
        format!("{{[{}]}}", ",".repeat(10_000)),
        format!("{{[?({})]}}", "(".repeat(10_000)),
    ] {
        let _ = JsonPath::parse(&template).and_then(|t| t.render(&json!({"a": [[1]]})));
    }
}

#[test]
fn deep_data_is_walked_and_printed_without_recursion() {
    let depth = 100_000;
    let mut deep = json!("leaf");
    for _ in 0..depth {
        deep = Value::Array(vec![deep]);
    }
    let found = JsonPath::parse("{..}").and_then(|t| t.find_results(&deep));
    assert_eq!(
        found.map(|r| r.first().map(Vec::len)).ok(),
        Some(Some(depth + 1))
    );
    let printed = format_value(&deep);
    assert_eq!(printed.len(), 2 * depth + "\"leaf\"".len());
    // serde_json drops values recursively; this one is too deep for that.
    std::mem::forget(deep);
}

/// A small xorshift generator: deterministic, no dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = usize::try_from(self.next() % items.len() as u64).unwrap_or(0);
        items.get(i).copied().unwrap_or("")
    }
}

#[test]
fn garbage_templates_never_panic() {
    const FRAGMENTS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "[?(",
        "?",
        "@",
        "$",
        ".",
        "..",
        "*",
        ",",
        ":",
        "-",
        "+",
        "0",
        "1",
        "-1",
        "9999999999999999999999",
        "1.5",
        "'",
        "\"",
        "\\",
        "=",
        "==",
        "<",
        ">",
        "!",
        "<>",
        "=~",
        " ",
        "\t",
        "\n",
        "\r",
        "a",
        "name",
        "items",
        "metadata",
        "range",
        "end",
        "true",
        "false",
        "é",
        "\u{2028}",
        "\\x",
        "\\u",
        "\\",
        "{range @}",
        "{end}",
        "{range ..}",
        "{range .items[*]}",
        "{..}",
        "{.*}",
        "[*]",
        "[0:2:1]",
        "[-1]",
        "['a']",
        "['a.b', 'c']",
        "[?(@.name=='x')]",
        "[?(@.z)]",
        "{\"\\n\"}",
        "\u{0}",
        "\u{7f}",
    ];
    let data = nodes();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let len = 1 + rng.next() % 12;
        let mut template = String::new();
        for _ in 0..len {
            template.push_str(rng.pick(FRAGMENTS));
        }
        match JsonPath::parse(&template) {
            Ok(parsed) => {
                let parsed = parsed.with_step_limit(200_000);
                for allow in [true, false] {
                    let t = parsed.clone().allow_missing_keys(allow);
                    match t.render(&data) {
                        Ok(_) => {}
                        Err(e) => {
                            assert_eq!(e.kind(), JsonPathErrorKind::Execute);
                            assert!(!e.to_string().contains('\n'), "{e}");
                        }
                    }
                    let _ = t.json_output(true).render(&data);
                }
            }
            Err(e) => {
                let position = e.position().unwrap_or(0);
                assert!(position <= template.chars().count(), "{template:?}: {e}");
                assert!(!e.to_string().contains('\n'), "{e}");
            }
        }
        let _ = JsonPath::parse_relaxed(&template);
    }
}
