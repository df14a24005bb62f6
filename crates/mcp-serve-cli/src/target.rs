//! What a command talks to: a stdio command, a URL, or a name from a config
//! file, and how to connect to it.
//!
//! `mcp-serve call ./server add a=2` (a path runs as a stdio command),
//! `mcp-serve call add a=2 -- cargo run --example quickstart` (a command with
//! arguments after `--`), `mcp-serve call http://127.0.0.1:8080/mcp add a=2`
//! (a URL), `mcp-serve call weather forecast city=Paris` (a name in `.mcp.json`).

use std::path::PathBuf;
use std::time::Duration;

use mcp_serve::client::{Client, ClientOptions, Era, StdioCommand};
use mcp_serve_core::version::ProtocolVersion;

use crate::config;
use crate::exit::Failure;

/// How long a request may take unless `--timeout` says otherwise.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How to reach the server; shared by every command that talks to one.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct TargetArgs {
    /// The server command and its arguments, after `--` (instead of a TARGET).
    #[arg(last = true, value_name = "COMMAND")]
    pub(crate) command: Vec<String>,
    /// Look server names up in this MCP config file (default: ./.mcp.json, ./mcp.json, ./.vscode/mcp.json,
    /// ./.cursor/mcp.json).
    #[arg(long, value_name = "FILE", global = true)]
    pub(crate) config: Option<PathBuf>,
    /// Protocol: `auto` (probe, then fall back), `modern` (2026-07-28) or a legacy revision such as
    /// `2025-11-25`.
    #[arg(long, default_value = "auto", value_name = "ERA", global = true)]
    pub(crate) protocol: String,
    /// For URLs: use the deprecated HTTP+SSE transport (2024-11-05 servers' `/sse` endpoint).
    #[arg(long, global = true)]
    pub(crate) sse: bool,
    /// An HTTP header for URL targets, `Name: value` (repeatable), e.g. `-H "Authorization: Bearer …"`.
    #[arg(short = 'H', long = "header", value_name = "HEADER", global = true)]
    pub(crate) headers: Vec<String>,
    /// An environment variable for a command target, `KEY=VALUE` (repeatable).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE", global = true)]
    pub(crate) env: Vec<String>,
    /// Server log messages to show on stderr: debug, info, notice, warning, error, … or `off`.
    #[arg(long, default_value = "info", value_name = "LEVEL", global = true)]
    pub(crate) log_level: String,
    /// How long one request may take (`30s`, `2m`, …; default 60s, 1h for `proxy`).
    #[arg(long, value_name = "DURATION", global = true)]
    pub(crate) timeout: Option<humantime::Duration>,
}

/// A resolved server.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    /// A process that speaks MCP over stdin/stdout.
    Command {
        /// The program.
        program: String,
        /// Its arguments.
        args: Vec<String>,
        /// Extra environment.
        env: Vec<(String, String)>,
        /// Working directory.
        cwd: Option<PathBuf>,
    },
    /// An HTTP server.
    Url {
        /// The endpoint.
        url: String,
        /// The deprecated HTTP+SSE transport instead of Streamable HTTP.
        sse: bool,
        /// Extra headers.
        headers: Vec<(String, String)>,
    },
}

impl TargetArgs {
    /// Resolves the target: the command after `--` if there is one, else the
    /// first of `positionals` (removed from it).
    pub(crate) fn resolve(&self, positionals: &mut Vec<String>) -> anyhow::Result<Target> {
        let env = parse_pairs(&self.env, '=', "--env", "KEY=VALUE")?;
        let headers = parse_pairs(&self.headers, ':', "--header", "Name: value")?;
        if let Some((program, args)) = self.command.split_first() {
            return Ok(Target::Command {
                program: program.clone(),
                args: args.to_vec(),
                env,
                cwd: None,
            });
        }
        if positionals.is_empty() {
            return Err(Failure::usage(
                "no server given: pass a path, a URL, a name from .mcp.json, or `-- command args…`",
            ));
        }
        let name = positionals.remove(0);
        self.resolve_name(&name, env, headers)
    }

    fn resolve_name(
        &self,
        name: &str,
        env: Vec<(String, String)>,
        headers: Vec<(String, String)>,
    ) -> anyhow::Result<Target> {
        if name.starts_with("http://") || name.starts_with("https://") {
            return Ok(Target::Url {
                url: name.to_owned(),
                sse: self.sse || name.trim_end_matches('/').ends_with("/sse"),
                headers,
            });
        }
        let looks_like_path = name.contains('/') || name.contains(std::path::MAIN_SEPARATOR);
        if !looks_like_path || self.config.is_some() {
            if let Some((file, entry)) = config::find(name, self.config.as_deref())? {
                return from_entry(name, &file, entry, env, headers, self.sse);
            }
            if self.config.is_some() {
                return Err(Failure::usage(format!(
                    "no server named `{name}` in {}",
                    self.config
                        .as_deref()
                        .unwrap_or_else(|| std::path::Path::new(""))
                        .display()
                )));
            }
        }
        if looks_like_path && !std::path::Path::new(name).exists() {
            return Err(Failure::usage(format!(
                "`{name}` does not exist: give the path of a server executable, a URL, or `-- command args…`"
            )));
        }
        Ok(Target::Command {
            program: name.to_owned(),
            args: Vec::new(),
            env,
            cwd: None,
        })
    }

    /// The client options these flags ask for.
    pub(crate) fn options(&self) -> anyhow::Result<ClientOptions> {
        let era = match self.protocol.as_str() {
            "auto" => Era::Auto,
            "modern" | "stateless" => Era::Modern,
            "legacy" => Era::Legacy(ProtocolVersion::LATEST_LEGACY),
            v => match v.parse::<ProtocolVersion>() {
                Ok(p) if p == ProtocolVersion::LATEST => Era::Modern,
                Ok(p) => Era::Legacy(p),
                Err(_) => {
                    return Err(Failure::usage(format!(
                        "unknown --protocol `{v}`: use auto, modern, legacy or a revision such as 2025-11-25"
                    )));
                }
            },
        };
        let mut options = ClientOptions {
            era,
            timeout: self.timeout.map_or(DEFAULT_TIMEOUT, Into::into),
            ..ClientOptions::default()
        };
        options.info.name = "mcp-serve-cli".into();
        Ok(options)
    }
}

fn from_entry(
    name: &str,
    file: &std::path::Path,
    entry: config::ServerEntry,
    mut env: Vec<(String, String)>,
    mut headers: Vec<(String, String)>,
    sse: bool,
) -> anyhow::Result<Target> {
    if let Some(url) = entry.url {
        headers.extend(entry.headers);
        return Ok(Target::Url {
            sse: sse || entry.kind.as_deref() == Some("sse"),
            url,
            headers,
        });
    }
    let Some(program) = entry.command else {
        return Err(Failure::usage(format!(
            "the server `{name}` in {} has neither `command` nor `url`",
            file.display()
        )));
    };
    // Flags given on the command line win over the file's.
    let mut all: Vec<(String, String)> = entry.env.into_iter().collect();
    all.append(&mut env);
    Ok(Target::Command {
        program,
        args: entry.args,
        env: all,
        cwd: entry.cwd,
    })
}

async fn connect_url(
    url: &str,
    sse: bool,
    headers: &[(String, String)],
    mut options: ClientOptions,
) -> Result<Client, mcp_serve::client::ClientError> {
    for (k, v) in headers {
        options = options.header(k.clone(), v.clone());
    }
    if sse {
        Client::connect_sse(url, options).await
    } else {
        Client::connect_http(url, options).await
    }
}

fn parse_pairs(
    items: &[String],
    sep: char,
    flag: &str,
    shape: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|item| match item.split_once(sep) {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.trim_start().to_owned())),
            _ => Err(Failure::usage(format!(
                "{flag} `{item}` should look like `{shape}`"
            ))),
        })
        .collect()
}

impl Target {
    /// A short description for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Target::Command { program, args, .. } => std::iter::once(program.as_str())
                .chain(args.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" "),
            Target::Url { url, .. } => url.clone(),
        }
    }

    /// Connects with `options`; errors say what to check.
    pub(crate) async fn connect(&self, options: ClientOptions) -> anyhow::Result<Client> {
        let timeout = options.timeout;
        let connecting = async {
            match self {
                Target::Command {
                    program,
                    args,
                    env,
                    cwd,
                } => {
                    let mut cmd = StdioCommand::new(program.clone()).args(args.clone());
                    for (k, v) in env {
                        cmd = cmd.env(k.clone(), v.clone());
                    }
                    if let Some(dir) = cwd {
                        cmd = cmd.current_dir(dir.clone());
                    }
                    Client::connect_stdio(cmd, options).await
                }
                Target::Url { url, sse, headers } => connect_url(url, *sse, headers, options).await,
            }
        };
        match tokio::time::timeout(timeout.max(Duration::from_secs(1)), connecting).await {
            Ok(Ok(client)) => Ok(client),
            Ok(Err(e)) => Err(Failure::connect(format!(
                "cannot connect to {}: {e}{}",
                self.describe(),
                self.hint()
            ))),
            Err(_) => Err(Failure::connect(format!(
                "{} did not answer the MCP handshake within {}; is it an MCP server{}?",
                self.describe(),
                humantime::format_duration(timeout),
                match self {
                    Target::Command { .. } => " speaking on stdout (logs belong on stderr)",
                    Target::Url { .. } => " at this path",
                }
            ))),
        }
    }

    fn hint(&self) -> &'static str {
        match self {
            Target::Command { .. } => " (check the command runs on its own, and logs to stderr only)",
            Target::Url { .. } => " (check the server is running and the URL's path, often /mcp)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        items: Vec<String>,
        #[command(flatten)]
        target: TargetArgs,
    }

    fn resolve(argv: &[&str]) -> anyhow::Result<(Target, Vec<String>)> {
        let t = T::try_parse_from(std::iter::once("t").chain(argv.iter().copied()))?;
        let mut items = t.items;
        let target = t.target.resolve(&mut items)?;
        Ok((target, items))
    }

    #[test]
    fn a_command_after_dashes_leaves_the_positionals() {
        let (t, rest) = resolve(&["add", "a=1", "--", "cargo", "run", "--example", "quickstart"]).unwrap();
        assert_eq!(t.describe(), "cargo run --example quickstart");
        assert_eq!(rest, ["add", "a=1"]);
    }

    #[test]
    fn urls_and_sse() {
        let (t, rest) = resolve(&["http://127.0.0.1:9/mcp", "add"]).unwrap();
        assert!(matches!(t, Target::Url { sse: false, .. }));
        assert_eq!(rest, ["add"]);
        let (t, _) = resolve(&["http://127.0.0.1:9/sse"]).unwrap();
        assert!(matches!(t, Target::Url { sse: true, .. }));
        let (t, _) = resolve(&["-H", "Authorization: Bearer x", "https://h/mcp"]).unwrap();
        let Target::Url { headers, .. } = t else { panic!() };
        assert_eq!(headers, [("Authorization".to_owned(), "Bearer x".to_owned())]);
    }

    #[test]
    fn mistakes_say_what_to_do() {
        let e = resolve(&[]).unwrap_err();
        assert!(e.to_string().contains("no server given"), "{e}");
        let e = resolve(&["./does/not/exist"]).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        let e = resolve(&["-e", "novalue", "x"]).unwrap_err();
        assert!(e.to_string().contains("KEY=VALUE"), "{e}");
    }

    #[test]
    fn protocol_flag() {
        let t = T::try_parse_from(["t", "--protocol", "2025-06-18"]).unwrap();
        assert!(matches!(t.target.options().unwrap().era, Era::Legacy(_)));
        let t = T::try_parse_from(["t", "--protocol", "2026-07-28"]).unwrap();
        assert_eq!(t.target.options().unwrap().era, Era::Modern);
        let t = T::try_parse_from(["t", "--protocol", "1999"]).unwrap();
        assert!(t.target.options().is_err());
    }
}
