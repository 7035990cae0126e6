//! Redirects: where a `Location` points, whether it is the server's own
//! origin, and what may follow it.
//!
//! ureq is told not to follow redirects; the request loop does it, so that:
//!
//! - credentials go only to the configured server's origin (scheme, host
//!   *and* port: ureq's `SameHost` compares the host only, and kubectl adds
//!   the token after redirects, so it sends it anywhere);
//! - a write is never turned into a GET: a `3xx` to a POST/PUT/PATCH/DELETE
//!   is an error that says nothing was written, except `307`/`308` to the
//!   same origin, which re-send the write with its body (RFC 9110 15.4.8);
//! - at most [`MAX_REDIRECTS`] are followed.

use ureq::http::Uri;

/// The longest chain of redirects followed (ureq's and Go's default is 10).
pub(crate) const MAX_REDIRECTS: u32 = 10;

/// Scheme, host and port: what a browser and RFC 6454 call an origin.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of an absolute URL.
    pub(crate) fn of(url: &str) -> Option<Origin> {
        let uri: Uri = url.parse().ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return None,
        };
        Some(Origin {
            host: uri.host()?.to_ascii_lowercase(),
            port: uri.port_u16().unwrap_or(default_port),
            scheme,
        })
    }
}

/// What to do with a `3xx` answer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Send the request again to this URL (a read, or a write re-sent by
    /// `307`/`308` to the same origin).
    Follow(String),
    /// Stop: the reason, worded to follow "the server answered ... with".
    Refuse(String),
}

/// The next step after `status` with `location` for `method` on `url`, for
/// a client whose server is at `server` (`None` when its URL has no origin:
/// then nothing is same-origin, and no write follows a redirect).
pub(crate) fn next(
    method: &str,
    url: &str,
    server: Option<&Origin>,
    status: u16,
    reason: &str,
    location: Option<&str>,
) -> Next {
    let answer = format!("{status} {reason}").trim_end().to_string();
    let Some(location) = location.filter(|l| !l.trim().is_empty()) else {
        return Next::Refuse(format!("{answer} without a Location header"));
    };
    let Some(target) = resolve(url, location.trim()) else {
        return Next::Refuse(format!(
            "{answer} to {location:?}, which is not a valid URL"
        ));
    };
    if crate::retry::is_read(method) {
        return Next::Follow(target);
    }
    let same_origin = server.is_some() && Origin::of(&target).as_ref() == server;
    match status {
        307 | 308 if same_origin => Next::Follow(target),
        307 | 308 => Next::Refuse(format!(
            "{answer} to another server ({target}); a {method} is not re-sent there, \
             so nothing was written"
        )),
        _ => Next::Refuse(format!(
            "{answer} to {target}; a {method} is never re-sent as a GET, so nothing was written"
        )),
    }
}

/// `location` resolved against `base` (RFC 3986 5.2 for the forms servers
/// send: absolute, scheme-relative, absolute-path and relative-path).
pub(crate) fn resolve(base: &str, location: &str) -> Option<String> {
    let base_uri: Uri = base.parse().ok()?;
    let scheme = base_uri.scheme_str()?;
    let authority = base_uri.authority()?.as_str();
    let resolved = if has_scheme(location) {
        location.to_string()
    } else if let Some(rest) = location.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if location.starts_with('/') {
        format!("{scheme}://{authority}{location}")
    } else {
        let path = base_uri.path();
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        format!("{scheme}://{authority}{dir}{location}")
    };
    // Only http(s) URLs ureq can send, and nothing that does not parse.
    let uri: Uri = resolved.parse().ok()?;
    matches!(uri.scheme_str(), Some("http" | "https"))
        .then_some(())
        .and(uri.host())
        .map(|_| resolved)
}

/// Whether `reference` starts with `scheme:` (RFC 3986 3.1).
fn has_scheme(reference: &str) -> bool {
    let Some((scheme, _)) = reference.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://10.0.0.1:6443/api/v1/namespaces/test/pods?limit=5";

    fn server() -> Origin {
        Origin::of("https://10.0.0.1:6443").unwrap()
    }

    #[test]
    fn an_origin_is_scheme_host_and_port() {
        assert_eq!(Origin::of("https://H:443/x"), Origin::of("https://h/y"));
        assert_ne!(Origin::of("https://h:6443/"), Origin::of("https://h:6444/"));
        assert_ne!(Origin::of("http://h/"), Origin::of("https://h/"));
        assert_ne!(Origin::of("https://h/"), Origin::of("https://g/"));
        assert_eq!(Origin::of("ftp://h/"), None);
        assert_eq!(
            Origin::of("https://[::1]:6443/"),
            Origin::of("https://[::1]:6443/x")
        );
    }

    #[test]
    fn locations_resolve_against_the_request_url() {
        assert_eq!(
            resolve(URL, "/api/v1/pods").as_deref(),
            Some("https://10.0.0.1:6443/api/v1/pods")
        );
        assert_eq!(
            resolve(URL, "web").as_deref(),
            Some("https://10.0.0.1:6443/api/v1/namespaces/test/web")
        );
        assert_eq!(
            resolve(URL, "//other:1/x").as_deref(),
            Some("https://other:1/x")
        );
        assert_eq!(
            resolve(URL, "https://other/x").as_deref(),
            Some("https://other/x")
        );
        assert_eq!(resolve(URL, "javascript:alert(1)"), None);
        assert_eq!(resolve(URL, "ftp://other/x"), None);
        assert_eq!(resolve(URL, "/a b"), None);
    }

    #[test]
    fn reads_follow_redirects_anywhere() {
        assert_eq!(
            next(
                "GET",
                URL,
                Some(&server()),
                302,
                "Found",
                Some("https://other:1/x")
            ),
            Next::Follow("https://other:1/x".into())
        );
    }

    #[test]
    fn writes_follow_only_307_and_308_to_the_same_origin() {
        let same = "https://10.0.0.1:6443/api/v1/namespaces/test/pods";
        for status in [307, 308] {
            assert_eq!(
                next("POST", URL, Some(&server()), status, "", Some(same)),
                Next::Follow(same.into())
            );
            let other = next(
                "POST",
                URL,
                Some(&server()),
                status,
                "",
                Some("https://10.0.0.1:6444/x"),
            );
            assert!(
                matches!(&other, Next::Refuse(m) if m.contains("another server") && m.contains("nothing was written")),
                "{other:?}"
            );
        }
        for status in [300, 301, 302, 303] {
            let refused = next("PATCH", URL, Some(&server()), status, "Found", Some(same));
            assert!(
                matches!(&refused, Next::Refuse(m) if m.contains("never re-sent as a GET")),
                "{status}: {refused:?}"
            );
        }
    }

    #[test]
    fn a_redirect_without_a_usable_location_is_refused() {
        assert_eq!(
            next("GET", URL, Some(&server()), 302, "Found", None),
            Next::Refuse("302 Found without a Location header".into())
        );
        assert!(matches!(
            next("GET", URL, Some(&server()), 301, "Moved Permanently", Some("ht tp://x")),
            Next::Refuse(m) if m.contains("not a valid URL")
        ));
    }
}
