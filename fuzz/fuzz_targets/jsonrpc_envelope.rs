//! The JSON-RPC envelope parser (`mcp_serve_core::jsonrpc::parse`) on
//! arbitrary frames: it must never panic, every failure must be a parse
//! error (-32700) or an invalid request (-32600), and what it accepts must
//! hold together (a request has a method and an id, an error reply encodes
//! to a frame that parses back as a response).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_serve_core::jsonrpc::{self, ErrorObject, Incoming, Kind, RawMessage};

fn check_failure(e: &ErrorObject) {
    assert!(
        e.code == -32700 || e.code == -32600,
        "unexpected error code {} ({})",
        e.code,
        e.message
    );
    // The reply to an unreadable frame is itself a readable response.
    let reply = jsonrpc::encode_error(None, e);
    match jsonrpc::parse(&reply) {
        Ok(Incoming::Single(m)) => assert_eq!(m.validate().ok(), Some(Kind::Response)),
        other => panic!("error reply did not parse back as a response: {other:?}"),
    }
}

fn check_message(m: &RawMessage<'_>) {
    match m.validate() {
        Ok(Kind::Request) => {
            assert!(m.method().is_some(), "a request without a method");
            let id = m.id().expect("a request's id is readable");
            // An error reply to it echoes the id and reads back as a response.
            let reply = jsonrpc::encode_error(Some(&id), &ErrorObject::method_not_found("x"));
            let back: serde_json::Value = serde_json::from_slice(&reply).expect("reply is JSON");
            assert_eq!(back["id"], serde_json::to_value(&id).unwrap());
        }
        Ok(Kind::Notification) => {
            assert!(m.method().is_some(), "a notification without a method");
            assert!(m.id().is_none(), "a notification with an id");
        }
        Ok(Kind::Response) => assert!(m.result().is_some() || m.error().is_some()),
        Err(e) => {
            assert_eq!(e.code, -32600, "validate gave {} ({})", e.code, e.message);
        }
    }
    if let Some(params) = m.params() {
        // Params are kept raw; they are well-formed JSON by construction.
        serde_json::from_str::<serde::de::IgnoredAny>(params.get()).expect("raw params are JSON");
    }
}

fuzz_target!(|data: &[u8]| {
    match jsonrpc::parse(data) {
        Ok(Incoming::Single(m)) => {
            assert!(std::str::from_utf8(data).is_ok(), "accepted invalid UTF-8");
            check_message(&m);
        }
        Ok(Incoming::Batch(items)) => {
            assert!(!items.is_empty(), "an empty batch was accepted");
            for item in &items {
                match item {
                    Ok(m) => check_message(m),
                    Err(e) => check_failure(e),
                }
            }
        }
        Err(e) => check_failure(&e),
    }
});
