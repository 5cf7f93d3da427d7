//! Writing files safely: a reader never sees half a file, a crash never leaves one.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same folder, flushed to disk
/// and renamed into place; on any error the temporary file is removed and `path` is left
/// as it was. Creates the parent folder when missing. The file is readable only by its
/// owner on Unix (sessions, snapshots and exports can hold incident details).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map_or_else(|| "ktm".into(), |n| n.to_string_lossy().into_owned());
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::write_atomic;

    #[test]
    fn replaces_whole_files_and_cleans_up_on_failure() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/out.json");
        write_atomic(&path, b"one").expect("write");
        write_atomic(&path, b"two").expect("rewrite");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        // A folder in the way: the rename fails and no temporary file is left behind.
        let blocked = dir.path().join("sub/blocked");
        std::fs::create_dir_all(blocked.join("x")).expect("mkdir");
        assert!(write_atomic(&blocked, b"x").is_err());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .expect("list")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_replaced_not_followed_and_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").expect("victim");
        let target = dir.path().join("out.json");
        std::os::unix::fs::symlink(&victim, &target).expect("symlink");
        write_atomic(&target, b"new").expect("write");
        assert_eq!(std::fs::read(&victim).expect("read"), b"keep");
        assert!(
            !std::fs::symlink_metadata(&target)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        let mode = std::fs::metadata(&target)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
    }
}
