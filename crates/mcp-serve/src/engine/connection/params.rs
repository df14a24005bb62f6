//! Reading a request's `params` without parsing more than the engine needs:
//! `_meta` kept raw and split from the rest, the few `_meta` members that
//! decide the era picked out, and what modern clients last declared about
//! themselves kept so that a repeated `_meta` is not parsed again.

use std::sync::Arc;

use mcp_serve_core::meta;
use mcp_serve_core::types::{ClientCapabilities, Implementation, LoggingLevel};
use serde_json::{Map, Value};

/// Modern clients repeat the same `clientCapabilities` and `clientInfo` on
/// every request: the last ones parsed are kept, keyed by their raw JSON, so
/// a repeat costs a comparison instead of a parse and two allocations.
#[derive(Default)]
pub(super) struct SeenClients {
    /// Keyed by the whole `_meta`: all of what it declared, when valid.
    declared: arc_swap::ArcSwapOption<(Box<str>, Arc<Declared>)>,
    pub(super) capabilities: LastParsed<ClientCapabilities>,
    pub(super) client_info: LastParsed<Implementation>,
}

/// What a valid modern `_meta` declares.
pub(super) struct Declared {
    /// The protocol version as sent.
    pub(super) version: String,
    pub(super) capabilities: Arc<ClientCapabilities>,
    pub(super) client_info: Option<Arc<Implementation>>,
    pub(super) log_level: Option<LoggingLevel>,
}

impl SeenClients {
    pub(super) fn declared(&self, raw_meta: &str) -> Option<Arc<Declared>> {
        self.declared
            .load()
            .as_ref()
            .filter(|last| *last.0 == *raw_meta)
            .map(|last| Arc::clone(&last.1))
    }

    pub(super) fn remember_declared(&self, raw_meta: &str, declared: Declared) {
        self.declared
            .store(Some(Arc::new((raw_meta.into(), Arc::new(declared)))));
    }
}

pub(super) struct LastParsed<T>(arc_swap::ArcSwapOption<(Box<str>, Arc<T>)>);

impl<T> Default for LastParsed<T> {
    fn default() -> Self {
        LastParsed(arc_swap::ArcSwapOption::empty())
    }
}

impl<T: serde::de::DeserializeOwned> LastParsed<T> {
    pub(super) fn get(&self, raw: &serde_json::value::RawValue) -> Result<Arc<T>, serde_json::Error> {
        if let Some(last) = self.0.load().as_ref().filter(|last| *last.0 == *raw.get()) {
            return Ok(Arc::clone(&last.1));
        }
        let parsed = Arc::new(parse_as_value::<T>(raw)?);
        self.0
            .store(Some(Arc::new((raw.get().into(), Arc::clone(&parsed)))));
        Ok(parsed)
    }
}

/// `params` with `_meta` kept raw: everything else is parsed as before (into
/// a map, a repeated key keeping its last value).
pub(super) struct SplitParams<'a> {
    pub(super) meta: Option<&'a serde_json::value::RawValue>,
    pub(super) rest: Map<String, Value>,
}

impl<'de> serde::Deserialize<'de> for SplitParams<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = SplitParams<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // What `serde_json::Map` says.
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = SplitParams {
                    meta: None,
                    rest: Map::new(),
                };
                while let Some(Key(key)) = map.next_key()? {
                    if key == "_meta" {
                        out.meta = Some(map.next_value()?);
                    } else {
                        out.rest.insert(key.into_owned(), map.next_value()?);
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A JSON object's members in their order, keys borrowed where they have
/// no escapes and values left unparsed: what a response is rebuilt from
/// without building anything of it.
pub(in crate::engine) struct Members<'a>(
    pub(in crate::engine) Vec<(std::borrow::Cow<'a, str>, &'a serde_json::value::RawValue)>,
);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some((Key(k), v)) = map.next_entry()? {
                    members.push((k, v));
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// An object key, borrowed from the input unless it has escapes (serde's
/// `Cow<str>` always copies).
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(v.into()))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(v.to_owned().into()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(v.into()))
            }
        }
        d.deserialize_str(Visit)
    }
}

/// The `_meta` members the engine reads, raw (a repeated key keeping its
/// last value, as in a map); the rest is skipped. Or, for a `_meta` seen
/// just before, what it declared.
#[derive(Default)]
pub(super) struct MetaProbe<'a> {
    pub(super) declared: Option<Arc<Declared>>,
    pub(super) version: Option<&'a serde_json::value::RawValue>,
    pub(super) capabilities: Option<&'a serde_json::value::RawValue>,
    pub(super) client_info: Option<&'a serde_json::value::RawValue>,
    pub(super) log_level: Option<&'a serde_json::value::RawValue>,
}

impl<'de> serde::Deserialize<'de> for MetaProbe<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = MetaProbe<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = MetaProbe::default();
                while let Some(Key(key)) = map.next_key()? {
                    let slot = match &*key {
                        meta::PROTOCOL_VERSION => &mut out.version,
                        meta::CLIENT_CAPABILITIES => &mut out.capabilities,
                        meta::CLIENT_INFO => &mut out.client_info,
                        meta::LOG_LEVEL => &mut out.log_level,
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = Some(map.next_value()?);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Deserializes a raw value as `T` would be from its parsed `Value`, with
/// the same error text (a direct parse's errors also give a position).
pub(super) fn parse_as_value<T: serde::de::DeserializeOwned>(
    raw: &serde_json::value::RawValue,
) -> Result<T, serde_json::Error> {
    serde_json::from_str(raw.get()).or_else(|_| {
        let v: Value = serde_json::from_str(raw.get())?;
        T::deserialize_value(&v)
    })
}

/// Deserializing capabilities from a borrowed value.
pub(super) trait DeserializeValue: Sized {
    fn deserialize_value(v: &Value) -> Result<Self, serde_json::Error>;
}

impl<T: serde::de::DeserializeOwned> DeserializeValue for T {
    fn deserialize_value(v: &Value) -> Result<Self, serde_json::Error> {
        T::deserialize(v)
    }
}
