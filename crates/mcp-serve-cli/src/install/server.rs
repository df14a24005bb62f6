//! What to install: a stdio command (with its environment) or an HTTP URL
//! (with its headers), built from the command line and checked for the
//! mistakes that only show once a client starts the server from elsewhere.

use std::path::{Path, PathBuf};

use crate::exit::Failure;

/// The server being installed, whatever the client.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Server {
    /// A process speaking MCP over stdin/stdout.
    Command {
        /// The program as given on the command line.
        program: String,
        /// The program as an absolute path, when it was a relative path that
        /// exists here (clients start servers from other directories).
        resolved: Option<PathBuf>,
        /// Its arguments, as given.
        args: Vec<String>,
        /// Environment variables: `--env-file` ones first, `--env` last (and winning).
        env: Vec<(String, String)>,
    },
    /// A Streamable HTTP server.
    Url {
        /// The endpoint.
        url: String,
        /// Extra HTTP headers (`Authorization`, …).
        headers: Vec<(String, String)>,
    },
}

/// The parts of the command line that describe the server.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerFlags<'a> {
    /// The command after `--`.
    pub(crate) command: &'a [String],
    /// `--url`.
    pub(crate) url: Option<&'a str>,
    /// `--env KEY=VALUE`.
    pub(crate) env: &'a [String],
    /// `--env-file PATH`.
    pub(crate) env_files: &'a [PathBuf],
    /// `--header 'Name: value'`.
    pub(crate) headers: &'a [String],
}

impl Server {
    /// Builds the server from the flags, resolving relative paths against `cwd`.
    pub(crate) fn from_flags(flags: &ServerFlags<'_>, cwd: &Path) -> anyhow::Result<Server> {
        match (flags.command.split_first(), flags.url) {
            (Some(_), Some(_)) => Err(Failure::usage(
                "give either a command after `--` or --url, not both",
            )),
            (None, None) => Err(Failure::usage(
                "say how to start the server: `-- command args…` for a stdio server, or --url URL for an HTTP one",
            )),
            (None, Some(url)) => {
                if !flags.env.is_empty() || !flags.env_files.is_empty() {
                    return Err(Failure::usage(
                        "--env and --env-file set the environment of a command; an HTTP server takes --header instead",
                    ));
                }
                if !(url.starts_with("http://") || url.starts_with("https://"))
                    || url.contains(char::is_whitespace)
                {
                    return Err(Failure::usage(format!(
                        "--url `{url}` is not an http:// or https:// URL (e.g. https://example.com/mcp)"
                    )));
                }
                Ok(Server::Url {
                    url: url.to_owned(),
                    headers: parse_headers(flags.headers)?,
                })
            }
            (Some((program, args)), None) => {
                if !flags.headers.is_empty() {
                    return Err(Failure::usage(
                        "--header is for HTTP servers (--url); a command takes --env instead",
                    ));
                }
                if program.trim().is_empty() {
                    return Err(Failure::usage("the command after `--` is empty"));
                }
                let mut env = Vec::new();
                for file in flags.env_files {
                    for (k, v) in read_env_file(&cwd.join(file))? {
                        set(&mut env, k, v);
                    }
                }
                for item in flags.env {
                    let (k, v) = parse_env(item)?;
                    set(&mut env, k, v);
                }
                Ok(Server::Command {
                    program: program.clone(),
                    resolved: resolve_program(program, cwd),
                    args: args.to_vec(),
                    env,
                })
            }
        }
    }

    /// Things worth telling the user before a client trips over them: a
    /// program not on `PATH`, relative paths among the arguments.
    pub(crate) fn warnings(&self, cwd: &Path) -> Vec<String> {
        let Server::Command {
            program,
            resolved: None,
            args,
            ..
        } = self
        else {
            return Vec::new();
        };
        let mut warnings = Vec::new();
        if has_separator(program) {
            if !Path::new(program).is_absolute() {
                warnings.push(format!(
                    "`{program}` does not exist in {}; clients start servers from another directory, so give \
                     the program's absolute path",
                    cwd.display()
                ));
            } else if !Path::new(program).exists() {
                warnings.push(format!("`{program}` does not exist (yet?)"));
            }
        } else if find_on_path(program).is_none() {
            warnings.push(format!(
                "`{program}` is not on PATH here; the client may not find it either (GUI apps often have a \
                 shorter PATH): consider its absolute path"
            ));
        }
        for arg in args {
            if !arg.starts_with('-') && Path::new(arg).is_relative() && has_separator_or_dot(arg) {
                let here = cwd.join(arg);
                if here.exists() {
                    warnings.push(format!(
                        "the argument `{arg}` is a relative path; the client starts the server from another \
                         directory, so it may not find it: use {} instead",
                        std::path::absolute(&here).unwrap_or(here).display()
                    ));
                }
            }
        }
        warnings
    }
}

/// Replaces `key`'s value in place, or appends it.
fn set(env: &mut Vec<(String, String)>, key: String, value: String) {
    match env.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => env.push((key, value)),
    }
}

/// `KEY=VALUE` from `--env`.
fn parse_env(item: &str) -> anyhow::Result<(String, String)> {
    match item.split_once('=') {
        Some((k, v)) if valid_env_key(k) => Ok((k.to_owned(), v.to_owned())),
        _ => Err(Failure::usage(format!(
            "--env `{item}` should look like KEY=VALUE (e.g. --env API_KEY=abc123)"
        ))),
    }
}

/// Whether `key` can name an environment variable.
fn valid_env_key(key: &str) -> bool {
    !key.is_empty() && !key.contains(|c: char| c == '=' || c == '\0' || c.is_whitespace())
}

/// `Name: value` from `--header`.
fn parse_headers(items: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|item| match item.split_once(':') {
            Some((name, value)) if http::HeaderName::from_bytes(name.trim().as_bytes()).is_ok() => {
                Ok((name.trim().to_owned(), value.trim().to_owned()))
            }
            _ => Err(Failure::usage(format!(
                "--header `{item}` should look like 'Name: value' (e.g. --header 'Authorization: Bearer abc123')"
            ))),
        })
        .collect()
}

/// The variables of a dotenv file: `KEY=value` lines, `#` comments, optional
/// quotes and `export`.
fn read_env_file(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let iter = dotenvy::from_path_iter(path).map_err(|e| {
        Failure::usage(format!(
            "cannot read --env-file {}: {}",
            path.display(),
            plain(&e)
        ))
    })?;
    let mut vars = Vec::new();
    for item in iter {
        let (k, v) = item.map_err(|e| {
            Failure::usage(format!(
                "--env-file {} is not a dotenv file (KEY=value lines): {}",
                path.display(),
                plain(&e)
            ))
        })?;
        vars.push((k, v));
    }
    Ok(vars)
}

/// A dotenvy error without its I/O wrapper noise.
fn plain(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// The absolute path of `program` if it is a relative path (`./server`,
/// `bin/server`) that exists under `cwd`; bare names are left to `PATH`.
fn resolve_program(program: &str, cwd: &Path) -> Option<PathBuf> {
    let path = Path::new(program);
    if path.is_absolute() || !has_separator(program) {
        return None;
    }
    let full = cwd.join(path);
    if !full.exists() {
        return None;
    }
    Some(std::path::absolute(&full).unwrap_or(full))
}

/// Whether `s` contains a path separator.
fn has_separator(s: &str) -> bool {
    s.contains('/') || s.contains(std::path::MAIN_SEPARATOR)
}

/// Whether `s` looks like a file name or path (`server.py`, `dist/index.js`).
fn has_separator_or_dot(s: &str) -> bool {
    has_separator(s) || s.contains('.')
}

/// Where `PATH` finds `name`, if anywhere.
pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let exts: Vec<String> = if cfg!(windows) {
        std::env::var("PATHEXT")
            .unwrap_or_else(|_| ".EXE;.CMD;.BAT;.COM".into())
            .split(';')
            .map(str::to_owned)
            .chain(std::iter::once(String::new()))
            .collect()
    } else {
        vec![String::new()]
    };
    std::env::split_paths(&path).find_map(|dir| {
        exts.iter()
            .map(|ext| dir.join(format!("{name}{ext}")))
            .find(|candidate| candidate.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn commands_env_and_env_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "# comment\nA=1\nexport B=\"two words\"\nC='x#y'\n",
        )
        .unwrap();
        let command = strings(&["uvx", "weather"]);
        let env = strings(&["A=override", "D=4=four"]);
        let files = [PathBuf::from(".env")];
        let server = Server::from_flags(
            &ServerFlags {
                command: &command,
                env: &env,
                env_files: &files,
                ..ServerFlags::default()
            },
            dir.path(),
        )
        .unwrap();
        let Server::Command {
            program,
            resolved,
            args,
            env,
        } = server
        else {
            panic!()
        };
        assert_eq!(program, "uvx");
        assert_eq!(resolved, None);
        assert_eq!(args, ["weather"]);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            env,
            [
                ("A", "override"),
                ("B", "two words"),
                ("C", "x#y"),
                ("D", "4=four")
            ]
        );
    }

    #[test]
    fn relative_programs_become_absolute() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        std::fs::write(dir.path().join("bin/server"), "").unwrap();
        let command = strings(&["./bin/server", "--port", "1"]);
        let server = Server::from_flags(
            &ServerFlags {
                command: &command,
                ..ServerFlags::default()
            },
            dir.path(),
        )
        .unwrap();
        let Server::Command { resolved, .. } = &server else {
            panic!()
        };
        assert_eq!(resolved.as_deref(), Some(dir.path().join("bin/server").as_path()));
        assert!(server.warnings(dir.path()).is_empty());

        let missing = strings(&["./nope"]);
        let server = Server::from_flags(
            &ServerFlags {
                command: &missing,
                ..ServerFlags::default()
            },
            dir.path(),
        )
        .unwrap();
        assert!(server.warnings(dir.path())[0].contains("absolute path"));
    }

    #[test]
    fn relative_arguments_are_pointed_out() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("server.py"), "").unwrap();
        let command = strings(&["/usr/bin/env", "python3", "server.py", "-v"]);
        let server = Server::from_flags(
            &ServerFlags {
                command: &command,
                ..ServerFlags::default()
            },
            dir.path(),
        )
        .unwrap();
        let warnings = server.warnings(dir.path());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("`server.py` is a relative path"),
            "{warnings:?}"
        );
    }

    #[test]
    fn urls_and_headers() {
        let headers = strings(&["Authorization: Bearer a:b"]);
        let server = Server::from_flags(
            &ServerFlags {
                url: Some("https://h/mcp"),
                headers: &headers,
                ..ServerFlags::default()
            },
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(
            server,
            Server::Url {
                url: "https://h/mcp".into(),
                headers: vec![("Authorization".into(), "Bearer a:b".into())],
            }
        );
    }

    #[test]
    fn mistakes_say_what_to_do() {
        let one = |s: &str| vec![s.to_owned()];
        let (x, nocolon, bad_env, auth) = (one("x"), one("nocolon"), one("=v"), one("A: b"));
        let k_v = one("K=V");
        let missing = [PathBuf::from("missing.env")];
        let cases = [
            (ServerFlags::default(), "-- command args…"),
            (
                ServerFlags {
                    command: &x,
                    url: Some("http://h"),
                    ..ServerFlags::default()
                },
                "not both",
            ),
            (
                ServerFlags {
                    url: Some("ftp://x"),
                    ..ServerFlags::default()
                },
                "not an http",
            ),
            (
                ServerFlags {
                    url: Some("http://h"),
                    headers: &nocolon,
                    ..ServerFlags::default()
                },
                "'Name: value'",
            ),
            (
                ServerFlags {
                    url: Some("http://h"),
                    env: &k_v,
                    ..ServerFlags::default()
                },
                "takes --header",
            ),
            (
                ServerFlags {
                    command: &x,
                    headers: &auth,
                    ..ServerFlags::default()
                },
                "takes --env",
            ),
            (
                ServerFlags {
                    command: &x,
                    env: &bad_env,
                    ..ServerFlags::default()
                },
                "KEY=VALUE",
            ),
            (
                ServerFlags {
                    command: &x,
                    env_files: &missing,
                    ..ServerFlags::default()
                },
                "cannot read --env-file",
            ),
        ];
        for (flags, message) in cases {
            let e = Server::from_flags(&flags, Path::new("/nonexistent-dir")).unwrap_err();
            assert!(e.to_string().contains(message), "{e} should contain {message}");
            assert_eq!(crate::exit::code_for(&e), crate::exit::USAGE);
        }
    }
}
