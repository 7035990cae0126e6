//! Status decoding of a non-2xx answer: `Status::from_response` over an
//! arbitrary code, content type, `Retry-After` and body, then the error's
//! kubectl-like message. No panic.
//!
//! Input: two bytes of status code (big-endian), a flags byte, the body.
//! The flags pick the content type (none, a common one, or the body up to
//! its first NUL) and whether there is a `Retry-After`.
#![no_main]

use std::hint::black_box;

use kapi::{Error, Status};
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [&str; 5] = [
    "application/json",
    "text/html; charset=utf-8",
    "text/plain",
    " ",
    "application/vnd.kubernetes.protobuf",
];

fuzz_target!(|data: &[u8]| {
    let [hi, lo, flags, body @ ..] = data else {
        return;
    };
    let code = u16::from_be_bytes([*hi, *lo]);
    let (content_type, body) = match flags & 7 {
        0 => (None, body),
        n @ 1..=5 => (Some(CONTENT_TYPES[usize::from(n) - 1].to_string()), body),
        _ => match body.iter().position(|&b| b == 0) {
            Some(nul) => (
                Some(String::from_utf8_lossy(&body[..nul]).into_owned()),
                &body[nul + 1..],
            ),
            None => (Some(String::new()), body),
        },
    };
    let retry_after = (flags & 8 != 0).then(|| u32::from(flags >> 4) * 1000);
    let status = Status::from_response(code, content_type.as_deref(), retry_after, body);
    black_box((
        status.is_not_found(),
        status.is_forbidden(),
        status.is_conflict(),
        status.is_already_exists(),
        status.is_invalid(),
        status.is_unauthorized(),
        status.is_gone(),
        status.retry_after_seconds(),
        status.causes().len(),
        status.reason_or_unknown().len(),
    ));
    let err = Error::from(status);
    black_box(err.to_string());
    black_box(format!("{err:?}"));
});
