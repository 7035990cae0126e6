//! Base64 without padding, URL-safe alphabet (Go's `base64.RawURLEncoding`,
//! which continue tokens and JWT parts use) and standard alphabet decoding.

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes with the URL-safe alphabet and no padding.
pub(crate) fn encode_url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(URL_SAFE[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Encodes with the standard alphabet and padding (how Secret data is
/// written).
pub(crate) fn encode_std(bytes: &[u8]) -> String {
    let mut out = encode_url(bytes).replace('-', "+").replace('_', "/");
    let padding = (4 - out.len() % 4) % 4;
    out.push_str(&"==="[..padding]);
    out
}

/// Decodes the URL-safe alphabet without padding, as
/// `base64.RawURLEncoding.DecodeString` does: `None` on any stray
/// character, padding, or impossible length.
pub(crate) fn decode_url(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| URL_SAFE.iter().position(|&x| x == c).map(|p| p as u32);
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let produced = chunk.len() - 1;
        for i in 0..produced {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for input in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            &[0xfb, 0xff, 0xbf],
        ] {
            let encoded = encode_url(input);
            assert!(!encoded.contains('='));
            assert_eq!(decode_url(&encoded).as_deref(), Some(input), "{encoded}");
        }
        assert_eq!(encode_url(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode_url(&[0xfb, 0xff]), "-_8");
        assert_eq!(encode_std(&[0xfb, 0xff]), "+/8=");
        assert_eq!(encode_std(b"v"), "dg==");
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["a", "ab==", "a+b/", "!!!!"] {
            assert_eq!(decode_url(bad), None, "{bad}");
        }
    }
}
