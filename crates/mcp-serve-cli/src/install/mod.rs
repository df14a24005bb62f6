//! `mcp-serve install`: add a server to Claude Desktop, Cursor, VS Code or
//! Claude Code by editing the client's own config file in place.
//!
//! ```text
//! mcp-serve install claude-desktop weather -- /usr/local/bin/weather-server
//! mcp-serve install vscode docs --url https://example.com/mcp -H 'Authorization: Bearer abc'
//! mcp-serve install --list
//! ```

mod clients;
mod entry;
mod files;
mod list;
mod merge;
mod server;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use self::clients::{ALL, Client, Env};
use self::merge::{Merge, Outcome};
use self::server::{Server, ServerFlags};
use crate::exit::Failure;

/// The examples and details shown after `mcp-serve install --help`.
const AFTER_HELP: &str = "\
Where each client keeps its servers:
  claude-desktop  ~/.config/Claude/claude_desktop_config.json (Linux; $XDG_CONFIG_HOME if set),
                  ~/Library/Application Support/Claude/… (macOS), %APPDATA%\\Claude\\… (Windows)
  cursor          ~/.cursor/mcp.json; --project: .cursor/mcp.json
  vscode          .vscode/mcp.json; --user: Code/User/mcp.json in ~/.config (Linux),
                  ~/Library/Application Support (macOS) or %APPDATA% (Windows)
  claude-code     ~/.claude.json, like `claude mcp add --scope user` (in $CLAUDE_CONFIG_DIR if
                  set); --project: .mcp.json

The file is edited in place: other servers, other keys, key order, comments and trailing commas \
(VS Code's JSONC) stay as they are, and the previous content is saved as <file>.bak. Installing the \
same entry again changes nothing; a different server with the same name is only replaced with \
--force. A file that cannot be parsed is left alone.

HTTP servers (--url): Cursor gets {\"url\", \"headers\"}, VS Code and Claude Code {\"type\": \"http\", \
\"url\", \"headers\"}. Claude Desktop's config file has no remote servers, so it gets a stdio entry \
that runs this mcp-serve as a bridge, `mcp-serve proxy <URL> [--header …]` (or add the URL in the \
app under Settings → Connectors).

Clients start servers from their own working directory: a relative program path that exists here \
(./server) is written as an absolute path (in .vscode/mcp.json as ${workspaceFolder}/…). Arguments \
are written as given: use absolute paths in them. --env-file values are copied into the entry.

Examples:
  mcp-serve install claude-desktop weather -- /usr/local/bin/weather-server --units metric
  mcp-serve install cursor weather -e API_KEY=abc123 -- uvx weather-mcp
  mcp-serve install vscode weather --env-file .env -- ./target/release/weather
  mcp-serve install claude-code docs --project --url https://example.com/mcp
  mcp-serve install cursor docs --url https://example.com/mcp -H 'Authorization: Bearer abc'
  mcp-serve install claude-desktop weather --dry-run -- npx -y weather-mcp
  mcp-serve install --list
  mcp-serve install --list vscode

Exit status: 0 when the server was added or was already there; 2 for a usage mistake, a \
different server with the same name (without --force) or a config file that cannot be parsed; 70 \
when a file cannot be read or written.";

/// The usage lines, one per way to call the command.
const USAGE: &str = "\
mcp-serve install [OPTIONS] <CLIENT> <NAME> -- <COMMAND>...
       mcp-serve install [OPTIONS] <CLIENT> <NAME> --url <URL>
       mcp-serve install --list [CLIENT]";

/// `mcp-serve install`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP, override_usage = USAGE)]
pub(crate) struct InstallArgs {
    /// The client whose config to edit.
    #[arg(value_enum, required_unless_present = "list")]
    client: Option<Client>,
    /// The server's name in the client (e.g. `weather`).
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    name: Option<String>,
    /// The command that starts the server over stdio, after `--` (e.g. `-- uvx weather-mcp`).
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
    /// The URL of an HTTP (Streamable HTTP) server, instead of a command.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// An environment variable for the server's command, `KEY=VALUE` (repeatable).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// A dotenv file (`KEY=value` lines, `#` comments) whose variables go into the entry; --env wins
    /// (repeatable).
    #[arg(long = "env-file", value_name = "PATH")]
    env_files: Vec<PathBuf>,
    /// An HTTP header for a --url server, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Edit the current project's file (.cursor/mcp.json, .mcp.json; VS Code's default .vscode/mcp.json).
    #[arg(long, conflicts_with = "user")]
    project: bool,
    /// Edit the user's file (the default, except for VS Code, whose user mcp.json this selects).
    #[arg(long)]
    user: bool,
    /// Edit this file instead of the client's usual one (e.g. a VS Code Insiders or profile mcp.json).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["project", "user"])]
    file: Option<PathBuf>,
    /// Replace a different server that has the same name.
    #[arg(short, long)]
    force: bool,
    /// Print the resulting file and its path instead of writing it.
    #[arg(short = 'n', long)]
    dry_run: bool,
    /// Show where each client (or just CLIENT) keeps its config and which servers it holds.
    #[arg(long, conflicts_with_all = ["command", "url", "env", "env_files", "headers", "force", "dry_run"])]
    list: bool,
}

/// Installs a server into a client's config.
pub(crate) async fn run(args: InstallArgs) -> anyhow::Result<ExitCode> {
    let env = Env::current()?;
    if args.list {
        let clients = match args.client {
            Some(c) => vec![c],
            None if args.file.is_some() => {
                return Err(Failure::usage(
                    "say which client's format --file has, e.g. `mcp-serve install --list vscode --file FILE`",
                ));
            }
            None => ALL.to_vec(),
        };
        print!("{}", list::listing(&clients, &env, args.file.as_deref()));
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(client), Some(name)) = (args.client, args.name.as_deref()) else {
        return Err(Failure::usage(
            "give a client and a server name: `mcp-serve install CLIENT NAME -- command args…`",
        ));
    };
    check_name(name)?;
    let server = Server::from_flags(
        &ServerFlags {
            command: &args.command,
            url: args.url.as_deref(),
            env: &args.env,
            env_files: &args.env_files,
            headers: &args.headers,
        },
        &env.cwd,
    )?;
    let scope = client.scope(args.project, args.user)?;
    let path = match &args.file {
        Some(f) => env.cwd.join(f),
        None => client.config_path(scope, &env)?,
    };
    let bridge = match (&server, client) {
        (Server::Url { .. }, Client::ClaudeDesktop) => entry::bridge_program()?,
        _ => PathBuf::new(),
    };
    let entry = entry::entry(client, scope, &server, &env.cwd, &bridge);
    for warning in server.warnings(&env.cwd) {
        eprintln!("warning: {warning}");
    }

    let real = files::real_path(&path);
    let existing = files::read(&real)?;
    let outcome = merge::merge(
        existing.as_deref(),
        Merge {
            servers_key: client.servers_key(),
            name,
            entry: &entry.value,
            force: args.force,
        },
    )
    .map_err(|e| {
        Failure::usage(format!(
            "cannot add \"{name}\" to {}: {e}. The file was left as it is: fix it (or move it away) and run this \
             again",
            path.display()
        ))
    })?;
    if let Some(text) = &existing {
        if !client.allows_comments() && !merge::is_strict_json(text) {
            eprintln!(
                "warning: {} has comments or trailing commas, which {client} may not accept",
                path.display()
            );
        }
    }

    let where_ = format!("{client} ({})", path.display());
    let hint = client.reload_hint(scope);
    let (text, done) = match outcome {
        Outcome::Conflict { existing } => {
            let new = entry::to_json(&entry.value);
            return Err(Failure::usage(conflict(client, name, &path, &existing, &new)));
        }
        Outcome::Unchanged => {
            if args.dry_run {
                eprintln!(
                    "Dry run: {where_} already has server \"{name}\" with these settings; the file stays:"
                );
                print!("{}", existing.unwrap_or_default());
            } else {
                println!("Server \"{name}\" is already in {where_} with these settings; nothing to change.");
            }
            return Ok(ExitCode::SUCCESS);
        }
        Outcome::Added(text) => (text, ["Added", "adding", "to"]),
        Outcome::Replaced { text, previous } => {
            eprintln!(
                "note: replacing \"{name}\", which was: {}",
                entry::describe(&previous)
            );
            (text, ["Replaced", "replacing", "in"])
        }
    };
    let [done, doing, preposition] = done;
    for note in &entry.notes {
        eprintln!("note: {note}");
    }
    if args.dry_run {
        eprintln!(
            "Dry run, nothing written: {doing} server \"{name}\" {preposition} {where_} would give this file:"
        );
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let backup = match &existing {
        Some(old) => Some(files::backup(&real, old)?),
        None => None,
    };
    files::replace(&real, &text)?;
    println!("{done} server \"{name}\" {preposition} {where_}; {hint}.");
    if let Some(bak) = backup {
        println!("The previous file is saved as {}.", bak.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Why a different entry of the same name is not replaced, and what to do.
fn conflict(client: Client, name: &str, path: &Path, existing: &Value, new: &Value) -> String {
    let fields: Vec<String> = merge::differing_fields(existing, new)
        .iter()
        .map(|f| format!("`{f}`"))
        .collect();
    let fields = match fields.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => "settings".to_owned(),
    };
    format!(
        "{client} already has a server named \"{name}\" in {}, with another {fields} (it has: {}). Pass \
         --force to replace it (the file is backed up first), or choose another name",
        path.display(),
        entry::describe(existing)
    )
}

/// A server name must be something a client can show and key on.
fn check_name(name: &str) -> anyhow::Result<()> {
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err(Failure::usage(format!(
            "{name:?} cannot name a server: use a short word such as `weather`"
        )));
    }
    if name.starts_with('-') {
        return Err(Failure::usage(format!(
            "`{name}` looks like an option, not a server name: put options before `--` and name the server, \
             e.g. `mcp-serve install cursor weather -- uvx weather-mcp`"
        )));
    }
    Ok(())
}
