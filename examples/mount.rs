//! Mounting: two small servers served as one, each under its own prefix.
//!
//! ```text
//! cargo run --example mount                          # stdio
//! cargo run --example mount -- --http 127.0.0.1:8000 # Streamable HTTP at /mcp
//! mcp-serve dev -- cargo run --example mount         # in the web inspector
//! ```
//!
//! `tools/list` shows `about`, `weather_forecast` and `notes_add`;
//! resources are `weather+config://units` and the template
//! `weather+weather://{city}/today`; the prompt is `weather_report`.
//! `notes_add` adds a resource to the notes server while it runs (its
//! handler's `ctx.server()` is the notes server): it appears here as
//! `notes+note://…`, and connected clients get `list_changed`.

use mcp_serve::prelude::*;
use mcp_serve::resource::Resource;

/// The units the weather server reports in.
struct Units(&'static str);

/// Tomorrow's weather for a city.
#[tool(annotations(read_only))]
async fn forecast(#[arg(desc = "The city")] city: String, units: State<Units>, ctx: Context) -> String {
    ctx.progress(1.0, Some(1.0), Some("asked the sky")).await;
    format!("Sunny in {city}, 21 °{}", units.0.0)
}

/// The units forecasts are in.
#[resource("config://units", mime = "text/plain")]
fn units_config(units: State<Units>) -> String {
    units.0.0.to_owned()
}

/// Today's weather page for a city.
#[resource("weather://{city}/today", mime = "text/plain")]
fn today(city: String) -> String {
    format!("Today in {city}: light rain, clearing later.")
}

/// Ask for a weather report.
#[prompt]
fn report(city: String) -> String {
    format!("Write a short weather report for {city}, in the style of a radio forecast.")
}

/// Keep a note; it becomes a resource.
#[tool]
fn add(
    #[arg(desc = "A short name")] name: String,
    #[arg(desc = "What to remember")] text: String,
    ctx: Context,
) -> Result<String, ToolError> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ToolError::new("a note's name is letters, digits and `-`"));
    }
    let uri = format!("note://{name}");
    let note = Resource::new(&uri).mime_type("text/plain").text(text);
    // `ctx.server()` is the notes server, even when called through the mount.
    ctx.server()
        .add_resource(note)
        .map_err(|e| ToolError::new(e.to_string()))?;
    Ok(format!("saved as notes+{uri}"))
}

/// What this server is made of.
#[tool]
fn about(ctx: Context) -> String {
    format!(
        "{} mounts: {}",
        ctx.server().info().name,
        ctx.server().mounts().join(", ")
    )
}

fn main() -> anyhow::Result<()> {
    let weather = Server::new("weather", "1.0.0")
        .state(Units("C"))
        .tool(forecast)
        .resource(units_config)
        .resource(today)
        .prompt(report);
    let notes = Server::new("notes", "1.0.0").tool(add);
    Server::new("mount-demo", "1.0.0")
        .instructions("Weather forecasts (weather_*) and notes (notes_*), served by two mounted servers.")
        .tool(about)
        .mount("weather", weather)
        .mount("notes", notes)
        // stdio, or HTTP with `--http 127.0.0.1:8000`.
        .run_blocking()?;
    Ok(())
}
