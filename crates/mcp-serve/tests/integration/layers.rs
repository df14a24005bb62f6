//! The layers of `crates/mcp-serve/src` hold: every `crate::…` path points to
//! the module's own layer or one below it, so there is no module cycle
//! across layers, and the transports reach the engine only through what it
//! exports publicly (so a transport outside the crate can do what they do).
//!
//! Layers, lowest first (the wire types are the `mcp-serve-core` crate):
//! 1. handler API: what handler authors touch;
//! 2. engine;
//! 3. transports;
//! 4. server builder and runners;
//! 5. client, testing, proxy, openapi.

use std::collections::BTreeSet;
use std::path::Path;

/// The layer of each top-level module of the crate.
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "protocol" => 0,
        "error" | "extension" | "middleware" | "schema" | "complete" | "probe" | "context" | "tool"
        | "resource" | "prompt" | "tasks" | "telemetry" | "auth" | "wake_gate" => 1,
        "engine" => 2,
        "transport" | "cluster" => 3,
        "server" => 4,
        "client" | "testing" | "proxy" | "openapi" | "fuzzing" => 5,
        // The crate root and its re-export modules sit above everything.
        "lib" | "prelude" | "macros" | "__private" => 9,
        _ => return None,
    })
}

/// `crate::NAME…` paths in code (comments, where intra-doc links live, skipped).
fn crate_paths(source: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(after.len());
            let path = after[..end].trim_end_matches(':');
            rest = &after[end..];
            // `crate::a::{B, C}`: one path per item of the group.
            if let Some(group) = rest.strip_prefix('{') {
                let close = group.find('}').unwrap_or(group.len());
                for item in group[..close].split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    out.push((n + 1, format!("{path}::{item}")));
                }
                rest = &group[close..];
            } else {
                out.push((n + 1, path.to_owned()));
            }
        }
    }
    out
}

/// What breaks the rules in one file of module `module` (e.g. `engine`).
fn violations(module: &str, file: &str, source: &str, engine_exports: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let Some(own) = layer(module) else {
        return vec![format!(
            "{file}: module `{module}` has no layer: add it to layers.rs"
        )];
    };
    for (line, path) in crate_paths(source) {
        let target = path.split("::").next().unwrap_or_default();
        if target == module {
            continue;
        }
        match layer(target) {
            None => out.push(format!("{file}:{line}: `crate::{path}`: module `{target}` has no layer")),
            Some(l) if l > own => out.push(format!(
                "{file}:{line}: `crate::{path}` points up, from layer {own} ({module}) to layer {l} ({target})"
            )),
            Some(_) => {}
        }
        if module == "transport" && target == "engine" {
            let item = path.split("::").nth(1).unwrap_or_default();
            if !engine_exports.contains(item) {
                out.push(format!(
                    "{file}:{line}: `crate::{path}`: transports use only what `engine` exports publicly"
                ));
            }
        }
    }
    out
}

/// The names `engine/mod.rs` re-exports with `pub use`.
fn engine_exports(src: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(src.join("engine/mod.rs")).unwrap();
    let mut names = BTreeSet::new();
    for stmt in text.split(';') {
        let stmt = stmt.trim();
        let Some(rest) = stmt.strip_prefix("pub use ") else {
            continue;
        };
        let list = rest
            .rsplit_once('{')
            .map_or(rest.rsplit("::").next().unwrap_or(rest), |(_, l)| l);
        for name in list.trim_end_matches('}').split(',') {
            let name = name.trim();
            if !name.is_empty() {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn modules_only_depend_on_their_own_layer_or_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let exports = engine_exports(&src);
    assert!(
        exports.contains("Connection") && exports.contains("ServerHandle"),
        "{exports:?}"
    );
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        let module = rel.split('/').next().unwrap().trim_end_matches(".rs").to_owned();
        let source = std::fs::read_to_string(path).unwrap();
        problems.extend(violations(&module, &rel, &source, &exports));
    }
    assert!(
        files.len() > 40,
        "read {} files from {}",
        files.len(),
        src.display()
    );
    assert!(problems.is_empty(), "layering broken:\n{}", problems.join("\n"));
}

#[test]
fn the_check_catches_what_it_is_for() {
    let exports: BTreeSet<String> = ["Connection".to_owned()].into();
    // A handler-API module reaching into the engine, and a comment that may.
    let src = "use crate::engine::Shared;\n/// See [`crate::server::Server`].\nfn f() {}";
    assert_eq!(
        violations("context", "context/mod.rs", src, &exports),
        ["context/mod.rs:1: `crate::engine::Shared` points up, from layer 1 (context) to layer 2 (engine)"]
    );
    // A transport using an engine internal, and one using the public API.
    let src = "use crate::engine::connection::Scope;\nuse crate::engine::{Connection, Shared};";
    assert_eq!(
        violations("transport", "transport/x.rs", src, &exports),
        [
            "transport/x.rs:1: `crate::engine::connection::Scope`: transports use only what `engine` exports publicly",
            "transport/x.rs:2: `crate::engine::Shared`: transports use only what `engine` exports publicly",
        ]
    );
    assert!(violations("server", "server.rs", "use crate::transport::stdio;", &exports).is_empty());
    assert_eq!(violations("nowhere", "nowhere.rs", "", &exports).len(), 1);
}
