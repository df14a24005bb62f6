//! `--watch`: rebuild and restart when the project's sources change.
//!
//! Only the places sources live are watched (watching the whole directory
//! would put an inotify watch on every folder of `target/`), changes are
//! debounced so a save-all or a `git checkout` is one rebuild, and changes
//! that arrive during a build cause one more build afterwards.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::bridge::Bridge;

/// Quiet time after the last change before building.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// What is watched under the project directory, when it exists.
const WATCHED: [&str; 6] = ["Cargo.toml", "build.rs", "src", "examples", "crates", "benches"];

/// Keeps watching while alive.
pub(crate) struct WatchGuard {
    _watcher: notify::RecommendedWatcher,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts watching `root`'s sources; each debounced change rebuilds and restarts.
pub(crate) fn start(root: &Path, bridge: Arc<Bridge>) -> anyhow::Result<WatchGuard> {
    let (tx, rx) = mpsc::unbounded_channel::<PathBuf>();
    let base = root.to_path_buf();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if !matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
        ) {
            return;
        }
        for path in event.paths {
            // Judged below the project root: the root itself may sit in a hidden directory.
            if relevant(path.strip_prefix(&base).unwrap_or(&path)) {
                let _ = tx.send(path);
            }
        }
    })?;
    let mut watched = Vec::new();
    for name in WATCHED {
        let path = root.join(name);
        if path.exists() {
            let mode = if path.is_dir() {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            watcher.watch(&path, mode)?;
            watched.push(name);
        }
    }
    if watched.is_empty() {
        anyhow::bail!(
            "--watch found nothing to watch in {} (looked for {})",
            root.display(),
            WATCHED.join(", ")
        );
    }
    eprintln!(
        "mcp-serve dev: watching {} in {}",
        watched.join(", "),
        root.display()
    );
    let task = tokio::spawn(rebuild_on_change(rx, bridge, root.to_path_buf()));
    Ok(WatchGuard {
        _watcher: watcher,
        task,
    })
}

async fn rebuild_on_change(mut rx: mpsc::UnboundedReceiver<PathBuf>, bridge: Arc<Bridge>, root: PathBuf) {
    while let Some(first) = rx.recv().await {
        let mut last = first;
        loop {
            match tokio::time::timeout(DEBOUNCE, rx.recv()).await {
                Ok(Some(p)) => last = p,
                Ok(None) => return,
                Err(_) => break,
            }
        }
        let shown = last.strip_prefix(&root).unwrap_or(&last);
        eprintln!("mcp-serve dev: {} changed; rebuilding", shown.display());
        bridge.restart(true).await;
    }
}

/// Whether a change at `path` (relative to the project) can affect the build: not in `target/` or a
/// hidden directory, not an editor's scratch file.
fn relevant(path: &Path) -> bool {
    let in_ignored_dir = path.components().any(|c| match c {
        Component::Normal(n) => {
            let n = n.to_string_lossy();
            n == "target" || n == "node_modules" || (n.starts_with('.') && n.len() > 1)
        }
        _ => false,
    });
    if in_ignored_dir {
        return false;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let scratch = name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913";
    !scratch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_counts_as_a_change() {
        assert!(relevant(Path::new("src/main.rs")));
        assert!(relevant(Path::new("Cargo.toml")));
        assert!(relevant(Path::new("crates/a/src/lib.rs")));
        assert!(!relevant(Path::new("crates/a/target/debug/x")));
        assert!(!relevant(Path::new("src/.main.rs.swp")));
        assert!(!relevant(Path::new("src/main.rs~")));
        assert!(!relevant(Path::new("src/.cache/x.rs")));
        assert!(!relevant(Path::new("src/4913")));
    }
}
