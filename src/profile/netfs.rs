//! `profile --netfs LATENCY`: each fixture's rows are measured behind a
//! netfs latency mount of its root, mounted in a temporary directory for
//! that fixture and unmounted after it. Ctrl-C (SIGINT, SIGTERM, SIGHUP)
//! detaches the mount in place, removes its directory and exits 130.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::netfs::{Mount, NetFs};

/// The mount in use, for the signal thread.
type Current = Arc<Mutex<Option<PathBuf>>>;

/// Mounts fixture roots one after the other; one signal thread serves all.
///
/// ```no_run
/// use std::time::Duration;
/// use anivault_bench::profile::netfs::Mounter;
/// let mounter = Mounter::new(Duration::from_millis(1)).expect("signals");
/// let m = mounter
///     .mount("anime-1k", "target/anivault-fixtures/anime-1k/tree".as_ref())
///     .expect("FUSE");
/// println!("measure in {}", m.path().display());
/// mounter.unmount("anime-1k", m).expect("unmount");
/// ```
pub struct Mounter {
    latency: Duration,
    current: Current,
}

impl Mounter {
    /// Blocks the termination signals in this thread and starts the thread
    /// that unmounts on them. `Err`: why it could not.
    pub fn new(latency: Duration) -> Result<Self, String> {
        crate::netfs::signal::block_termination()
            .map_err(|e| format!("--netfs: cannot block SIGINT: {e}"))?;
        let current: Current = Arc::default();
        let seen = Arc::clone(&current);
        std::thread::Builder::new()
            .name("netfs-signal".into())
            .spawn(move || {
                if let Ok(sig) = crate::netfs::signal::wait_termination() {
                    let path = seen.lock().ok().and_then(|p| p.clone());
                    if let Some(path) = path {
                        let _ = crate::netfs::lazy_unmount(&path);
                        let _ = std::fs::remove_dir(&path);
                        eprintln!("\nprofile: interrupted; '{}' unmounted", path.display());
                    }
                    std::process::exit(i32::from(crate::netfs::signal::exit_status(sig)));
                }
            })
            .map_err(|e| format!("--netfs: cannot start the signal thread: {e}"))?;
        Ok(Mounter { latency, current })
    }

    /// Mounts `root` (fixture `name`) on a temporary directory.
    pub fn mount(&self, name: &str, root: &Path) -> Result<Mount, String> {
        let m = NetFs::builder(root)
            .latency(self.latency)
            .mount_temp()
            .map_err(|e| format!("--netfs: fixture '{name}': {e}"))?;
        if let Ok(mut c) = self.current.lock() {
            *c = Some(m.path().to_path_buf());
        }
        Ok(m)
    }

    /// Unmounts `m` (fixture `name`).
    pub fn unmount(&self, name: &str, m: Mount) -> Result<(), String> {
        if let Ok(mut c) = self.current.lock() {
            *c = None;
        }
        m.unmount()
            .map_err(|e| format!("--netfs: fixture '{name}': cannot unmount: {e}"))
    }
}
