//! The lowest-priority wiremock responder: it answers nothing itself, but
//! marks the response so the front serves the request from its own API
//! (store, tables, watches) instead.
//!
//! This keeps the order tests rely on: `respond()` answers, then mounted
//! mocks, then the fake's API.

use wiremock::{Request, Respond, ResponseTemplate};

/// The header wiremock's fallback answer carries; never sent to clients.
pub(crate) const HEADER: &str = "x-kapi-fake-fallthrough";

/// Marks every request it sees as not answered by a mock.
pub(crate) struct Fallthrough;

impl Respond for Fallthrough {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        ResponseTemplate::new(599).insert_header(HEADER, "1")
    }
}
