//! Planted regressions for the gate's drill (cargo feature
//! `planted-regressions`, off by default).
//!
//! Without the feature every helper here is a constant or an empty inline
//! function: the production code path is exactly the unplanted one (no
//! environment read, no branch). With the feature, the environment variable
//! `ANIVAULT_PLANT` (read once per process) picks one regression; unset or
//! empty behaves as production, and any unknown value aborts the process at
//! the start of the scan, so a typo can never make a drill pass silently.
//!
//! | `ANIVAULT_PLANT`    | effect                                                                      |
//! |---------------------|-----------------------------------------------------------------------------|
//! | `unbounded-channel` | our result channels (jwalk, ignore, rayon, getdents-par; both pool channels) unbounded (dua-core's own channel cannot be) |
//! | `leak-16`           | 16 bytes leaked on the heap per [`MediaEntry`](crate::MediaEntry) made     |
//! | `double-queues`     | every parallel queue capacity doubled (our channels, dua-core's result queue, rayon's pending tasks, getdents-par's queued directories, the pool's channels) |
//! | `double-buffer`     | the `getdents` engine's per-directory buffer doubled (getdents, getdents-par) |

#[cfg(batch_stream)]
use crossbeam_channel::{Receiver, Sender};

#[cfg(not(feature = "planted-regressions"))]
mod imp {
    #[cfg(batch_stream)]
    use super::*;

    /// A parallel queue capacity (production: `cap`).
    #[cfg(walker_sink)]
    #[inline(always)]
    pub(crate) const fn queue(cap: usize) -> usize {
        cap
    }

    /// Bytes of the `getdents` engine's per-directory buffer (production: `size`).
    #[cfg(getdents_engine)]
    #[inline(always)]
    pub(crate) const fn dir_buffer(size: usize) -> usize {
        size
    }

    /// A result channel of `cap` messages.
    #[cfg(batch_stream)]
    #[inline(always)]
    pub(crate) fn channel<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
        crossbeam_channel::bounded(cap)
    }

    /// Called once per media entry made (production: nothing).
    #[inline(always)]
    pub(crate) fn on_media_entry() {}

    /// Checks the plant selection at the start of a scan (production: nothing).
    #[inline(always)]
    /// Reads and checks `ANIVAULT_PLANT` (aborts on an unknown value).
    pub fn check() {}
}

#[cfg(feature = "planted-regressions")]
mod imp {
    #[cfg(batch_stream)]
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;

    /// Bytes leaked so far by `leak-16` (for the tests).
    static LEAKED: AtomicUsize = AtomicUsize::new(0);

    /// Bytes leaked so far by `leak-16` in this process.
    pub fn leaked_bytes() -> usize {
        LEAKED.load(Ordering::Relaxed)
    }

    /// One planted regression (see the module documentation).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Plant {
        /// Production behaviour.
        None,
        /// Result channels unbounded.
        UnboundedChannel,
        /// 16 bytes leaked per media entry.
        Leak16,
        /// Every parallel queue capacity doubled.
        DoubleQueues,
        /// The getdents per-directory buffer doubled.
        DoubleBuffer,
    }

    impl Plant {
        /// Parses a value of `ANIVAULT_PLANT` (`None` or empty: no plant).
        ///
        /// ```
        /// use anivault_scanner::plant::Plant;
        /// assert_eq!(Plant::parse(None), Ok(Plant::None));
        /// assert_eq!(Plant::parse(Some("leak-16")), Ok(Plant::Leak16));
        /// assert!(Plant::parse(Some("leak16")).is_err());
        /// ```
        pub fn parse(value: Option<&str>) -> Result<Plant, String> {
            Ok(match value.unwrap_or("") {
                "" => Plant::None,
                "unbounded-channel" => Plant::UnboundedChannel,
                "leak-16" => Plant::Leak16,
                "double-queues" => Plant::DoubleQueues,
                "double-buffer" => Plant::DoubleBuffer,
                other => {
                    return Err(format!(
                        "ANIVAULT_PLANT={other:?} is not a planted regression \
                         (unbounded-channel, leak-16, double-queues, double-buffer)"
                    ))
                }
            })
        }

        /// A parallel queue capacity asked for `cap`.
        pub fn queue(self, cap: usize) -> usize {
            if self == Plant::DoubleQueues {
                2 * cap
            } else {
                cap
            }
        }

        /// Bytes of the getdents per-directory buffer asked for `size`.
        pub fn dir_buffer(self, size: usize) -> usize {
            if self == Plant::DoubleBuffer {
                2 * size
            } else {
                size
            }
        }

        /// Bytes leaked per media entry.
        pub fn leak_per_entry(self) -> usize {
            if self == Plant::Leak16 {
                16
            } else {
                0
            }
        }

        /// Capacity of a result channel asked for `cap` (`None`: unbounded).
        pub fn channel_capacity(self, cap: usize) -> Option<usize> {
            match self {
                Plant::UnboundedChannel => None,
                p => Some(p.queue(cap)),
            }
        }
    }

    /// The plant of this process (`ANIVAULT_PLANT`, read once). An unknown
    /// value prints why and aborts the process.
    pub fn current() -> Plant {
        static PLANT: OnceLock<Plant> = OnceLock::new();
        *PLANT.get_or_init(|| {
            let value = std::env::var_os("ANIVAULT_PLANT");
            let text = value.as_ref().map(|v| v.to_string_lossy());
            match Plant::parse(text.as_deref()) {
                Ok(p) => p,
                Err(why) => {
                    eprintln!("anivault-scanner (planted-regressions build): {why}");
                    std::process::abort();
                }
            }
        })
    }

    /// A parallel queue capacity asked for `cap`, as planted.
    pub fn queue(cap: usize) -> usize {
        current().queue(cap)
    }

    /// The getdents buffer size asked for `size`, as planted.
    pub fn dir_buffer(size: usize) -> usize {
        current().dir_buffer(size)
    }

    /// A result channel of `cap` messages, as planted.
    #[cfg(batch_stream)]
    pub fn channel<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
        match current().channel_capacity(cap) {
            Some(c) => crossbeam_channel::bounded(c),
            None => crossbeam_channel::unbounded(),
        }
    }

    /// Called once per media entry made: leaks 16 bytes under `leak-16`.
    #[inline(never)]
    pub fn on_media_entry() {
        if current() == Plant::Leak16 {
            // A real 16-byte heap block, never freed: `black_box` makes the
            // pointer escape so the optimiser cannot drop the allocation.
            let leaked: &'static mut [u8; 16] = Box::leak(Box::new([0xA5; 16]));
            std::hint::black_box(leaked);
            LEAKED.fetch_add(16, Ordering::Relaxed);
        }
    }

    /// Reads and checks `ANIVAULT_PLANT` (aborts on an unknown value).
    pub fn check() {
        let _ = current();
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_plant_has_its_effect_and_none_is_production() {
            let prod = Plant::parse(None).unwrap();
            assert_eq!(prod, Plant::parse(Some("")).unwrap());
            assert_eq!(prod.queue(4), 4);
            assert_eq!(prod.dir_buffer(16384), 16384);
            assert_eq!(prod.leak_per_entry(), 0);
            assert_eq!(prod.channel_capacity(4), Some(4));

            let p = Plant::parse(Some("unbounded-channel")).unwrap();
            assert_eq!(p.channel_capacity(4), None);
            assert_eq!((p.queue(4), p.dir_buffer(16384)), (4, 16384));

            let p = Plant::parse(Some("leak-16")).unwrap();
            assert_eq!(p.leak_per_entry(), 16);
            assert_eq!(p.channel_capacity(4), Some(4));

            let p = Plant::parse(Some("double-queues")).unwrap();
            assert_eq!(p.queue(4), 8);
            assert_eq!(p.channel_capacity(4), Some(8));
            assert_eq!(p.dir_buffer(16384), 16384);

            let p = Plant::parse(Some("double-buffer")).unwrap();
            assert_eq!(p.dir_buffer(16384), 32768);
            assert_eq!((p.queue(4), p.channel_capacity(4)), (4, Some(4)));

            for typo in ["leak16", "Leak-16", " double-queues", "unbounded"] {
                assert!(Plant::parse(Some(typo)).is_err(), "{typo}");
            }
        }
    }
}

#[cfg(not(feature = "planted-regressions"))]
pub(crate) use imp::*;
#[cfg(feature = "planted-regressions")]
pub use imp::*;
