//! The watch decoder over arbitrary bytes as the HTTP body. The first byte
//! picks the event cap (the library's 16 MiB, or a few hundred bytes so that
//! the cap is reached) and how the body arrives (in chunks of 1 to 15 bytes,
//! or all at once). Every event must be an event or an error: no panic, no
//! endless stream, memory bounded by the cap.
#![no_main]

use std::hint::black_box;
use std::io::{self, Read};

use kapi::{Bookmark, WatchStream};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// A body that arrives `chunk` bytes per read (0: all at once).
struct Chunked {
    data: Vec<u8>,
    at: usize,
    chunk: usize,
}

impl Read for Chunked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = &self.data[self.at..];
        let mut n = left.len().min(buf.len());
        if self.chunk > 0 {
            n = n.min(self.chunk);
        }
        buf[..n].copy_from_slice(&left[..n]);
        self.at += n;
        Ok(n)
    }
}

fn decode<T: serde::de::DeserializeOwned>(flags: u8, body: &[u8]) {
    let reader = Chunked {
        data: body.to_vec(),
        at: 0,
        chunk: usize::from(flags >> 4),
    };
    let stream: WatchStream<T> = if flags & 1 == 0 {
        WatchStream::from_reader(reader)
    } else {
        // 1 to 1024 bytes.
        let cap = 1 + u64::from(flags >> 1 & 7) * 146;
        kapi::__fuzz::watch_stream_with_max_event(reader, cap)
    };
    // Each event or error consumes at least one byte, and a stream error
    // ends the iteration: more items than bytes means an endless stream.
    let mut items = 0usize;
    for item in stream {
        items += 1;
        assert!(items <= body.len() + 1, "the stream does not end");
        if let Err(e) = item {
            black_box(e.to_string());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    decode::<Value>(flags, body);
    decode::<Bookmark>(flags, body);
});
