//! `mcp-serve install --list`: where each client keeps its config and which
//! servers it holds.

use std::fmt::Write as _;
use std::path::Path;

use super::clients::{Client, Env};
use super::entry::describe;
use super::files;
use super::merge::servers;

/// The listing for `clients`, every scope of each (`file` instead of the
/// usual places, when given).
pub(crate) fn listing(clients: &[Client], env: &Env, file: Option<&Path>) -> String {
    let mut out = String::new();
    for &client in clients {
        for &scope in client.scopes() {
            let path = match file {
                Some(f) => Ok(env.cwd.join(f)),
                None => client.config_path(scope, env),
            };
            let label = if client.scopes().len() > 1 && file.is_none() {
                format!("{client} ({scope})")
            } else {
                client.to_string()
            };
            let path = match path {
                Ok(p) => p,
                Err(e) => {
                    let _ = writeln!(out, "{label}: {e}");
                    continue;
                }
            };
            let _ = write!(out, "{label}: {}", path.display());
            match files::read(&files::real_path(&path)) {
                Ok(None) => out.push_str(" (no file)\n"),
                Err(e) => {
                    let _ = writeln!(out, "\n  cannot read it: {e:#}");
                }
                Ok(Some(text)) => match servers(&text, client.servers_key()) {
                    Err(e) => {
                        let _ = writeln!(out, "\n  cannot use it: {e}");
                    }
                    Ok(list) if list.is_empty() => out.push_str("\n  (no servers)\n"),
                    Ok(list) => {
                        out.push('\n');
                        let width = list.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(0);
                        for (name, entry) in list {
                            let _ = writeln!(out, "  {name:<width$}  {}", describe(&entry));
                        }
                    }
                },
            }
            if file.is_some() {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::clients::Os;
    use super::*;

    #[test]
    fn lists_files_and_servers() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env {
            os: Os::Linux,
            home: Some(dir.path().join("home")),
            xdg_config_home: None,
            appdata: None,
            claude_config_dir: None,
            cwd: dir.path().join("proj"),
        };
        let cursor = dir.path().join("home/.cursor/mcp.json");
        files::replace(
            &cursor,
            r#"{"mcpServers": {"weather": {"command": "w", "args": ["a b"]}, "web": {"url": "https://h/mcp"}}}"#,
        )
        .unwrap();
        files::replace(&dir.path().join("proj/.vscode/mcp.json"), "{ oops").unwrap();
        let out = listing(&[Client::Cursor, Client::Vscode], &env, None);
        let expected_cursor = format!(
            "Cursor (user): {}\n  weather  w 'a b'\n  web      https://h/mcp\n",
            cursor.display()
        );
        assert!(out.starts_with(&expected_cursor), "{out}");
        assert!(out.contains("Cursor (project): "), "{out}");
        assert!(out.contains(".cursor/mcp.json (no file)"), "{out}");
        assert!(out.contains("VS Code (project): "), "{out}");
        assert!(out.contains("cannot use it: it is not valid JSON"), "{out}");

        let out = listing(&[Client::Cursor], &env, Some(&PathBuf::from("x.json")));
        assert_eq!(
            out,
            format!("Cursor: {} (no file)\n", env.cwd.join("x.json").display())
        );
    }
}
