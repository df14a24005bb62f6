//! Reading and writing config files safely: follow symlinks (dotfile
//! managers), keep a backup of the previous content, and replace the file
//! atomically with a temporary file renamed in the same folder, keeping its
//! permissions.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::exit::Failure;

/// The file to really read and write: the target of a symlink, so the link
/// itself survives the rename.
pub(crate) fn real_path(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// The file's text, or `None` when there is no file.
pub(crate) fn read(path: &Path) -> anyhow::Result<Option<String>> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            Failure::usage(format!(
                "{} is not UTF-8 text; it was left as it is",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Where the previous content of `path` is kept: `<file>.bak`.
pub(crate) fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// Saves `old` (the current content of `path`) to its backup file, with the
/// same permissions; returns the backup's path.
pub(crate) fn backup(path: &Path, old: &str) -> anyhow::Result<PathBuf> {
    let bak = backup_path(path);
    write_atomically(&bak, old, fs::metadata(path).ok().map(|m| m.permissions()))
        .with_context(|| format!("cannot back up {} to {}", path.display(), bak.display()))?;
    Ok(bak)
}

/// Replaces `path` with `text`: parent folders are created, the content goes
/// to a temporary file beside it that is then renamed over it, so readers
/// never see half a file. An existing file's permissions are kept.
pub(crate) fn replace(path: &Path, text: &str) -> anyhow::Result<()> {
    let permissions = fs::metadata(path).ok().map(|m| m.permissions());
    write_atomically(path, text, permissions).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes `text` to a temporary file in `path`'s folder and renames it over `path`.
fn write_atomically(path: &Path, text: &str, permissions: Option<fs::Permissions>) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let (tmp, mut file) = (0..100)
        .find_map(|i| {
            let tmp = dir.join(format!(".{name}.{}.{i}.tmp", std::process::id()));
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .ok()
                .map(|f| (tmp, f))
        })
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    let written = (|| -> std::io::Result<()> {
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        if let Some(p) = permissions {
            fs::set_permissions(&tmp, p)?;
        }
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_creates_folders_and_backs_up() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/c.json");
        assert_eq!(read(&file).unwrap(), None);
        replace(&file, "one\n").unwrap();
        assert_eq!(read(&file).unwrap().as_deref(), Some("one\n"));
        let bak = backup(&file, "one\n").unwrap();
        assert_eq!(bak, dir.path().join("a/b/c.json.bak"));
        replace(&file, "two\n").unwrap();
        assert_eq!(fs::read_to_string(&bak).unwrap(), "one\n");
        assert_eq!(fs::read_to_string(&file).unwrap(), "two\n");
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("a/b")).unwrap().collect();
        assert_eq!(leftovers.len(), 2, "no temporary files are left");
    }

    #[cfg(unix)]
    #[test]
    fn permissions_and_symlinks_are_kept() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dotfiles/claude.json");
        replace(&target, "{}\n").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join(".claude.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let real = real_path(&link);
        assert_eq!(real, fs::canonicalize(&target).unwrap());
        replace(&real, "{\"a\": 1}\n").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(&link).unwrap(), "{\"a\": 1}\n");
        assert_eq!(fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn unreadable_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).is_err(), "a folder is not a config file");
        let bin = dir.path().join("bin.json");
        fs::write(&bin, [0xff, 0xfe, 0x00]).unwrap();
        assert!(read(&bin).unwrap_err().to_string().contains("not UTF-8"));
    }
}
