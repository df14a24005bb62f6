//! The JSON entry each client expects for a server: `{"command", "args",
//! "env"}` for Claude Desktop and Cursor, with `"type"` for Claude Code and VS
//! Code, `{"url", "headers"}` for HTTP servers, and a stdio bridge through
//! `mcp-serve proxy` for Claude Desktop, which has no remote entries.

use std::path::{Path, PathBuf};

use jsonc_parser::cst::CstInputValue;

use super::clients::{Client, Scope};
use super::server::{Server, find_on_path};

/// An entry ready to be written, with what the user should know about it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The entry, keys in the order people expect (`type`, `command`, …).
    pub(crate) value: CstInputValue,
    /// Notes on how it differs from what was typed.
    pub(crate) notes: Vec<String>,
}

/// The entry `client` gets for `server`. `cwd` is the project directory;
/// `bridge` is the `mcp-serve` executable that bridges a URL to stdio.
pub(crate) fn entry(client: Client, scope: Scope, server: &Server, cwd: &Path, bridge: &Path) -> Entry {
    let mut notes = Vec::new();
    let mut fields: Vec<(String, CstInputValue)> = Vec::new();
    let typed = matches!(client, Client::Vscode | Client::ClaudeCode);
    match server {
        Server::Command {
            program,
            resolved,
            args,
            env,
        } => {
            if typed {
                fields.push(("type".into(), "stdio".into()));
            }
            let written = match resolved {
                Some(abs) => {
                    let written = workspace_relative(client, scope, abs, cwd)
                        .unwrap_or_else(|| abs.to_string_lossy().into_owned());
                    notes.push(format!(
                        "`{program}` is relative: the entry uses `{written}`, since {client} starts servers \
                         from its own working directory"
                    ));
                    written
                }
                None => program.clone(),
            };
            fields.push(("command".into(), written.into()));
            fields.push(("args".into(), strings(args)));
            if !env.is_empty() {
                fields.push(("env".into(), object(env)));
            }
        }
        Server::Url { url, headers } if client == Client::ClaudeDesktop => {
            let mut args = vec!["proxy".to_owned(), url.clone()];
            for (name, value) in headers {
                args.push("--header".into());
                args.push(format!("{name}: {value}"));
            }
            let program = bridge.to_string_lossy().into_owned();
            notes.push(format!(
                "Claude Desktop's config file has no HTTP servers: the entry runs `{program} proxy {url}`, \
                 which bridges stdio to the URL (or add the URL in Claude Desktop under Settings → Connectors)"
            ));
            if is_build_output(bridge) {
                notes.push(format!(
                    "{program} is a build output; `cargo install` mcp-serve and install again for an entry \
                     that survives rebuilds"
                ));
            }
            fields.push(("command".into(), program.into()));
            fields.push(("args".into(), strings(&args)));
        }
        Server::Url { url, headers } => {
            if typed {
                fields.push(("type".into(), "http".into()));
            }
            fields.push(("url".into(), url.clone().into()));
            if !headers.is_empty() {
                fields.push(("headers".into(), object(headers)));
            }
        }
    }
    Entry {
        value: CstInputValue::Object(fields),
        notes,
    }
}

/// `${workspaceFolder}/…` for a program inside the project of a VS Code
/// workspace file, so the file still works when the project moves.
fn workspace_relative(client: Client, scope: Scope, abs: &Path, cwd: &Path) -> Option<String> {
    if (client, scope) != (Client::Vscode, Scope::Project) {
        return None;
    }
    let cwd = std::path::absolute(cwd).ok()?;
    let rel = abs.strip_prefix(&cwd).ok()?;
    let parts: Option<Vec<&str>> = rel.iter().map(|p| p.to_str()).collect();
    Some(format!("${{workspaceFolder}}/{}", parts?.join("/")))
}

/// The path of this `mcp-serve`, as `PATH` reaches it when it does (a
/// package manager's stable link rather than a versioned file it points to).
pub(crate) fn bridge_program() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the mcp-serve executable for the stdio bridge: {e}"))?;
    let on_path = exe
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.trim_end_matches(".exe"))
        .and_then(find_on_path)
        .filter(|found| same_file(found, &exe))
        .and_then(|found| std::path::absolute(found).ok());
    Ok(on_path.unwrap_or(exe))
}

/// Whether both paths lead to the same file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Whether `path` is in a Cargo `target/debug` or `target/release` folder.
fn is_build_output(path: &Path) -> bool {
    let parts: Vec<_> = path.iter().collect();
    parts
        .windows(2)
        .any(|w| w[0] == "target" && (w[1] == "debug" || w[1] == "release"))
}

/// A JSON array of strings.
fn strings(items: &[String]) -> CstInputValue {
    CstInputValue::Array(items.iter().map(|s| s.clone().into()).collect())
}

/// A JSON object of strings, in the given order.
fn object(pairs: &[(String, String)]) -> CstInputValue {
    CstInputValue::Object(pairs.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect())
}

/// The same value as `serde_json`, for comparing with what a file holds.
pub(crate) fn to_json(value: &CstInputValue) -> serde_json::Value {
    use serde_json::Value;
    match value {
        CstInputValue::Null => Value::Null,
        CstInputValue::Bool(b) => Value::Bool(*b),
        CstInputValue::Number(n) => n.parse().map(Value::Number).unwrap_or(Value::Null),
        CstInputValue::String(s) => Value::String(s.clone()),
        CstInputValue::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        CstInputValue::Object(fields) => {
            Value::Object(fields.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// One line about an entry: its command line or its URL.
pub(crate) fn describe(entry: &serde_json::Value) -> String {
    let text = |key: &str| entry.get(key).and_then(|v| v.as_str());
    if let Some(url) = text("url").or_else(|| text("serverUrl")) {
        return url.to_owned();
    }
    if let Some(command) = text("command") {
        let args = entry
            .get("args")
            .and_then(|a| a.as_array())
            .map(|args| {
                args.iter()
                    .map(|a| a.as_str().map_or_else(|| a.to_string(), quote))
            })
            .into_iter()
            .flatten();
        return std::iter::once(quote(command))
            .chain(args)
            .collect::<Vec<_>>()
            .join(" ");
    }
    entry.to_string()
}

/// A shell word, quoted when it needs to be.
fn quote(word: &str) -> String {
    shell_words::quote(word).into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn command(program: &str, resolved: Option<&str>) -> Server {
        Server::Command {
            program: program.into(),
            resolved: resolved.map(PathBuf::from),
            args: vec!["--x".into()],
            env: vec![("K".into(), "V".into())],
        }
    }

    fn url() -> Server {
        Server::Url {
            url: "https://h/mcp".into(),
            headers: vec![("Authorization".into(), "Bearer t".into())],
        }
    }

    fn json_for(client: Client, scope: Scope, server: &Server) -> serde_json::Value {
        let e = entry(
            client,
            scope,
            server,
            Path::new("/p"),
            Path::new("/bin/mcp-serve"),
        );
        to_json(&e.value)
    }

    #[test]
    fn command_entries_per_client() {
        let s = command("srv", None);
        let plain = json!({"command": "srv", "args": ["--x"], "env": {"K": "V"}});
        let typed = json!({"type": "stdio", "command": "srv", "args": ["--x"], "env": {"K": "V"}});
        assert_eq!(json_for(Client::ClaudeDesktop, Scope::User, &s), plain);
        assert_eq!(json_for(Client::Cursor, Scope::User, &s), plain);
        assert_eq!(json_for(Client::Vscode, Scope::Project, &s), typed);
        assert_eq!(json_for(Client::ClaudeCode, Scope::User, &s), typed);
        let e = entry(Client::Vscode, Scope::User, &s, Path::new("/p"), Path::new("/b"));
        let CstInputValue::Object(fields) = e.value else {
            panic!()
        };
        let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["type", "command", "args", "env"]);
    }

    #[test]
    fn url_entries_per_client() {
        let s = url();
        assert_eq!(
            json_for(Client::Cursor, Scope::User, &s),
            json!({"url": "https://h/mcp", "headers": {"Authorization": "Bearer t"}})
        );
        assert_eq!(
            json_for(Client::ClaudeCode, Scope::Project, &s),
            json!({"type": "http", "url": "https://h/mcp", "headers": {"Authorization": "Bearer t"}})
        );
        assert_eq!(
            json_for(Client::Vscode, Scope::User, &s),
            json!({"type": "http", "url": "https://h/mcp", "headers": {"Authorization": "Bearer t"}})
        );
        assert_eq!(
            json_for(Client::ClaudeDesktop, Scope::User, &s),
            json!({"command": "/bin/mcp-serve", "args": ["proxy", "https://h/mcp", "--header", "Authorization: Bearer t"]})
        );
    }

    #[test]
    fn resolved_programs_and_the_workspace_folder() {
        let s = command("./bin/srv", Some("/p/bin/srv"));
        assert_eq!(
            json_for(Client::Cursor, Scope::Project, &s)["command"],
            "/p/bin/srv"
        );
        assert_eq!(
            json_for(Client::Vscode, Scope::Project, &s)["command"],
            "${workspaceFolder}/bin/srv"
        );
        assert_eq!(json_for(Client::Vscode, Scope::User, &s)["command"], "/p/bin/srv");
        let e = entry(Client::Cursor, Scope::User, &s, Path::new("/p"), Path::new("/b"));
        assert!(
            e.notes[0].contains("the entry uses `/p/bin/srv`"),
            "{:?}",
            e.notes
        );
    }

    #[test]
    fn descriptions() {
        assert_eq!(
            describe(&json!({"command": "uvx", "args": ["a b", "c"]})),
            "uvx 'a b' c"
        );
        assert_eq!(
            describe(&json!({"type": "http", "url": "https://h"})),
            "https://h"
        );
        assert!(is_build_output(Path::new("/w/target/debug/mcp-serve")));
        assert!(!is_build_output(Path::new("/usr/bin/mcp-serve")));
    }
}
