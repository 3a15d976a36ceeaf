//! Cfg aliases for the groups of cargo features that share code, so that a
//! file says what a piece serves (`#[cfg(batch_stream)]`) instead of
//! repeating the list of strategies that use it. No dependency.

use std::env;

fn main() {
    let on = |feature: &str| {
        let var = format!("CARGO_FEATURE_{}", feature.to_uppercase().replace('-', "_"));
        env::var_os(var).is_some()
    };
    let linux = env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let (par, rayon, walkers) = (on("getdents-par"), on("rayon"), on("compare-walkers"));
    let getdents = linux && on("getdents");
    let aliases = [
        // The getdents engine (walk/getdents/, floor.rs): Linux only.
        ("getdents_engine", getdents),
        // The bounded batch stream (walk/stream.rs): parallel strategies and the pool.
        ("batch_stream", par || rayon || walkers || on("parse")),
        // The walkers' side of it (Sink, channel) and the parallel queue capacities.
        ("walker_sink", par || rayon || walkers),
        // A walk on a driver thread (spawn_driver), rayon pools, io_copy.
        ("driver_thread", rayon || walkers),
        // The shared ancestor chains of loop detection.
        (
            "ancestor_chain",
            rayon || on("eager") || walkers || getdents,
        ),
        // The read_dir strategies' classification (rayon, eager).
        ("read_dir_rules", rayon || on("eager")),
    ];
    for (name, enabled) in aliases {
        println!("cargo::rustc-check-cfg=cfg({name})");
        if enabled {
            println!("cargo::rustc-cfg={name}");
        }
    }
    println!("cargo::rerun-if-changed=build.rs");
}
