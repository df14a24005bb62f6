//! The clients `mcp-serve install` knows: where each keeps its MCP config on
//! each OS, under which key, and how to tell the user to load the change.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::exit::Failure;

/// An MCP client whose configuration `mcp-serve install` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Client {
    /// Claude Desktop: claude_desktop_config.json in its app-data folder.
    ClaudeDesktop,
    /// Cursor: ~/.cursor/mcp.json, or .cursor/mcp.json with --project.
    Cursor,
    /// VS Code: .vscode/mcp.json, or the user mcp.json with --user.
    #[value(name = "vscode", alias = "vs-code", alias = "code")]
    Vscode,
    /// Claude Code: ~/.claude.json, or .mcp.json with --project.
    ClaudeCode,
}

/// Every client, in the order `--list` shows them.
pub(crate) const ALL: [Client; 4] = [
    Client::ClaudeDesktop,
    Client::Cursor,
    Client::Vscode,
    Client::ClaudeCode,
];

/// Whose configuration: the user's (every project) or the current project's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The user's own file, for every project.
    User,
    /// A file in the current directory, meant to be shared with the project.
    Project,
}

/// The operating-system families whose config locations differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Os {
    /// Linux and other Unix-likes (XDG layout).
    Linux,
    /// macOS (`~/Library/Application Support`).
    Mac,
    /// Windows (`%APPDATA%`).
    Windows,
}

/// The parts of the environment that decide where config files live, read
/// once at run time (tests point them at temporary directories).
#[derive(Debug, Clone)]
pub(crate) struct Env {
    /// Which OS layout to use.
    pub(crate) os: Os,
    /// The home directory (`HOME` on Unix).
    pub(crate) home: Option<PathBuf>,
    /// `XDG_CONFIG_HOME` (Linux), when set to an absolute path.
    pub(crate) xdg_config_home: Option<PathBuf>,
    /// `APPDATA` (Windows).
    pub(crate) appdata: Option<PathBuf>,
    /// `CLAUDE_CONFIG_DIR`, where Claude Code then keeps `.claude.json`.
    pub(crate) claude_config_dir: Option<PathBuf>,
    /// The current directory: the project of `--project` files.
    pub(crate) cwd: PathBuf,
}

impl Env {
    /// Reads the environment of this process.
    pub(crate) fn current() -> anyhow::Result<Env> {
        let os = if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::Mac
        } else {
            Os::Linux
        };
        let cwd =
            std::env::current_dir().map_err(|e| anyhow::anyhow!("cannot tell the current directory: {e}"))?;
        Ok(Env {
            os,
            home: dirs::home_dir(),
            xdg_config_home: absolute_var(std::env::var_os("XDG_CONFIG_HOME")),
            appdata: absolute_var(std::env::var_os("APPDATA"))
                .or_else(|| if cfg!(windows) { dirs::config_dir() } else { None }),
            claude_config_dir: absolute_var(std::env::var_os("CLAUDE_CONFIG_DIR")),
            cwd,
        })
    }

    fn home(&self) -> anyhow::Result<&Path> {
        self.home.as_deref().ok_or_else(|| {
            Failure::usage("cannot find your home directory: set HOME (or pass the config file with --file)")
        })
    }

    /// The per-user application-data folder: `~/.config` (or
    /// `$XDG_CONFIG_HOME`), `~/Library/Application Support`, `%APPDATA%`.
    fn app_data(&self) -> anyhow::Result<PathBuf> {
        match self.os {
            Os::Linux => match &self.xdg_config_home {
                Some(dir) => Ok(dir.clone()),
                None => Ok(self.home()?.join(".config")),
            },
            Os::Mac => Ok(self.home()?.join("Library").join("Application Support")),
            Os::Windows => self.appdata.clone().ok_or_else(|| {
                Failure::usage(
                    "cannot find your AppData folder: set APPDATA (or pass the config file with --file)",
                )
            }),
        }
    }
}

/// An environment variable as a path, when it is set to an absolute one (the
/// XDG rule: relative values are ignored).
fn absolute_var(value: Option<OsString>) -> Option<PathBuf> {
    value.map(PathBuf::from).filter(|p| p.is_absolute())
}

impl Client {
    /// The client's name as people write it.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Client::ClaudeDesktop => "Claude Desktop",
            Client::Cursor => "Cursor",
            Client::Vscode => "VS Code",
            Client::ClaudeCode => "Claude Code",
        }
    }

    /// The scopes the client has, the default first.
    pub(crate) fn scopes(self) -> &'static [Scope] {
        match self {
            Client::ClaudeDesktop => &[Scope::User],
            Client::Cursor | Client::ClaudeCode => &[Scope::User, Scope::Project],
            Client::Vscode => &[Scope::Project, Scope::User],
        }
    }

    /// The scope asked for by `--project` / `--user`, or the client's default.
    pub(crate) fn scope(self, project: bool, user: bool) -> anyhow::Result<Scope> {
        let wanted = match (project, user) {
            (true, _) => Scope::Project,
            (_, true) => Scope::User,
            _ => return Ok(self.scopes()[0]),
        };
        if self.scopes().contains(&wanted) {
            Ok(wanted)
        } else {
            Err(Failure::usage(format!(
                "{} has no project configuration, only the user's: drop --project",
                self.title()
            )))
        }
    }

    /// The key of the object that maps server names to entries.
    pub(crate) fn servers_key(self) -> &'static str {
        match self {
            Client::Vscode => "servers",
            _ => "mcpServers",
        }
    }

    /// Whether the client reads its file as JSON with comments (JSONC).
    pub(crate) fn allows_comments(self) -> bool {
        self == Client::Vscode
    }

    /// Where the client keeps its configuration for `scope`.
    pub(crate) fn config_path(self, scope: Scope, env: &Env) -> anyhow::Result<PathBuf> {
        Ok(match (self, scope) {
            (Client::ClaudeDesktop, _) => env.app_data()?.join("Claude").join("claude_desktop_config.json"),
            (Client::Cursor, Scope::User) => env.home()?.join(".cursor").join("mcp.json"),
            (Client::Cursor, Scope::Project) => env.cwd.join(".cursor").join("mcp.json"),
            (Client::Vscode, Scope::User) => env.app_data()?.join("Code").join("User").join("mcp.json"),
            (Client::Vscode, Scope::Project) => env.cwd.join(".vscode").join("mcp.json"),
            (Client::ClaudeCode, Scope::User) => match &env.claude_config_dir {
                Some(dir) => dir.join(".claude.json"),
                None => env.home()?.join(".claude.json"),
            },
            (Client::ClaudeCode, Scope::Project) => env.cwd.join(".mcp.json"),
        })
    }

    /// What to do so the client loads the new server (ends a sentence).
    pub(crate) fn reload_hint(self, scope: Scope) -> &'static str {
        match (self, scope) {
            (Client::ClaudeDesktop, _) => "restart Claude Desktop to load it",
            (Client::Cursor, _) => {
                "restart Cursor (or toggle the server in Cursor Settings → MCP) to load it"
            }
            (Client::Vscode, _) => "start it in VS Code from the “MCP: List Servers” command",
            (Client::ClaudeCode, Scope::User) => "restart Claude Code to load it (check with /mcp)",
            (Client::ClaudeCode, Scope::Project) => {
                "start Claude Code in this directory and approve the project server (check with /mcp)"
            }
        }
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::User => "user",
            Scope::Project => "project",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(os: Os) -> Env {
        Env {
            os,
            home: Some(PathBuf::from("/h")),
            xdg_config_home: None,
            appdata: Some(PathBuf::from("C:/Users/u/AppData/Roaming")),
            claude_config_dir: None,
            cwd: PathBuf::from("/p"),
        }
    }

    fn path(client: Client, scope: Scope, env: &Env) -> String {
        client
            .config_path(scope, env)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/")
    }

    #[test]
    fn claude_desktop_per_os() {
        let linux = env(Os::Linux);
        assert_eq!(
            path(Client::ClaudeDesktop, Scope::User, &linux),
            "/h/.config/Claude/claude_desktop_config.json"
        );
        let xdg = Env {
            xdg_config_home: Some(PathBuf::from("/x")),
            ..linux
        };
        assert_eq!(
            path(Client::ClaudeDesktop, Scope::User, &xdg),
            "/x/Claude/claude_desktop_config.json"
        );
        assert_eq!(
            path(Client::ClaudeDesktop, Scope::User, &env(Os::Mac)),
            "/h/Library/Application Support/Claude/claude_desktop_config.json"
        );
        assert_eq!(
            path(Client::ClaudeDesktop, Scope::User, &env(Os::Windows)),
            "C:/Users/u/AppData/Roaming/Claude/claude_desktop_config.json"
        );
    }

    #[test]
    fn vscode_cursor_and_claude_code() {
        let e = env(Os::Linux);
        assert_eq!(path(Client::Vscode, Scope::Project, &e), "/p/.vscode/mcp.json");
        assert_eq!(
            path(Client::Vscode, Scope::User, &e),
            "/h/.config/Code/User/mcp.json"
        );
        assert_eq!(
            path(Client::Vscode, Scope::User, &env(Os::Mac)),
            "/h/Library/Application Support/Code/User/mcp.json"
        );
        assert_eq!(
            path(Client::Vscode, Scope::User, &env(Os::Windows)),
            "C:/Users/u/AppData/Roaming/Code/User/mcp.json"
        );
        assert_eq!(path(Client::Cursor, Scope::User, &e), "/h/.cursor/mcp.json");
        assert_eq!(path(Client::Cursor, Scope::Project, &e), "/p/.cursor/mcp.json");
        assert_eq!(path(Client::ClaudeCode, Scope::User, &e), "/h/.claude.json");
        assert_eq!(path(Client::ClaudeCode, Scope::Project, &e), "/p/.mcp.json");
        let custom = Env {
            claude_config_dir: Some(PathBuf::from("/c")),
            ..e
        };
        assert_eq!(path(Client::ClaudeCode, Scope::User, &custom), "/c/.claude.json");
    }

    #[test]
    fn scopes_and_defaults() {
        assert_eq!(Client::Vscode.scope(false, false).unwrap(), Scope::Project);
        assert_eq!(Client::Vscode.scope(false, true).unwrap(), Scope::User);
        assert_eq!(Client::Cursor.scope(false, false).unwrap(), Scope::User);
        assert_eq!(Client::ClaudeCode.scope(true, false).unwrap(), Scope::Project);
        let e = Client::ClaudeDesktop.scope(true, false).unwrap_err();
        assert!(e.to_string().contains("drop --project"), "{e}");
    }

    #[test]
    fn a_missing_home_says_what_to_set() {
        let e = Env {
            home: None,
            ..env(Os::Linux)
        };
        let err = Client::Cursor.config_path(Scope::User, &e).unwrap_err();
        assert!(err.to_string().contains("set HOME"), "{err}");
        assert!(Client::Cursor.config_path(Scope::Project, &e).is_ok());
    }
}
