//! `mcp-serve dev`: runs (or connects to) a server and serves a web inspector
//! for it on 127.0.0.1.
//!
//! - [`bridge`]: the connection to the server — start, restart, requests;
//!   [`connect`]: spawning or reaching it, and reading its handshake;
//! - [`api`]: the HTTP routes the page calls; [`assets`]: the page itself;
//! - [`security`]: token, Host and Origin checks in front of both;
//! - [`events`]: history, logs and the live event stream;
//! - [`inputs`]: elicitation and sampling waiting for the page, and roots;
//! - [`calls`]: calls in flight, for cancellation;
//! - [`capture`]: the server's stderr for the page;
//! - [`cargo`] and [`watch`]: building `cargo run` targets, and `--watch`.

mod api;
mod assets;
mod bridge;
mod calls;
mod capture;
mod cargo;
mod connect;
mod events;
mod inputs;
mod security;
mod subscriptions;
mod watch;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;

use crate::exit::Failure;
use crate::target::{DEFAULT_TIMEOUT, Target, TargetArgs};
use bridge::{Bridge, Setup};
use security::Guard;

/// The inspector's usual port (the official MCP Inspector's, for familiarity).
const DEFAULT_PORT: u16 = 6274;

/// `mcp-serve dev`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mcp-serve dev -- cargo run --example quickstart\n  mcp-serve dev --watch -- cargo run --example quickstart\n  mcp-serve dev ./target/debug/my-server\n  mcp-serve dev http://127.0.0.1:8080/mcp\n  mcp-serve dev weather            (a server named in .mcp.json)\n\nThe inspector listens on 127.0.0.1 only. Its URL carries a per-run token after `#`; API requests without it are refused."
)]
pub(crate) struct DevArgs {
    /// The server (a path, URL or name from .mcp.json) unless it follows `--`.
    #[arg(value_name = "TARGET")]
    items: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
    /// The inspector's port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = DEFAULT_PORT, value_name = "PORT")]
    port: u16,
    /// Don't open a browser; just print the inspector's URL.
    #[arg(long)]
    no_open: bool,
    /// Rebuild and restart when the sources change (`cargo run …` targets): watches Cargo.toml, build.rs,
    /// src/, examples/, crates/ and benches/ in the working directory.
    #[arg(short, long)]
    watch: bool,
}

/// Runs the inspector until Ctrl-C.
pub(crate) async fn run(mut args: DevArgs) -> anyhow::Result<ExitCode> {
    let target = args.target.resolve(&mut args.items)?;
    if let Some(extra) = args.items.first() {
        return Err(Failure::usage(format!(
            "unexpected argument `{extra}`: mcp-serve dev takes one server (put a command's arguments after `--`)"
        )));
    }
    let mut options = args.target.options()?;
    // `--timeout` bounds the handshake and, when given, every request.
    let handshake_timeout = args.target.timeout.map_or(DEFAULT_TIMEOUT, Into::into);
    options.timeout = args.target.timeout.map_or(bridge::REQUEST_TIMEOUT, Into::into);
    options.info.name = "mcp-serve-inspector".into();
    let (build, project_dir) = match &target {
        Target::Command {
            program,
            args: run_args,
            env,
            cwd,
        } => (
            cargo::Build::for_run(program, run_args, env, cwd.as_ref()),
            cwd.clone(),
        ),
        Target::Url { .. } => (None, None),
    };
    if args.watch && build.is_none() {
        return Err(Failure::usage(
            "--watch needs a `cargo run …` target, e.g. `mcp-serve dev --watch -- cargo run --example quickstart`",
        ));
    }
    let listener = bind(args.port).await?;
    let port = listener
        .local_addr()
        .context("the inspector's socket has no address")?
        .port();
    let token = Guard::random_token();

    let bridge = Bridge::new(
        Setup {
            target,
            options,
            handshake_timeout,
            build,
            watch: args.watch,
        },
        events::Hub::new(),
        inputs::cwd_root(),
    );
    let guard = Arc::new(Guard::new(token.clone(), port));
    let app = api::routes(Arc::clone(&bridge))
        .merge(assets::routes())
        .layer(axum::middleware::from_fn_with_state(guard, security::enforce));

    let url = format!("http://127.0.0.1:{port}/#token={token}");
    eprintln!("mcp-serve dev: inspector at {url}");

    tokio::spawn({
        let bridge = Arc::clone(&bridge);
        async move { bridge.restart(true).await }
    });
    let _watching = match args.watch {
        true => {
            let dir = match project_dir {
                Some(d) => d,
                None => std::env::current_dir().context("cannot read the working directory")?,
            };
            Some(watch::start(&dir, Arc::clone(&bridge))?)
        }
        false => None,
    };
    if !args.no_open {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = webbrowser::open(&url) {
                eprintln!("mcp-serve dev: cannot open a browser ({e}); open the URL above");
            }
        });
    }

    tokio::select! {
        served = axum::serve(listener, app) => served.context("the inspector's HTTP server failed")?,
        () = stop_signal() => eprintln!("mcp-serve dev: stopping"),
    }
    bridge.shutdown();
    Ok(ExitCode::SUCCESS)
}

async fn bind(port: u16) -> anyhow::Result<tokio::net::TcpListener> {
    // 127.0.0.1 only: the API can restart processes and answer for the user.
    match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => Ok(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Err(Failure::usage(format!(
            "port {port} on 127.0.0.1 is busy (another mcp-serve dev?): pass --port N, or --port 0 for a free one"
        ))),
        Err(e) => Err(anyhow::Error::new(e).context(format!("cannot listen on 127.0.0.1:{port}"))),
    }
}

/// Ctrl-C, or SIGTERM on Unix: either way the server process is stopped.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
