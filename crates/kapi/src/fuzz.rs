//! Hidden entry points for the fuzz targets in `fuzz/` (feature `_fuzz`).
//! Not a public API: nothing here is stable, and nothing outside `fuzz/`
//! may use it.

use std::io::Read;

use serde::de::DeserializeOwned;

use crate::jsonpath::JsonPath;
use crate::WatchStream;

/// A [`WatchStream`] over `reader` whose events may be at most `max_event`
/// bytes, so that a fuzzer's small inputs reach the size cap.
pub fn watch_stream_with_max_event<T: DeserializeOwned>(
    reader: impl Read + Send + 'static,
    max_event: u64,
) -> WatchStream<T> {
    WatchStream::fuzz_with_max_event(Box::new(reader), max_event)
}

/// `path` with a lower evaluation step limit, so that a runaway template
/// fails in well under a second even in an instrumented build.
pub fn jsonpath_with_step_limit(path: JsonPath, limit: usize) -> JsonPath {
    path.with_step_limit(limit)
}
