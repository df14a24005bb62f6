//! Starting (or reaching) the server, and what its handshake said: which
//! server, which era, its capabilities and instructions.

use std::path::{Path, PathBuf};
use std::time::Duration;

use mcp_serve::client::{Client, ClientError, ClientOptions, Era, StdioCommand};
use serde_json::{Value, json};

use super::capture::StderrCapture;
use super::events::Hub;
use crate::target::Target;

/// Connects to `target`; a stdio server's stderr is captured for the page.
/// On failure: what went wrong and the last lines the server printed.
pub(crate) async fn connect(
    target: &Target,
    options: ClientOptions,
    timeout: Duration,
    hub: &Hub,
) -> Result<(Client, Option<StderrCapture>), (String, Vec<String>)> {
    let described = target.describe();
    let (result, capture) = match target {
        Target::Command {
            program,
            args,
            env,
            cwd,
        } => {
            if let Err(message) = find_program(program, cwd.as_deref()) {
                return Err((message, Vec::new()));
            }
            let capture = StderrCapture::start(hub.clone());
            let (program, args, extra) = capture.wrap(program, args);
            let mut cmd = StdioCommand::new(program).args(args);
            for (k, v) in env.iter().chain(extra.iter()) {
                cmd = cmd.env(k.clone(), v.clone());
            }
            if let Some(dir) = cwd {
                cmd = cmd.current_dir(dir.clone());
            }
            let connected = tokio::time::timeout(timeout, Client::connect_stdio(cmd, options)).await;
            capture.started();
            let r = match connected {
                Ok(Ok(c)) => Ok(c),
                Ok(Err(ClientError::Transport(e))) => Err(format!(
                    "`{described}` exited before answering the MCP handshake ({e})"
                )),
                Ok(Err(e)) => Err(format!("`{described}` did not complete the MCP handshake: {e}")),
                Err(_) => Err(format!(
                    "`{described}` did not answer the MCP handshake within {}; is it an MCP server speaking on stdout (logs belong on stderr)?",
                    humantime::format_duration(timeout)
                )),
            };
            (r, Some(capture))
        }
        Target::Url { .. } => {
            let r = match tokio::time::timeout(timeout, target.connect(options)).await {
                Ok(Ok(c)) => Ok(c),
                Ok(Err(e)) => Err(format!("{e:#}")),
                Err(_) => Err(format!(
                    "{described} did not answer within {}",
                    humantime::format_duration(timeout)
                )),
            };
            (r, None)
        }
    };
    match result {
        Ok(client) => Ok((client, capture)),
        Err(message) => {
            // Give a dying process a moment to finish writing why.
            let stderr = match &capture {
                Some(c) => c.tail(Duration::from_secs(2)).await,
                None => Vec::new(),
            };
            Err((message, stderr))
        }
    }
}

/// Checks that `program` can be run, for a clear message instead of a shell's.
fn find_program(program: &str, cwd: Option<&Path>) -> Result<PathBuf, String> {
    let path = Path::new(program);
    if path.components().count() > 1 {
        let full = match cwd {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        };
        return if full.is_file() {
            Ok(full)
        } else {
            Err(format!("cannot start `{program}`: no such file"))
        };
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .flat_map(|dir| [dir.join(program), dir.join(format!("{program}.exe"))])
        .find(|c| c.is_file())
        .ok_or_else(|| format!("cannot start `{program}`: command not found (is it on PATH?)"))
}

/// Name, version, era, capabilities and instructions for the page header.
pub(crate) fn summarize(client: &Client) -> Value {
    let info = client
        .server_info()
        .and_then(|i| serde_json::to_value(i).ok())
        .unwrap_or(Value::Null);
    let capabilities = client
        .server_capabilities()
        .and_then(|c| serde_json::to_value(c).ok())
        .unwrap_or_else(|| json!({}));
    let field = |k: &str| info.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "name": field("name"),
        "version": field("version"),
        "title": field("title"),
        "era": if client.era() == Era::Modern { "modern" } else { "legacy" },
        "protocolVersion": client.protocol_version().as_str(),
        "capabilities": capabilities,
        "instructions": client.instructions(),
        "info": info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_looked_up() {
        assert!(find_program("sh", None).is_ok());
        let e = find_program("no-such-program-mcp-serve", None).unwrap_err();
        assert!(e.contains("command not found"), "{e}");
        let e = find_program("./no/such/file", None).unwrap_err();
        assert!(e.contains("no such file"), "{e}");
    }
}
