//! Per-test canned answers ([`FakeApiServer::respond`](crate::FakeApiServer::respond)):
//! one wiremock mock, mounted at the top priority, that matches and answers
//! from a table the test updates.
//!
//! Why not one wiremock mock per answer: replacing an answer would mean
//! unmounting the old mock, and wiremock 0.6's scoped mocks (`MockGuard`)
//! find their mock by index in a list it re-sorts by priority on every
//! request, so dropping a guard can deactivate a different mock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wiremock::{Match, Request, Respond, ResponseTemplate};

/// The table of answers by method and path; clones share it.
#[derive(Clone, Default)]
pub(crate) struct Canned {
    table: Arc<Mutex<HashMap<(String, String), Answer>>>,
}

#[derive(Clone)]
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Canned {
    /// Answers `method path` from now on, replacing any earlier answer.
    pub(crate) fn set(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        body: &[u8],
    ) {
        let answer = Answer {
            status,
            content_type: content_type.to_string(),
            body: body.to_vec(),
        };
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert((method.to_ascii_uppercase(), path.to_string()), answer);
    }

    fn lookup(&self, request: &Request) -> Option<Answer> {
        let key = (request.method.to_string(), request.url.path().to_string());
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&key)
            .cloned()
    }
}

impl Match for Canned {
    fn matches(&self, request: &Request) -> bool {
        self.lookup(request).is_some()
    }
}

impl Respond for Canned {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match self.lookup(request) {
            Some(answer) => {
                ResponseTemplate::new(answer.status).set_body_raw(answer.body, &answer.content_type)
            }
            // Unreachable in practice: answers are only ever added or
            // replaced, and wiremock asks `matches` first.
            None => ResponseTemplate::new(500).set_body_string("kapi-fake: canned answer vanished"),
        }
    }
}
