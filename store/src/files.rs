//! Files that hold secrets or settings: created private (0600 on Unix)
//! from their first byte, and replaced atomically so a crash never leaves
//! half a config behind.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a private temporary file in the same
/// directory, then renames it over `path`. (`tempfile` creates its files
/// 0600 on Unix; the rename keeps that mode.)
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_keeps_it_private() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "old")?;
        write_private(&p, b"new")?;
        assert_eq!(std::fs::read_to_string(&p)?, "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p)?.permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(dir.path())?.count(),
            1,
            "no temporary left behind"
        );
        Ok(())
    }
}
