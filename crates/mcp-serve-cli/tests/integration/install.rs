//! `mcp-serve install`, run as a user would: the built binary with its home,
//! config and app-data folders pointed at a temporary directory and the
//! current directory in a temporary project.

// Homes are redirected through HOME, which Windows' known-folder lookup ignores.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

/// A temporary home and project for one test.
struct Sandbox {
    _dir: tempfile::TempDir,
    home: PathBuf,
    xdg: PathBuf,
    project: PathBuf,
}

/// One run of the binary, with its output as text.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let home = root.join("home");
        let xdg = root.join("xdg");
        let project = root.join("project");
        for d in [&home, &xdg, &project] {
            std::fs::create_dir_all(d).unwrap();
        }
        Sandbox {
            _dir: dir,
            home,
            xdg,
            project,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcp-serve"));
        cmd.arg("install")
            .args(args)
            .current_dir(&self.project)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", &self.xdg)
            .env("APPDATA", self.home.join("AppData"))
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("MCP_SERVE_LOG");
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        to_run(self.command(args).output().unwrap())
    }

    /// Runs and expects success.
    fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(run.code, 0, "{args:?} failed:\n{}\n{}", run.stdout, run.stderr);
        run
    }

    /// Where `client` keeps its config with these scope flags, as the
    /// client itself would look for it.
    fn config(&self, client: &str, scope_flag: Option<&str>) -> PathBuf {
        let app_data = if cfg!(target_os = "macos") {
            self.home.join("Library/Application Support")
        } else {
            self.xdg.clone()
        };
        match (client, scope_flag) {
            ("claude-desktop", _) => app_data.join("Claude/claude_desktop_config.json"),
            ("cursor", Some("--project")) => self.project.join(".cursor/mcp.json"),
            ("cursor", _) => self.home.join(".cursor/mcp.json"),
            ("vscode", Some("--user")) => app_data.join("Code/User/mcp.json"),
            ("vscode", _) => self.project.join(".vscode/mcp.json"),
            ("claude-code", Some("--project")) => self.project.join(".mcp.json"),
            ("claude-code", _) => self.home.join(".claude.json"),
            _ => unreachable!("{client}"),
        }
    }
}

fn to_run(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_json(path: &Path) -> Value {
    let text = read(path);
    assert!(
        text.ends_with("}\n"),
        "{} should end with a newline:\n{text}",
        path.display()
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

fn bak(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// Every client and scope: the flag that selects it and the key of its servers.
const SCOPES: [(&str, Option<&str>, &str); 7] = [
    ("claude-desktop", None, "mcpServers"),
    ("cursor", None, "mcpServers"),
    ("cursor", Some("--project"), "mcpServers"),
    ("vscode", None, "servers"),
    ("vscode", Some("--user"), "servers"),
    ("claude-code", None, "mcpServers"),
    ("claude-code", Some("--project"), "mcpServers"),
];

fn args<'a>(client: &'a str, scope: Option<&'a str>, rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![client];
    v.extend(scope);
    v.extend_from_slice(rest);
    v
}

/// The stdio entry each client gets for `/opt/weather --units metric`.
fn stdio_entry(client: &str) -> Value {
    match client {
        "vscode" | "claude-code" => {
            json!({"type": "stdio", "command": "/opt/weather", "args": ["--units", "metric"]})
        }
        _ => json!({"command": "/opt/weather", "args": ["--units", "metric"]}),
    }
}

#[test]
fn a_fresh_file_for_every_client_and_scope() {
    for (client, scope, key) in SCOPES {
        let sb = Sandbox::new();
        let run = sb.ok(&args(
            client,
            scope,
            &["weather", "--", "/opt/weather", "--units", "metric"],
        ));
        let path = sb.config(client, scope);
        assert_eq!(
            read_json(&path),
            json!({ key: { "weather": stdio_entry(client) } }),
            "{client} {scope:?}"
        );
        assert!(
            run.stdout.starts_with("Added server \"weather\" to "),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains(&path.display().to_string()), "{}", run.stdout);
        assert!(!bak(&path).exists(), "no backup for a new file");
        assert!(read(&path).starts_with("{\n  \""), "2-space indentation");
    }
}

#[test]
fn the_claude_desktop_message() {
    let sb = Sandbox::new();
    let run = sb.ok(&["claude-desktop", "weather", "--", "/opt/weather"]);
    let path = sb.config("claude-desktop", None);
    assert_eq!(
        run.stdout,
        format!(
            "Added server \"weather\" to Claude Desktop ({}); restart Claude Desktop to load it.\n",
            path.display()
        )
    );
}

#[test]
fn merging_keeps_everything_else_and_backs_up() {
    for (client, scope, key) in SCOPES {
        let sb = Sandbox::new();
        let path = sb.config(client, scope);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let old = format!(
            "{{\n  \"theme\": \"dark\",\n  \"{key}\": {{\n    \"other\": {{\"command\": \"other-server\", \
             \"args\": []}}\n  }},\n  \"projects\": {{\"/x\": {{\"allowedTools\": [\"a\"]}}}},\n  \"zzz\": 1\n}}\n"
        );
        std::fs::write(&path, &old).unwrap();
        let run = sb.ok(&args(
            client,
            scope,
            &["weather", "--", "/opt/weather", "--units", "metric"],
        ));
        assert!(
            run.stdout.contains("The previous file is saved as"),
            "{}",
            run.stdout
        );
        let new = read_json(&path);
        assert_eq!(new["theme"], "dark");
        assert_eq!(new["zzz"], 1);
        assert_eq!(new["projects"], json!({"/x": {"allowedTools": ["a"]}}));
        assert_eq!(new[key]["other"], json!({"command": "other-server", "args": []}));
        assert_eq!(new[key]["weather"], stdio_entry(client));
        let text = read(&path);
        let order: Vec<usize> = [
            "\"theme\"",
            &format!("\"{key}\""),
            "\"other\"",
            "\"weather\"",
            "\"zzz\"",
        ]
        .iter()
        .map(|k| text.find(k).unwrap())
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "key order kept:\n{text}");
        assert_eq!(read(&bak(&path)), old, "{client} {scope:?}");
    }
}

#[test]
fn installing_the_same_entry_again_changes_nothing() {
    for (client, scope, _) in SCOPES {
        let sb = Sandbox::new();
        let argv = args(
            client,
            scope,
            &["weather", "--", "/opt/weather", "--units", "metric"],
        );
        sb.ok(&argv);
        let path = sb.config(client, scope);
        let before = read(&path);
        let run = sb.ok(&argv);
        assert!(run.stdout.contains("is already in"), "{}", run.stdout);
        assert!(run.stdout.contains("nothing to change"), "{}", run.stdout);
        assert_eq!(read(&path), before);
        assert!(!bak(&path).exists());
    }
}

#[test]
fn a_different_server_of_the_same_name_needs_force() {
    for (client, scope, key) in SCOPES {
        let sb = Sandbox::new();
        sb.ok(&args(client, scope, &["weather", "--", "/opt/old-weather"]));
        let path = sb.config(client, scope);
        let before = read(&path);

        let run = sb.run(&args(
            client,
            scope,
            &["weather", "--", "/opt/weather", "--units", "metric"],
        ));
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains("already has a server named \"weather\""),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("another `args` and `command`"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("(it has: /opt/old-weather)"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("--force"), "{}", run.stderr);
        assert_eq!(read(&path), before, "refused: the file is untouched");

        let run = sb.ok(&args(
            client,
            scope,
            &["weather", "--force", "--", "/opt/weather", "--units", "metric"],
        ));
        assert!(
            run.stdout.starts_with("Replaced server \"weather\" in "),
            "{}",
            run.stdout
        );
        assert_eq!(read_json(&path)[key]["weather"], stdio_entry(client));
        assert_eq!(read(&bak(&path)), before);
    }
}

#[test]
fn a_dry_run_writes_nothing() {
    let sb = Sandbox::new();
    let run = sb.ok(&[
        "cursor",
        "weather",
        "--dry-run",
        "--",
        "/opt/weather",
        "--units",
        "metric",
    ]);
    let path = sb.config("cursor", None);
    assert!(!path.exists());
    assert!(!path.parent().unwrap().exists(), "not even the folder");
    let shown: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(shown, json!({"mcpServers": {"weather": stdio_entry("cursor")}}));
    assert!(run.stderr.contains("nothing written"), "{}", run.stderr);
    assert!(run.stderr.contains(&path.display().to_string()), "{}", run.stderr);

    // Over an existing file, with --force: shows the replacement, changes nothing.
    sb.ok(&["cursor", "weather", "--", "/opt/old"]);
    let before = read(&path);
    let run = sb.ok(&[
        "cursor",
        "weather",
        "-n",
        "-f",
        "--",
        "/opt/weather",
        "--units",
        "metric",
    ]);
    assert_eq!(read(&path), before);
    assert!(!bak(&path).exists());
    let shown: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(shown["mcpServers"]["weather"], stdio_entry("cursor"));
}

#[test]
fn url_entries_use_each_clients_schema() {
    let sb = Sandbox::new();
    let url = "https://example.com/mcp";
    let header = "Authorization: Bearer abc";
    for (client, scope, _) in SCOPES {
        sb.ok(&args(client, scope, &["docs", "--url", url, "-H", header]));
    }
    let headers = json!({"Authorization": "Bearer abc"});
    let typed = json!({"type": "http", "url": url, "headers": headers});
    assert_eq!(
        read_json(&sb.config("cursor", None))["mcpServers"]["docs"],
        json!({"url": url, "headers": headers})
    );
    assert_eq!(
        read_json(&sb.config("cursor", Some("--project")))["mcpServers"]["docs"],
        json!({"url": url, "headers": headers})
    );
    assert_eq!(read_json(&sb.config("vscode", None))["servers"]["docs"], typed);
    assert_eq!(
        read_json(&sb.config("vscode", Some("--user")))["servers"]["docs"],
        typed
    );
    assert_eq!(
        read_json(&sb.config("claude-code", None))["mcpServers"]["docs"],
        typed
    );
    assert_eq!(
        read_json(&sb.config("claude-code", Some("--project")))["mcpServers"]["docs"],
        typed
    );

    // Claude Desktop: a stdio bridge through this binary's proxy.
    let desktop = read_json(&sb.config("claude-desktop", None));
    let entry = &desktop["mcpServers"]["docs"];
    let program = Path::new(entry["command"].as_str().unwrap());
    assert_eq!(
        program.canonicalize().unwrap(),
        Path::new(env!("CARGO_BIN_EXE_mcp-serve")).canonicalize().unwrap()
    );
    assert_eq!(entry["args"], json!(["proxy", url, "--header", header]));

    // Without a header.
    sb.ok(&["claude-code", "plain", "--url", "http://127.0.0.1:8080/mcp"]);
    assert_eq!(
        read_json(&sb.config("claude-code", None))["mcpServers"]["plain"],
        json!({"type": "http", "url": "http://127.0.0.1:8080/mcp"})
    );
}

#[test]
fn env_and_env_files() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.project.join(".env"),
        "# secrets\nAPI_KEY=from-file\nexport REGION=\"eu west\"\n\nUNITS='metric'\n",
    )
    .unwrap();
    sb.ok(&[
        "claude-desktop",
        "weather",
        "--env-file",
        ".env",
        "-e",
        "API_KEY=from-flag",
        "--env",
        "DEBUG=1",
        "--",
        "/opt/weather",
    ]);
    let entry = &read_json(&sb.config("claude-desktop", None))["mcpServers"]["weather"];
    assert_eq!(
        entry["env"],
        json!({"API_KEY": "from-flag", "REGION": "eu west", "UNITS": "metric", "DEBUG": "1"})
    );

    sb.ok(&["vscode", "weather", "-e", "K=V", "--", "/opt/weather"]);
    assert_eq!(
        read_json(&sb.config("vscode", None))["servers"]["weather"],
        json!({"type": "stdio", "command": "/opt/weather", "args": [], "env": {"K": "V"}})
    );

    let run = sb.run(&[
        "cursor",
        "weather",
        "--env-file",
        "missing.env",
        "--",
        "/opt/weather",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read --env-file"), "{}", run.stderr);
    let run = sb.run(&["cursor", "weather", "-e", "NOVALUE", "--", "/opt/weather"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("KEY=VALUE"), "{}", run.stderr);
    assert!(!sb.config("cursor", None).exists());
}

#[test]
fn a_vscode_file_with_comments_keeps_them() {
    let sb = Sandbox::new();
    let path = sb.config("vscode", None);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let old = r#"{
  // Inputs are prompted for on first start.
  "inputs": [
    {"type": "promptString", "id": "token", "description": "Token", "password": true},
  ],
  "servers": {
    /* the GitHub one */
    "github": {
      "type": "http",
      "url": "https://api.githubcopilot.com/mcp/",
      "headers": {"Authorization": "Bearer ${input:token}"},
    },
  },
}
"#;
    std::fs::write(&path, old).unwrap();
    sb.ok(&["vscode", "weather", "--", "/opt/weather", "--units", "metric"]);
    let text = read(&path);
    assert!(
        text.contains("  // Inputs are prompted for on first start.\n"),
        "{text}"
    );
    assert!(
        text.contains("    /* the GitHub one */\n    \"github\": {"),
        "{text}"
    );
    assert!(text.contains("\"Bearer ${input:token}\""), "{text}");
    assert!(
        text.contains("\"weather\": {\n      \"type\": \"stdio\","),
        "{text}"
    );
    assert!(text.ends_with("}\n"), "{text}");
    assert_eq!(read(&bak(&path)), old);

    // Still readable, and a second run sees the same entry.
    let run = sb.ok(&["vscode", "weather", "--", "/opt/weather", "--units", "metric"]);
    assert!(run.stdout.contains("is already in"), "{}", run.stdout);
    let run = sb.ok(&["--list", "vscode"]);
    assert!(
        run.stdout.contains("github   https://api.githubcopilot.com/mcp/"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("weather  /opt/weather --units metric"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unparseable_file_is_left_alone() {
    for (client, scope, _) in SCOPES {
        let sb = Sandbox::new();
        let path = sb.config(client, scope);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let broken = "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"\n  }\n";
        std::fs::write(&path, broken).unwrap();
        let run = sb.run(&args(client, scope, &["weather", "--", "/opt/weather"]));
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(&path.display().to_string()), "{}", run.stderr);
        assert!(run.stderr.contains("not valid JSON"), "{}", run.stderr);
        assert!(run.stderr.contains("left as it is"), "{}", run.stderr);
        assert_eq!(read(&path), broken);
        assert!(!bak(&path).exists());
    }

    let sb = Sandbox::new();
    let path = sb.config("cursor", None);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    for (text, message) in [
        ("[1, 2]\n", "top level is not a JSON object"),
        ("{\"mcpServers\": [1]}\n", "`mcpServers` is not a JSON object"),
    ] {
        std::fs::write(&path, text).unwrap();
        let run = sb.run(&["cursor", "weather", "--", "/opt/weather"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(message), "{}", run.stderr);
        assert_eq!(read(&path), text);
    }
}

#[test]
fn relative_programs_are_made_absolute() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.project.join("bin")).unwrap();
    std::fs::write(sb.project.join("bin/server"), "").unwrap();
    let run = sb.ok(&[
        "cursor",
        "--project",
        "local",
        "--",
        "./bin/server",
        "--port",
        "1",
    ]);
    let abs = sb.project.join("bin/server");
    let entry = &read_json(&sb.config("cursor", Some("--project")))["mcpServers"]["local"];
    assert_eq!(entry["command"], abs.to_str().unwrap());
    assert_eq!(entry["args"], json!(["--port", "1"]));
    assert!(
        run.stderr
            .contains("`./bin/server` is relative: the entry uses `/"),
        "{}",
        run.stderr
    );

    // A VS Code workspace file stays portable.
    sb.ok(&["vscode", "local", "--", "./bin/server"]);
    assert_eq!(
        read_json(&sb.config("vscode", None))["servers"]["local"]["command"],
        "${workspaceFolder}/bin/server"
    );

    // Relative arguments are pointed out, not rewritten.
    std::fs::write(sb.project.join("server.py"), "").unwrap();
    let run = sb.ok(&["claude-code", "py", "--", "/usr/bin/python3", "server.py"]);
    assert!(
        run.stderr.contains("`server.py` is a relative path"),
        "{}",
        run.stderr
    );
    assert_eq!(
        read_json(&sb.config("claude-code", None))["mcpServers"]["py"]["args"],
        json!(["server.py"])
    );
}

#[test]
fn usage_mistakes_say_what_to_do() {
    let sb = Sandbox::new();
    let cases: [(&[&str], &str); 7] = [
        (
            &["notepad", "x", "--", "y"],
            "claude-desktop, cursor, vscode, claude-code",
        ),
        (&["cursor", "weather"], "-- command args…"),
        (&["claude-desktop", "--project", "x", "--", "y"], "drop --project"),
        (&["cursor", "x", "--url", "ftp://h"], "not an http"),
        (
            &["cursor", "x", "--url", "http://h", "-H", "bad"],
            "'Name: value'",
        ),
        (&["cursor", "x", "-H", "A: b", "--", "y"], "takes --env"),
        (
            &["cursor", "--project", "--user", "x", "--", "y"],
            "cannot be used with",
        ),
    ];
    for (argv, message) in cases {
        let run = sb.run(argv);
        assert_eq!(run.code, 2, "{argv:?}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{argv:?}: {}", run.stderr);
    }
    assert!(
        std::fs::read_dir(&sb.home).unwrap().next().is_none(),
        "nothing written"
    );
}

#[test]
fn listing_shows_files_and_servers() {
    let sb = Sandbox::new();
    sb.ok(&[
        "claude-code",
        "weather",
        "--",
        "/opt/weather",
        "--units",
        "metric",
    ]);
    sb.ok(&[
        "claude-code",
        "--project",
        "docs",
        "--url",
        "https://example.com/mcp",
    ]);
    let run = sb.ok(&["--list"]);
    let user = sb.config("claude-code", None);
    let project = sb.config("claude-code", Some("--project"));
    assert!(
        run.stdout.contains(&format!(
            "Claude Code (user): {}\n  weather  /opt/weather --units metric\n",
            user.display()
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "Claude Code (project): {}\n  docs  https://example.com/mcp\n",
            project.display()
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "Claude Desktop: {} (no file)",
            sb.config("claude-desktop", None).display()
        )),
        "{}",
        run.stdout
    );
    let run = sb.ok(&["--list", "cursor"]);
    assert!(!run.stdout.contains("Claude"), "{}", run.stdout);
}

#[test]
fn homes_come_from_the_environment() {
    let sb = Sandbox::new();
    // CLAUDE_CONFIG_DIR moves Claude Code's file.
    let custom = sb.home.join("claude-config");
    let out = sb
        .command(&["claude-code", "weather", "--", "/opt/weather"])
        .env("CLAUDE_CONFIG_DIR", &custom)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(custom.join(".claude.json").exists());
    assert!(!sb.home.join(".claude.json").exists());

    // Without XDG_CONFIG_HOME, Linux falls back to ~/.config.
    if cfg!(target_os = "linux") {
        let out = sb
            .command(&["claude-desktop", "weather", "--", "/opt/weather"])
            .env_remove("XDG_CONFIG_HOME")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(sb.home.join(".config/Claude/claude_desktop_config.json").exists());
    }

    // --file writes exactly there, in the client's schema.
    sb.ok(&[
        "vscode",
        "weather",
        "--file",
        "insiders.json",
        "--",
        "/opt/weather",
    ]);
    assert_eq!(
        read_json(&sb.project.join("insiders.json"))["servers"]["weather"]["type"],
        "stdio"
    );
}

#[test]
fn comments_in_a_strict_json_file_are_kept_with_a_warning() {
    let sb = Sandbox::new();
    let path = sb.config("cursor", None);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "{\n  // mine\n  \"mcpServers\": {}\n}\n").unwrap();
    let run = sb.ok(&["cursor", "weather", "--", "/opt/weather"]);
    assert!(
        run.stderr
            .contains("has comments or trailing commas, which Cursor may not accept"),
        "{}",
        run.stderr
    );
    assert!(
        read(&path).starts_with("{\n  // mine\n  \"mcpServers\": {\n    \"weather\": {"),
        "{}",
        read(&path)
    );
}
