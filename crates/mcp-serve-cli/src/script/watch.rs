//! What the server says while a request runs: log messages to stderr and
//! progress as a bar on stderr (hidden when stderr is not a terminal).

use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use mcp_serve::client::Client;
use serde_json::Value;
use tokio::sync::oneshot;

/// Prints the server's notifications until [`Watch::finish`].
pub(crate) struct Watch {
    bar: Arc<Mutex<Option<ProgressBar>>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

const TOKEN: &str = "mcp-serve-cli";

impl Watch {
    /// Starts printing `client`'s notifications.
    pub(crate) fn start(client: &Client) -> Watch {
        let bar: Arc<Mutex<Option<ProgressBar>>> = Arc::default();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = client.notifications().map(|mut rx| {
            let bar = Arc::clone(&bar);
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        biased;
                        n = rx.recv() => match n {
                            Some(n) => show(&bar, n),
                            None => break,
                        },
                        _ = &mut stopped => {
                            // Whatever arrived before the answer is printed before exit.
                            while let Ok(n) = rx.try_recv() {
                                show(&bar, n);
                            }
                            break;
                        }
                    }
                }
            })
        });
        Watch {
            bar,
            stop: Some(stop),
            task,
        }
    }

    /// The progress token to put in a request's `_meta`.
    pub(crate) fn progress_token(&self) -> &'static str {
        TOKEN
    }

    /// Prints what is still queued, then clears the progress bar.
    pub(crate) async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.clear();
    }

    fn clear(&self) {
        if let Some(b) = self
            .bar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        {
            b.finish_and_clear();
        }
    }
}

fn show(bar: &Mutex<Option<ProgressBar>>, n: mcp_serve_core::jsonrpc::Notification) {
    let params = n.params.unwrap_or(Value::Null);
    match n.method.as_str() {
        "notifications/progress" if params["progressToken"] == TOKEN => show_progress(bar, &params),
        "notifications/message" => {
            let level = params["level"].as_str().unwrap_or("info");
            let data = match &params["data"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let logger = params["logger"]
                .as_str()
                .map(|l| format!(" {l}:"))
                .unwrap_or_default();
            let line = format!("[{level}]{logger} {data}");
            match bar
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .as_ref()
            {
                Some(b) => b.println(line),
                None => eprintln!("{line}"),
            }
        }
        _ => {}
    }
}

fn show_progress(bar: &Mutex<Option<ProgressBar>>, params: &Value) {
    let mut slot = bar.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let done = params["progress"].as_f64().unwrap_or(0.0);
    let total = params["total"].as_f64();
    let b = slot.get_or_insert_with(|| {
        let b = ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        let style = match total {
            Some(_) => ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}"),
            None => ProgressStyle::with_template("{spinner} {pos} {msg}"),
        };
        if let Ok(style) = style {
            b.set_style(style);
        }
        b
    });
    if let Some(t) = total {
        b.set_length(t.max(0.0) as u64);
    }
    b.set_position(done.max(0.0) as u64);
    if let Some(m) = params["message"].as_str() {
        b.set_message(m.to_owned());
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.clear();
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}
