//! `list`, `call`, `read` and `prompt`: one request each, for scripts and
//! quick checks. JSON on stdout by default, logs and progress on stderr, exit
//! codes from [`crate::exit`].

mod arguments;
mod render;
mod watch;

use std::process::ExitCode;

use mcp_serve::client::{Client, ClientError, Era};
use mcp_serve_core::types::LoggingLevel;
use serde_json::{Value, json};

use crate::exit::{self, Failure};
use crate::target::TargetArgs;
use render::Format;

/// `mcp-serve list [TARGET] [tools|resources|templates|prompts]`
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mcp-serve list ./server\n  mcp-serve list http://127.0.0.1:8080/mcp tools --format table\n  mcp-serve list prompts -- cargo run --example quickstart"
)]
pub(crate) struct ListArgs {
    /// The server (a path, URL or name from .mcp.json) unless it follows `--`, then optionally one kind:
    /// tools, resources, templates or prompts.
    #[arg(value_name = "TARGET [KIND]")]
    items: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "json")]
    format: Format,
}

/// `mcp-serve call [TARGET] TOOL [KEY=VALUE | JSON]…`
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Arguments are key=value (typed by the tool's schema: a=2 is a number unless the schema says string) or one JSON object.\n\nExamples:\n  mcp-serve call ./server add a=2 b=3\n  mcp-serve call http://127.0.0.1:8080/mcp search '{\"query\": \"rust\", \"limit\": 5}'\n  mcp-serve call add a=2 b=3 -- cargo run --example quickstart\n\nExit codes: 0 ok, 1 the tool reported an error, 2 usage, 3 cannot connect, 4 protocol error (unknown tool, bad arguments), 5 timeout."
)]
pub(crate) struct CallArgs {
    /// The server unless it follows `--`, the tool, then its arguments.
    #[arg(value_name = "TARGET TOOL [ARGS]")]
    items: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
    /// Output format: `json` prints the whole result, `table` its content as text.
    #[arg(short, long, value_enum, default_value = "json")]
    format: Format,
}

/// `mcp-serve read [TARGET] URI`
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mcp-serve read ./server config://app\n  mcp-serve read ./server 'users://42/profile' --format table"
)]
pub(crate) struct ReadArgs {
    /// The server unless it follows `--`, then the resource URI.
    #[arg(value_name = "TARGET URI")]
    items: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
    /// Output format: `json` prints the result, `table` the text contents.
    #[arg(short, long, value_enum, default_value = "json")]
    format: Format,
}

/// `mcp-serve prompt [TARGET] NAME [KEY=VALUE]…`
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  mcp-serve prompt ./server summarize text='a long story'")]
pub(crate) struct PromptArgs {
    /// The server unless it follows `--`, the prompt, then its arguments.
    #[arg(value_name = "TARGET NAME [ARGS]")]
    items: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
    /// Output format: `json` prints the result, `table` the messages as text.
    #[arg(short, long, value_enum, default_value = "json")]
    format: Format,
}

async fn connect(target: &TargetArgs, items: &mut Vec<String>) -> anyhow::Result<(Client, watch::Watch)> {
    let resolved = target.resolve(items)?;
    let level = match target.log_level.as_str() {
        "off" | "none" => None,
        l => Some(
            serde_json::from_value::<LoggingLevel>(json!(l)).map_err(|_| {
                Failure::usage(format!(
                    "--log-level `{l}` is not a level: use debug, info, notice, warning, error, critical, alert, emergency or off"
                ))
            })?,
        ),
    };
    let client = resolved.connect(target.options()?).await?;
    let watch = watch::Watch::start(&client);
    if let Some(level) = level {
        let declared = client.server_capabilities().is_some_and(|c| c.logging.is_some());
        // Modern requests carry the level themselves; a legacy server is told once if it logs.
        if client.era() == Era::Modern || declared {
            let _ = client.set_logging_level(level).await;
        }
    }
    Ok((client, watch))
}

fn optional<T>(r: Result<T, ClientError>) -> Result<Option<T>, ClientError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ClientError::Rpc(e)) if e.code == mcp_serve_core::error::code::METHOD_NOT_FOUND => Ok(None),
        Err(e) => Err(e),
    }
}

/// The first positional (a tool or prompt name), or a usage error saying what is missing.
fn take_first(items: &mut Vec<String>, usage: &str) -> anyhow::Result<String> {
    if items.is_empty() {
        return Err(Failure::usage(usage));
    }
    Ok(items.remove(0))
}

fn print(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// `mcp-serve list`.
pub(crate) async fn list(mut args: ListArgs) -> anyhow::Result<ExitCode> {
    let (client, watch) = connect(&args.target, &mut args.items).await?;
    let kind = match args.items.as_slice() {
        [] => None,
        [k] => Some(k.as_str()),
        more => {
            return Err(Failure::usage(format!(
                "unexpected arguments: {}",
                more[1..].join(" ")
            )));
        }
    };
    let mut out = serde_json::Map::new();
    let wanted = |k: &str| kind.is_none() || kind == Some(k);
    if let Some(k) = kind {
        if !["tools", "resources", "templates", "prompts"].contains(&k) {
            return Err(Failure::usage(format!(
                "cannot list `{k}`: use tools, resources, templates or prompts"
            )));
        }
    }
    // A server without a capability answers "method not found": leave that kind out.
    if wanted("tools") {
        if let Some(r) = optional(client.list_tools().await)? {
            out.insert("tools".into(), serde_json::to_value(r.tools)?);
        }
    }
    if wanted("resources") {
        if let Some(r) = optional(client.list_resources().await)? {
            out.insert("resources".into(), serde_json::to_value(r.resources)?);
        }
    }
    if wanted("templates") {
        if let Some(r) = optional(client.list_resource_templates().await)? {
            out.insert(
                "resourceTemplates".into(),
                serde_json::to_value(r.resource_templates)?,
            );
        }
    }
    if wanted("prompts") {
        if let Some(r) = optional(client.list_prompts().await)? {
            out.insert("prompts".into(), serde_json::to_value(r.prompts)?);
        }
    }
    match args.format {
        Format::Json => print(&render::json(&Value::Object(out))),
        Format::Table => {
            let sections = [
                ("tools", "Tools", "name"),
                ("resources", "Resources", "uri"),
                ("resourceTemplates", "Resource templates", "uriTemplate"),
                ("prompts", "Prompts", "name"),
            ];
            let mut text = String::new();
            for (key, title, id) in sections {
                if let Some(Value::Array(items)) = out.get(key) {
                    let columns = [(id.to_uppercase(), id), ("DESCRIPTION".to_owned(), "description")];
                    let columns: Vec<(&str, &str)> = columns.iter().map(|(h, f)| (h.as_str(), *f)).collect();
                    text.push_str(&format!("{title} ({})\n", items.len()));
                    text.push_str(&render::table(items, &columns));
                }
            }
            print(&text);
        }
    }
    watch.finish().await;
    Ok(ExitCode::SUCCESS)
}

/// `mcp-serve call`.
pub(crate) async fn call(mut args: CallArgs) -> anyhow::Result<ExitCode> {
    let (client, watch) = connect(&args.target, &mut args.items).await?;
    let tool = take_first(
        &mut args.items,
        "no tool given: `mcp-serve call <target> <tool> key=value …`",
    )?;
    let tools = client.list_tools().await?.tools;
    let Some(found) = tools.iter().find(|t| t.name == tool) else {
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
        return Err(Failure {
            code: exit::PROTOCOL,
            message: format!("the server has no tool `{tool}`; it has: {}", names.join(", ")),
        }
        .into());
    };
    let schema = serde_json::to_value(&found.input_schema)?;
    let arguments = arguments::parse(&args.items, &schema)?;
    let params =
        json!({ "name": tool, "arguments": arguments, "_meta": { "progressToken": watch.progress_token() } });
    let result = client.request_raw("tools/call", Some(params)).await?;
    watch.finish().await;
    let is_error = result.get("isError").and_then(Value::as_bool).unwrap_or(false);
    match args.format {
        Format::Json => print(&render::json(&result)),
        Format::Table => {
            let blocks = result
                .get("content")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut text = render::content(&blocks);
            if let Some(structured) = result.get("structuredContent") {
                if blocks.is_empty() {
                    text.push_str(&render::json(structured));
                }
            }
            print(&text);
        }
    }
    Ok(if is_error {
        ExitCode::from(exit::TOOL_ERROR)
    } else {
        ExitCode::SUCCESS
    })
}

/// `mcp-serve read`.
pub(crate) async fn read(mut args: ReadArgs) -> anyhow::Result<ExitCode> {
    let (client, watch) = connect(&args.target, &mut args.items).await?;
    let [uri] = args.items.as_slice() else {
        return Err(Failure::usage(
            "give exactly one resource URI: `mcp-serve read <target> <uri>`",
        ));
    };
    let result = client
        .request_raw("resources/read", Some(json!({ "uri": uri })))
        .await?;
    match args.format {
        Format::Json => print(&render::json(&result)),
        Format::Table => {
            let contents = result
                .get("contents")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            print(&render::resource_contents(&contents));
        }
    }
    watch.finish().await;
    Ok(ExitCode::SUCCESS)
}

/// `mcp-serve prompt`.
pub(crate) async fn prompt(mut args: PromptArgs) -> anyhow::Result<ExitCode> {
    let (client, watch) = connect(&args.target, &mut args.items).await?;
    let name = take_first(
        &mut args.items,
        "no prompt given: `mcp-serve prompt <target> <name> key=value …`",
    )?;
    let arguments = arguments::parse_strings(&args.items)?;
    let result = client
        .request_raw(
            "prompts/get",
            Some(json!({ "name": name, "arguments": arguments })),
        )
        .await?;
    match args.format {
        Format::Json => print(&render::json(&result)),
        Format::Table => {
            let mut text = String::new();
            for m in result
                .get("messages")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                text.push_str(&format!(
                    "[{}]\n",
                    m.get("role").and_then(Value::as_str).unwrap_or("?")
                ));
                text.push_str(&render::content(std::slice::from_ref(
                    m.get("content").unwrap_or(&Value::Null),
                )));
            }
            print(&text);
        }
    }
    watch.finish().await;
    Ok(ExitCode::SUCCESS)
}
