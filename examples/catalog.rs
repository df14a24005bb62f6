//! Catalog control: tags (an `admin` group hidden until unlocked at run
//! time), a tool made from another one by a transform, and tool search in
//! front of the whole catalog.
//!
//! ```text
//! cargo run --example catalog                          # stdio
//! cargo run --example catalog -- --http 127.0.0.1:8000 # Streamable HTTP at /mcp
//! mcp-serve dev -- cargo run --example catalog         # in the web inspector
//! ```
//!
//! `tools/list` shows `search_tools`, `call_tool` and `unlock_admin`. Ask
//! `search_tools` for "open issues about a topic" and it finds
//! `open_issues`, the transformed tool; `call_tool` calls it. `unlock_admin`
//! shows the `admin` tools, and connected clients get `list_changed`.

use mcp_serve::prelude::*;
use mcp_serve::tool::{ArgTransform, ToolSearch, ToolTransform};
use serde::Serialize;
use serde_json::json;

/// Issues found by a search.
#[derive(Serialize, schemars::JsonSchema)]
struct Issues {
    /// The matching issues' titles.
    titles: Vec<String>,
}

const ISSUES: &[(&str, &str)] = &[
    ("open", "Crash when the config file is empty"),
    ("open", "Config reload ignores environment variables"),
    ("closed", "Typo in the README"),
    ("open", "Slow start with a large config"),
];

/// Search the issue tracker.
#[tool(annotations(read_only), tags = ["issues"])]
fn search_issues(
    #[arg(desc = "Words the title must contain")] q: String,
    #[arg(desc = "open, closed or all")] state: String,
    #[arg(desc = "At most this many")] limit: u32,
) -> Result<Issues, ToolError> {
    let words = q.to_lowercase();
    let titles = ISSUES
        .iter()
        .filter(|(s, _)| state == "all" || *s == state)
        .filter(|(_, t)| t.to_lowercase().contains(&words))
        .take(limit as usize)
        .map(|(_, t)| (*t).to_owned())
        .collect();
    Ok(Issues { titles })
}

/// File a new issue.
#[tool(tags = ["issues", "write"])]
fn create_issue(title: String, #[arg(desc = "What happened, and what was expected")] body: String) -> String {
    format!("filed \"{title}\" ({} characters)", body.len())
}

/// Delete an issue for good.
#[tool(annotations(destructive), tags = ["issues", "admin"])]
fn delete_issue(id: u64) -> String {
    format!("deleted issue {id}")
}

/// Move every closed issue to the archive.
#[tool(annotations(destructive), tags = ["admin"])]
fn archive_closed() -> String {
    "archived".into()
}

/// Show the admin tools (delete, archive) to every connected client.
#[tool]
fn unlock_admin(ctx: Context) -> &'static str {
    if ctx.server().enable_tag("admin") {
        "admin tools are available now"
    } else {
        "admin tools were available already"
    }
}

/// The project's contribution guide.
#[resource("docs://contributing", mime = "text/markdown", tags = ["docs"])]
fn contributing() -> &'static str {
    "# Contributing\n\nOpen an issue first."
}

fn main() -> Result<(), mcp_serve::server::ServeError> {
    // A model-friendly tool made from `search_issues`: one argument renamed
    // and described, the state fixed, the limit defaulted, the result
    // turned into a sentence.
    let open_issues = ToolTransform::new("search_issues")
        .name("open_issues")
        .description("List the open issues about a topic.")
        .arg(
            "q",
            ArgTransform::new()
                .rename("topic")
                .description("What the issues are about"),
        )
        .arg("state", ArgTransform::fixed(json!("open")))
        .arg("limit", ArgTransform::new().default(json!(10)))
        .output_schema(None)
        .wrap(|args, forward| async move {
            let found = forward.call(args).await?;
            let titles = found.structured_content.unwrap_or_default()["titles"].clone();
            let titles: Vec<&str> = titles
                .as_array()
                .map(|t| t.iter().filter_map(|t| t.as_str()).collect())
                .unwrap_or_default();
            Ok(CallToolResult::text(match titles.len() {
                0 => "No open issues about that.".to_owned(),
                n => format!("{n} open issue(s): {}", titles.join("; ")),
            }))
        });

    Server::new("catalog", "1.0.0")
        .instructions("Search the tools with search_tools, then call one with call_tool.")
        .tool(search_issues)
        .tool(create_issue)
        .tool(delete_issue)
        .tool(archive_closed)
        .tool(unlock_admin)
        .transform_tool(open_issues)
        .resource(contributing)
        // Hidden until `unlock_admin` (or `ServerHandle::enable_tag`).
        .exclude_tags(["admin"])
        .tool_search(ToolSearch::bm25().always_visible(["unlock_admin"]).max_results(3))
        .run_blocking()
}
