//! Named servers from MCP client configuration files (`.mcp.json`,
//! `.vscode/mcp.json`, …), so `mcp-serve dev weather` finds the server that
//! `mcp-serve install` (or a hand edit) put there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::exit::Failure;

/// One server entry, as Claude Desktop, Cursor, VS Code and Claude Code write it.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerEntry {
    /// The program of a stdio server.
    #[serde(default)]
    pub(crate) command: Option<String>,
    /// Its arguments.
    #[serde(default)]
    pub(crate) args: Vec<String>,
    /// Extra environment.
    #[serde(default)]
    pub(crate) env: BTreeMap<String, String>,
    /// Working directory.
    #[serde(default)]
    pub(crate) cwd: Option<PathBuf>,
    /// The URL of an HTTP server (`serverUrl` in some clients).
    #[serde(default, alias = "serverUrl")]
    pub(crate) url: Option<String>,
    /// `stdio`, `http`, `streamable-http` or `sse`.
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    /// HTTP headers.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    mcp_servers: BTreeMap<String, ServerEntry>,
    /// VS Code's key.
    #[serde(default)]
    servers: BTreeMap<String, ServerEntry>,
}

/// The files searched when no `--config` is given, nearest first.
pub(crate) fn default_files() -> Vec<PathBuf> {
    vec![
        PathBuf::from(".mcp.json"),
        PathBuf::from("mcp.json"),
        PathBuf::from(".vscode/mcp.json"),
        PathBuf::from(".cursor/mcp.json"),
    ]
}

/// Looks `name` up in `explicit` (which must exist) or in the default files.
/// `Ok(None)` when no file names it.
pub(crate) fn find(name: &str, explicit: Option<&Path>) -> anyhow::Result<Option<(PathBuf, ServerEntry)>> {
    let files = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => default_files(),
    };
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if explicit.is_none() && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(Failure::usage(format!(
                    "cannot read the config file {}: {e}",
                    file.display()
                )));
            }
        };
        let parsed: ConfigFile = serde_json::from_str(&text).map_err(|e| {
            Failure::usage(format!(
                "{} is not an MCP config file ({e}); expected {{\"mcpServers\": {{…}}}} or {{\"servers\": {{…}}}}",
                file.display()
            ))
        })?;
        if let Some(entry) = parsed.mcp_servers.get(name).or_else(|| parsed.servers.get(name)) {
            return Ok(Some((file, entry.clone())));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_entries_in_both_shapes() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        std::fs::write(
            &a,
            r#"{"mcpServers": {"calc": {"command": "calc", "args": ["--x"], "env": {"K": "V"}}}}"#,
        )
        .unwrap();
        let (_, e) = find("calc", Some(&a)).unwrap().unwrap();
        assert_eq!(e.command.as_deref(), Some("calc"));
        assert_eq!(e.args, ["--x"]);
        assert_eq!(e.env["K"], "V");
        assert!(find("other", Some(&a)).unwrap().is_none());

        let b = dir.path().join("b.json");
        std::fs::write(
            &b,
            r#"{"servers": {"web": {"type": "http", "url": "http://127.0.0.1:1/mcp"}}}"#,
        )
        .unwrap();
        let (_, e) = find("web", Some(&b)).unwrap().unwrap();
        assert_eq!(e.url.as_deref(), Some("http://127.0.0.1:1/mcp"));
    }

    #[test]
    fn a_broken_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        std::fs::write(&a, "not json").unwrap();
        let e = find("x", Some(&a)).unwrap_err();
        assert!(format!("{e:#}").contains("is not an MCP config file"), "{e:#}");
        let missing = dir.path().join("missing.json");
        assert!(find("x", Some(&missing)).is_err());
    }
}
