//! mcp-serve's integration tests, one module per area, in one test binary:
//! each binary links every dependency, so one binary instead of fifteen
//! saves most of the link time and disk of `cargo test`.
//!
//! `cargo test -p mcp-serve --test integration MODULE::` runs one area.

mod auth;
mod bus_routing;
mod catalog;
mod client;
mod cluster_bus;
mod engine;
mod extensions;
mod gateway;
mod hardening;
mod hostile;
mod http;
mod http_modes;
mod interactive;
mod layers;
mod listen;
mod macros;
mod middleware;
mod middleware_builtins;
mod mount;
mod openapi;
mod openapi_github;
mod otel;
mod otel_metrics;
mod passthrough;
mod platform;
mod policy;
mod proxy;
mod replicas;
mod schema_conformance;
mod scoped_lists;
mod serving;
mod shared_events;
mod shared_sessions;
mod shared_tasks;
mod state_keys;
mod stdio;
mod subscriptions;
mod tasks;
mod tasks_extension;
mod telemetry;
mod tls;
mod ui;
mod visibility;
mod wakes;
