//! List continue tokens as the etcd3 storage writes them: URL-safe base64 of
//! `{"v":"meta.k8s.io/v1","rv":N,"start":"KEY\u0000"}`, where KEY is the
//! last returned object's key below the list's prefix (`name`, or
//! `namespace/name` for an all-namespaces list) and the NUL makes the next
//! page start strictly after it.

use serde_json::Value;

use crate::base64;
use crate::json::go_string;

/// A decoded continue token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContinueToken {
    /// The list's resourceVersion; -1 continues at the latest one (tokens
    /// handed out with a 410 Expired).
    pub(crate) rv: i64,
    /// The key to continue after (without the trailing NUL).
    pub(crate) after: String,
}

impl ContinueToken {
    /// The token text.
    pub(crate) fn encode(rv: i64, last_key: &str) -> String {
        let json = format!(
            r#"{{"v":"meta.k8s.io/v1","rv":{rv},"start":{}}}"#,
            go_string(&format!("{last_key}\u{0}"))
        );
        base64::encode_url(json.as_bytes())
    }

    /// Decodes `token`; the error is the 400 message.
    pub(crate) fn decode(token: &str) -> Result<Self, String> {
        let invalid =
            |detail: String| format!("invalid continue token: continue key is not valid: {detail}");
        let data = base64::decode_url(token).ok_or_else(|| {
            let at = token
                .bytes()
                .position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
                .unwrap_or(token.len().saturating_sub(1));
            invalid(format!("illegal base64 data at input byte {at}"))
        })?;
        let value: Value = serde_json::from_slice(&data).map_err(|err| invalid(err.to_string()))?;
        let version = value["v"].as_str().unwrap_or_default();
        if version != "meta.k8s.io/v1" {
            return Err(format!(
                "invalid continue token: continue key is not valid: server does not recognize this encoded version {version}"
            ));
        }
        let rv = value["rv"].as_i64().unwrap_or(0);
        if rv == 0 {
            return Err("invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)".into());
        }
        let start = value["start"].as_str().unwrap_or_default();
        if start.is_empty() {
            return Err("invalid continue token: continue key is not valid: encoded start key empty (version meta.k8s.io/v1)".into());
        }
        let after = start.strip_suffix('\u{0}').unwrap_or(start);
        if after.split('/').any(|s| s == ".." || s == ".") {
            return Err(invalid(start.to_string()));
        }
        Ok(ContinueToken {
            rv,
            after: after.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_like_the_real_server() {
        let token = ContinueToken::encode(184_470, "test/pod-b");
        let json = String::from_utf8(base64::decode_url(&token).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"v":"meta.k8s.io/v1","rv":184470,"start":"test/pod-b\u0000"}"#
        );
        assert_eq!(
            ContinueToken::decode(&token).unwrap(),
            ContinueToken {
                rv: 184_470,
                after: "test/pod-b".into()
            }
        );
        assert_eq!(
            ContinueToken::decode(&ContinueToken::encode(-1, "x"))
                .unwrap()
                .rv,
            -1
        );
    }

    #[test]
    fn rejects_bad_tokens() {
        assert_eq!(
            ContinueToken::decode("%%%").unwrap_err(),
            "invalid continue token: continue key is not valid: illegal base64 data at input byte 0"
        );
        let no_rv = base64::encode_url(br#"{"v":"meta.k8s.io/v1","rv":0,"start":"a"}"#);
        assert!(ContinueToken::decode(&no_rv)
            .unwrap_err()
            .contains("incorrect encoded start resourceVersion"));
        let escape = base64::encode_url(br#"{"v":"meta.k8s.io/v1","rv":5,"start":"../x"}"#);
        assert!(ContinueToken::decode(&escape).is_err());
    }
}
