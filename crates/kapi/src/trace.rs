//! Request tracing at kubectl's `-v` levels, credentials always masked.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ureq::http;

/// kubectl's limit for bodies logged at `-v=8`.
const BODY_LIMIT: usize = 1024;

/// Where trace lines go, and how much detail they carry.
pub(crate) struct Trace {
    level: u8,
    sink: Box<dyn Fn(&str) + Send + Sync>,
}

impl Trace {
    pub(crate) fn new(level: u8, sink: Box<dyn Fn(&str) + Send + Sync>) -> Trace {
        Trace { level, sink }
    }

    /// A note at `level` (kubectl's 2: configuration changes; 4: retries).
    pub(crate) fn note(&self, level: u8, line: &str) {
        if self.level >= level {
            self.emit(line);
        }
    }

    fn emit(&self, line: &str) {
        (self.sink)(&format!("{} {line}", klog_header()));
    }

    /// At 7 and above: the request line and headers (Authorization masked);
    /// at 8 also the body.
    pub(crate) fn request(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        authorization: Option<&str>,
        body: Option<&[u8]>,
    ) {
        if self.level < 7 {
            return;
        }
        let mut lines: Vec<String> = headers.iter().map(|(n, v)| format!("\t{n}: {v}")).collect();
        if let Some(scheme) = authorization {
            // The value is never looked at: only its scheme is printed.
            lines.push(format!("\tAuthorization: {scheme} <masked>"));
        }
        lines.sort();
        self.emit(&format!(
            "\"Request\" verb={method:?} url={url:?} headers=<\n{}\n >",
            lines.join("\n")
        ));
        if self.level >= 8 {
            if let Some(body) = body {
                self.emit(&format!("\"Request Body\" body={}", truncated(body)));
            }
        }
    }

    /// At 6: method, URL, status and latency; at 8 also response headers.
    pub(crate) fn response(
        &self,
        method: &str,
        url: &str,
        response: &http::Response<ureq::Body>,
        took: Duration,
    ) {
        if self.level < 6 {
            return;
        }
        let status = response.status();
        let status = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        );
        let ms = took.as_millis();
        match self.level {
            6 => self.emit(&format!(
                "\"Response\" verb={method:?} url={url:?} status={:?} milliseconds={ms}",
                status.trim_end()
            )),
            7 => self.emit(&format!(
                "\"Response\" status={:?} milliseconds={ms}",
                status.trim_end()
            )),
            _ => {
                let mut lines: Vec<String> = response
                    .headers()
                    .iter()
                    .map(|(n, v)| {
                        format!(
                            "\t{}: {}",
                            canonical(n.as_str()),
                            mask_header(n.as_str(), v.to_str().unwrap_or("<binary>"))
                        )
                    })
                    .collect();
                lines.sort();
                self.emit(&format!(
                    "\"Response\" status={:?} headers=<\n{}\n > milliseconds={ms}",
                    status.trim_end(),
                    lines.join("\n")
                ));
            }
        }
    }
}

/// Collects the first [`BODY_LIMIT`] bytes of a response body for `-v=8`
/// and logs them when the body has been read (or dropped).
pub(crate) struct BodyCapture {
    trace: Arc<Trace>,
    head: Vec<u8>,
    total: usize,
}

impl BodyCapture {
    pub(crate) fn new(trace: Arc<Trace>) -> Option<BodyCapture> {
        (trace.level >= 8).then(|| BodyCapture {
            trace,
            head: Vec::new(),
            total: 0,
        })
    }

    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        let room = BODY_LIMIT.saturating_sub(self.head.len());
        self.head.extend_from_slice(&bytes[..room.min(bytes.len())]);
        self.total += bytes.len();
    }
}

impl Drop for BodyCapture {
    fn drop(&mut self) {
        let mut text = format!("{:?}", String::from_utf8_lossy(&self.head));
        if self.total > self.head.len() {
            text.push_str(&format!(
                " [truncated {} chars]",
                self.total - self.head.len()
            ));
        }
        self.trace.emit(&format!("\"Response Body\" body={text}"));
    }
}

fn truncated(body: &[u8]) -> String {
    let head = &body[..body.len().min(BODY_LIMIT)];
    let mut text = format!("{:?}", String::from_utf8_lossy(head));
    if body.len() > head.len() {
        text.push_str(&format!(" [truncated {} chars]", body.len() - head.len()));
    }
    text
}

/// Response headers that could carry credentials are masked too.
fn mask_header(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("set-cookie") {
        "<masked>".into()
    } else {
        value.to_string()
    }
}

/// `content-type` → `Content-Type`, as Go prints header names.
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// klog's line header, `I1129 08:52:33.685394 kapi]`, in UTC.
fn klog_header() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (month, day) = month_day(secs / 86_400);
    let rem = secs % 86_400;
    format!(
        "I{month:02}{day:02} {:02}:{:02}:{:02}.{:06} kapi]",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        now.subsec_micros()
    )
}

/// Month and day of a day count since 1970-01-01 (Howard Hinnant's
/// civil-from-days).
fn month_day(days: u64) -> (u64, u64) {
    let z = days + 719_468;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn capture(level: u8) -> (Arc<Trace>, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let trace = Trace::new(
            level,
            Box::new(move |l| sink.lock().unwrap().push(l.to_string())),
        );
        (Arc::new(trace), lines)
    }

    #[test]
    fn authorization_is_masked_and_other_headers_kept() {
        let (trace, lines) = capture(8);
        trace.request(
            "GET",
            "https://h/version",
            &[("Accept", "application/json, */*".into())],
            Some("Bearer"),
            None,
        );
        let out = lines.lock().unwrap().join("\n");
        assert!(out.contains("\tAuthorization: Bearer <masked>"), "{out}");
        assert!(out.contains("\tAccept: application/json, */*"), "{out}");
        assert!(
            out.contains(r#""Request" verb="GET" url="https://h/version" headers=<"#),
            "{out}"
        );
    }

    #[test]
    fn bodies_are_cut_at_1024() {
        let (trace, lines) = capture(8);
        let mut capture = BodyCapture::new(trace).unwrap();
        capture.feed(&[b'a'; 1000]);
        capture.feed(&[b'b'; 100]);
        drop(capture);
        let out = lines.lock().unwrap().join("\n");
        assert!(out.ends_with("[truncated 76 chars]"), "{out}");
        assert_eq!(out.matches('b').count(), 24 + 1, "{out}"); // 24 b's plus the one in "body"
    }

    #[test]
    fn level_6_logs_no_headers() {
        let (trace, lines) = capture(6);
        trace.request("GET", "https://h/", &[], Some("Bearer"), None);
        assert!(lines.lock().unwrap().is_empty());
        assert!(BodyCapture::new(trace).is_none());
    }

    #[test]
    fn civil_dates() {
        assert_eq!(month_day(0), (1, 1));
        assert_eq!(month_day(20_786), (11, 29)); // 2026-11-29
        assert_eq!(month_day(19_782), (2, 29)); // 2024-02-29
    }

    #[test]
    fn header_names_are_canonical() {
        assert_eq!(canonical("content-type"), "Content-Type");
        assert_eq!(
            canonical("x-kubernetes-pf-flowschema-uid"),
            "X-Kubernetes-Pf-Flowschema-Uid"
        );
    }
}
