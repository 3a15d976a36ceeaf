//! Walker threads of the parallel strategies, and the rayon pool of the
//! `rayon` and `jwalk` strategies, with threads we can join.

use std::io;
use std::thread::JoinHandle;

use super::io_copy;
use crate::ScanOptions;

/// Walker threads of a parallel strategy: `opts.get_threads()`, but no
/// more than the file-descriptor budget (each thread holds one directory
/// open at a time, and the budget counts all threads together).
pub(crate) fn worker_threads(opts: &ScanOptions) -> usize {
    opts.get_threads().min(opts.get_fd_budget()).max(1)
}

/// A rayon pool whose threads we spawn ourselves, so that they can be joined
/// once the pool is dropped (rayon itself never joins its threads).
pub(crate) fn build_pool(
    threads: usize,
    name: &str,
) -> io::Result<(rayon_core::ThreadPool, Vec<JoinHandle<()>>)> {
    let mut handles = Vec::new();
    let mut refused: Option<io::Error> = None;
    let built = rayon_core::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .spawn_handler(|t| {
            let mut b = std::thread::Builder::new().name(format!("{name}-{}", t.index()));
            if let Some(size) = t.stack_size() {
                b = b.stack_size(size);
            }
            match b.spawn(|| t.run()) {
                Ok(h) => {
                    handles.push(h);
                    Ok(())
                }
                Err(e) => {
                    // rayon wraps the error it is given: keep a copy for ours.
                    let copy = io_copy(&e);
                    refused.get_or_insert(copy);
                    Err(e)
                }
            }
        })
        .build();
    match built {
        Ok(pool) => Ok((pool, handles)),
        Err(e) => {
            // rayon terminates the threads it did start; wait for them.
            for h in handles {
                let _ = h.join();
            }
            Err(refused.unwrap_or_else(|| io::Error::other(e)))
        }
    }
}
