//! Descriptor-level file access for inputs: open once, check through the descriptor,
//! act relative to directory descriptors.
//!
//! Discovery looks at a path; by the time the file is read, the path may name
//! something else (a FIFO, a symlink to a file outside the input root, a directory
//! replaced by a symlink). Everything after discovery therefore works on what a
//! descriptor refers to, never on a path resolved again:
//!
//! - [`open_input`] opens without following a final symlink (unless discovery
//!   accepted that symlink) and without blocking (a FIFO or device cannot hang the
//!   open), then checks through the descriptor that it is a regular file lying under
//!   the input root (`/proc/self/fd`);
//! - [`Beneath`] walks a path below a root one component at a time with
//!   `O_NOFOLLOW | O_DIRECTORY`, so a post-commit move or delete can never leave the
//!   root through a symlinked directory, and checks the file's device and inode.

use std::ffi::{CString, OsStr};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

fn cstr(s: &OsStr) -> io::Result<CString> {
    CString::new(s.as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))
}

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// Why an input could not be opened as a regular file under its root.
#[derive(Debug)]
pub enum OpenError {
    /// The name no longer refers to an input file (gone, replaced by a symlink, a
    /// FIFO, a directory, or it now resolves outside the root): not an input any more.
    Changed(String),
    /// The file is there but cannot be opened (e.g. permission denied).
    Io(io::Error),
}

/// Opens `path` for reading once: `O_NOFOLLOW` unless `follow_final` (discovery
/// accepted a symlink to a file inside the root), always `O_NONBLOCK | O_CLOEXEC`.
/// The descriptor must be a regular file whose real path lies under `root`.
pub fn open_input(path: &Path, root: &Path, follow_final: bool) -> Result<File, OpenError> {
    let c = cstr(path.as_os_str()).map_err(OpenError::Io)?;
    let mut flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY;
    if !follow_final {
        flags |= libc::O_NOFOLLOW;
    }
    // SAFETY: a NUL-terminated path we own; the returned descriptor is owned below.
    let fd = unsafe { libc::open(c.as_ptr(), flags) };
    if fd < 0 {
        let e = io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            Some(libc::ENOENT) | Some(libc::ENOTDIR) => OpenError::Changed("the file disappeared".into()),
            Some(libc::ELOOP) => OpenError::Changed("the file was replaced by a symbolic link".into()),
            Some(libc::ENXIO) => OpenError::Changed("the file was replaced by a socket or device".into()),
            _ => OpenError::Io(e),
        });
    }
    // SAFETY: `fd` was just opened and is owned by nothing else.
    let file = unsafe { File::from_raw_fd(fd) };
    let meta = file.metadata().map_err(OpenError::Io)?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else if std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type()) {
            "a FIFO"
        } else {
            "not a regular file"
        };
        return Err(OpenError::Changed(format!("the file was replaced by {kind}")));
    }
    let real = real_path_of(&file, path).map_err(OpenError::Io)?;
    if !real.starts_with(root) {
        return Err(OpenError::Changed(format!(
            "the file now resolves to {}, outside the input root {}",
            real.display(),
            root.display()
        )));
    }
    Ok(file)
}

/// The path the kernel has for an open descriptor. Without `/proc`, the resolved
/// `path` is accepted only when it still names the same device and inode.
fn real_path_of(file: &File, path: &Path) -> io::Result<PathBuf> {
    match std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
        Ok(p) => Ok(p),
        Err(_) => {
            let real = std::fs::canonicalize(path)?;
            let (a, b) = (std::fs::metadata(&real)?, file.metadata()?);
            if (a.dev(), a.ino()) != (b.dev(), b.ino()) {
                return Err(io::Error::other("the file changed while it was being opened"));
            }
            Ok(real)
        }
    }
}

/// Device and inode of an open file: the identity a post-commit action checks.
pub fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

/// A directory opened by descriptor, for acting on names inside it.
pub struct Dir {
    fd: OwnedFd,
}

impl Dir {
    /// Opens the directory `path` itself (its final component must not be a symlink).
    pub fn open(path: &Path) -> io::Result<Dir> {
        let c = cstr(path.as_os_str())?;
        // SAFETY: NUL-terminated path; the descriptor is owned right away.
        let fd = check(unsafe {
            libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        })?;
        // SAFETY: `fd` is a fresh descriptor owned by nothing else.
        Ok(Dir { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    /// The parent directory of `rel` below `root`, walked one component at a time
    /// with `O_NOFOLLOW`, and the final name. A symlinked directory anywhere on the
    /// way is an error (`ELOOP`/`ENOTDIR`): nothing outside `root` is ever reached.
    pub fn parent_beneath(root: &Path, rel: &Path) -> io::Result<(Dir, CString)> {
        let mut dir = Dir::open(root)?;
        let mut parts: Vec<&OsStr> = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(p) => parts.push(p),
                Component::CurDir => {}
                _ => return Err(io::Error::new(io::ErrorKind::InvalidInput, "path is not below the root")),
            }
        }
        let Some(name) = parts.pop() else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty relative path"));
        };
        for p in parts {
            dir = dir.subdir(p)?;
        }
        Ok((dir, cstr(name)?))
    }

    fn subdir(&self, name: &OsStr) -> io::Result<Dir> {
        let c = cstr(name)?;
        // SAFETY: a directory descriptor we own and a NUL-terminated name.
        let fd = check(unsafe {
            libc::openat(
                self.raw(),
                c.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            )
        })?;
        // SAFETY: fresh descriptor.
        Ok(Dir { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// `fstatat(name, AT_SYMLINK_NOFOLLOW)`: (device, inode, size, mtime ns, is regular).
    pub fn stat(&self, name: &CString) -> io::Result<libc::stat> {
        // SAFETY: zeroed plain-data struct filled by the kernel.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        check(unsafe { libc::fstatat(self.raw(), name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) })?;
        Ok(st)
    }

    /// Opens `name` in this directory for reading (never following a symlink).
    pub fn open_file(&self, name: &CString) -> io::Result<File> {
        // SAFETY: as in `subdir`.
        let fd = check(unsafe {
            libc::openat(
                self.raw(),
                name.as_ptr(),
                libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY,
            )
        })?;
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    /// Creates (or truncates) `name` for writing, never following a symlink.
    pub fn create_file(&self, name: &CString) -> io::Result<File> {
        // SAFETY: as in `subdir`.
        let fd = check(unsafe {
            libc::openat(
                self.raw(),
                name.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o644 as libc::c_uint,
            )
        })?;
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    pub fn unlink(&self, name: &CString) -> io::Result<()> {
        // SAFETY: directory descriptor we own, NUL-terminated name.
        check(unsafe { libc::unlinkat(self.raw(), name.as_ptr(), 0) }).map(|_| ())
    }

    /// `renameat(self/from, to_dir/to)`.
    pub fn rename(&self, from: &CString, to_dir: &Dir, to: &CString) -> io::Result<()> {
        // SAFETY: two directory descriptors we own, NUL-terminated names.
        check(unsafe { libc::renameat(self.raw(), from.as_ptr(), to_dir.raw(), to.as_ptr()) }).map(|_| ())
    }

    /// Flushes the directory itself (a rename into it is then durable).
    pub fn sync(&self) -> io::Result<()> {
        check(unsafe { libc::fsync(self.raw()) }).map(|_| ())
    }
}

/// A name as a C string (for [`Dir`]'s methods).
pub fn name(n: &OsStr) -> io::Result<CString> {
    cstr(n)
}
