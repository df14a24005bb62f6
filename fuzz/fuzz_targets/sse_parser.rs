//! The client's SSE parser (`fuzzing::sse_parse`, behind the `fuzzing`
//! feature) on arbitrary streams, split at arbitrary points: it
//! must never panic, and how the stream is split must not change what it
//! yields (the same bytes in one chunk give the same events, id and retry).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_serve::fuzzing::sse_parse;

// The first byte says how many cut points follow (two bytes each, up to 7);
// the rest is the stream. Seeds are plain SSE text behind a zero byte.
fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 8).min(rest.len() / 2);
    let (cut_bytes, stream) = rest.split_at(n * 2);
    let mut cuts: Vec<usize> = cut_bytes
        .chunks_exact(2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (stream.len() + 1))
        .collect();
    cuts.sort_unstable();
    let mut chunks = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts {
        chunks.push(&stream[start..cut]);
        start = cut;
    }
    chunks.push(&stream[start..]);
    let split = sse_parse(&chunks);
    let whole = sse_parse(&[&stream]);
    assert_eq!(split, whole, "the chunking changed the parse");
    for (event, _) in &split.events {
        assert!(!event.is_empty(), "an event without a type");
    }
    if let Some(id) = &split.last_event_id {
        assert!(!id.contains('\0'), "an id with NUL");
    }
});
