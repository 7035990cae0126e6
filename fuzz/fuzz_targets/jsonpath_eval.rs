//! The JSONPath evaluator: a template and a JSON document, split on the
//! first NUL byte (`template\0document`). The first byte picks the options.
//! Errors are fine; panics are not.
#![no_main]

use kapi::jsonpath::JsonPath;
use libfuzzer_sys::fuzz_target;
use std::hint::black_box;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (template, document) = match rest.iter().position(|&b| b == 0) {
        Some(nul) => (&rest[..nul], &rest[nul + 1..]),
        None => (rest, &b"{}"[..]),
    };
    let template = String::from_utf8_lossy(template);
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(document) else {
        return;
    };
    let parsed = if flags & 1 == 0 {
        JsonPath::parse(&template)
    } else {
        JsonPath::parse_relaxed(&template)
    };
    let Ok(path) = parsed else {
        return;
    };
    // A tenth of the library's limit: a runaway template still ends in it,
    // in well under libFuzzer's timeout with the sanitizer's overhead.
    let path = kapi::__fuzz::jsonpath_with_step_limit(path, 1_000_000)
        .allow_missing_keys(flags & 2 == 0)
        .json_output(flags & 4 != 0);
    match path.render(&document) {
        Ok(text) => black_box(text),
        Err(e) => black_box(e.to_string()),
    };
    if let Ok(results) = path.find_results(&document) {
        black_box(results);
    }
});
