//! The JSONPath parser over arbitrary template text: kubectl's dialect,
//! strict and relaxed. Errors are fine; panics are not.
#![no_main]

use std::hint::black_box;

use kapi::jsonpath::{relaxed_expression, JsonPath};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let template = String::from_utf8_lossy(data);
    match JsonPath::parse(&template) {
        Ok(path) => assert_eq!(path.template(), template),
        Err(e) => {
            black_box(e.to_string());
        }
    }
    match relaxed_expression(&template).and_then(|relaxed| JsonPath::parse(&relaxed)) {
        Ok(path) => {
            black_box(path);
        }
        Err(e) => {
            black_box(e.to_string());
        }
    }
});
