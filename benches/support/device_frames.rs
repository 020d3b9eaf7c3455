//! The kiosk bench's in-process measurements (peak RSS with the 1,000-line cart, cart update and
//! full-screen change to frame) as a program of its own, so `cargo bench`
//! can build it exactly like the device binary (`--profile device --no-default-features
//! --features device`) and report the device build's frame figures. A bin, not an example:
//! examples pull in the dev-dependencies, whose features would change the dependency build.
//! Only built with the `device` feature; the Yocto recipe builds and installs `countertop` alone.
//!
//! `countertop-device-frames [UPDATES [CHANGES]]`: fewer cart updates and screen changes than
//! the bench's 2,000 and 100 rounds, for `scripts/code-order`, which runs it under callgrind.

#[path = "frames.rs"]
mod frames;

fn main() {
    let mut counts = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let updates = counts.next().and_then(Result::ok).unwrap_or(2_000);
    let changes = counts.next().and_then(Result::ok).unwrap_or(100);
    let (screen, window) = frames::headless();
    println!("{}", frames::peak_rss_with_cart(&screen, &window, 1_000));
    println!(
        "{}",
        frames::update_latency(&screen, &window, 1_000, updates)
    );
    println!("{}", frames::transition_latency(&screen, &window, changes));
}
