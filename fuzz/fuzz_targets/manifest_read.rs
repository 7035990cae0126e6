//! The manifest reader (`kapi::manifest::Documents`) over arbitrary bytes,
//! in each `--validate` mode, then `flatten_lists` on what it read. Errors
//! are fine (most inputs are not manifests); a panic, a hang or memory that
//! grows past one document is not.
//!
//! Input: one flags byte (the validation mode), then the file's bytes.
#![no_main]

use std::hint::black_box;

use kapi::manifest::{flatten_lists, Documents};
use kapi::FieldValidation;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [flags, text @ ..] = data else {
        return;
    };
    let validation = match flags % 3 {
        0 => FieldValidation::Strict,
        1 => FieldValidation::Warn,
        _ => FieldValidation::Ignore,
    };
    let mut values = Vec::new();
    for document in Documents::new("fuzz.yaml", text).field_validation(validation) {
        match document {
            Ok(document) => {
                black_box(document.number());
                black_box(document.warnings().len());
                values.push(document.into_value());
            }
            Err(e) => {
                black_box(e.to_string());
                black_box((e.line(), e.column(), e.document()));
                break;
            }
        }
    }
    black_box(flatten_lists(values).len());
});
