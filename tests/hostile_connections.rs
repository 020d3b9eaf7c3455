//! Hundreds of hostile connections against the real binary: frames announced far above the
//! limit, frames just under it left unfinished, TLS handshakes that stop half-way, idle
//! sockets. The terminal's memory grows by less than 16 MiB and the paired POS, already
//! connected, is still answered at once.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use countertop::adapters::link::pinned_client_config;
use countertop::pos::PosClient;
use countertop_core::pairing::PairingUri;
use countertop_core::protocol::{ClientMessage, MAX_MESSAGE_BYTES, ServerMessage};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

struct Terminal {
    child: Child,
    port: u16,
    uri: String,
    _dir: TempDir,
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn spawn() -> Terminal {
    let dir = std::env::temp_dir().join(format!("countertop-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_countertop"))
        .args([
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--health-listen",
            "127.0.0.1:0",
            "--advertise",
            "127.0.0.1",
            "--no-discovery",
        ])
        .arg("--state-dir")
        .arg(&dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start countertop");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut uri, mut port) = (None, 0);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(payload) = line.strip_prefix("pairing-uri: ") {
            uri = Some(payload.to_owned());
        }
        if let Some(rest) = line.strip_prefix("listening: pairing_port=") {
            port = rest
                .split_whitespace()
                .next()
                .and_then(|p| p.parse().ok())
                .expect("port");
        }
        if port != 0 && uri.is_some() {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Terminal {
        child,
        port,
        uri: uri.expect("pairing payload"),
        _dir: TempDir(dir),
    }
}

fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

/// TLS (pinned) and a WebSocket upgrade written by hand, then the header of a masked text
/// frame announcing `announced` bytes and `sent` bytes of its payload, then nothing.
async fn partial_frame(
    addr: SocketAddr,
    fingerprint: [u8; 32],
    announced: u64,
    sent: usize,
    upgraded: Arc<AtomicUsize>,
    mut release: watch::Receiver<bool>,
) {
    let attempt = async {
        let tcp = TcpStream::connect(addr).await.ok()?;
        let config = pinned_client_config(fingerprint).ok()?;
        let mut tls = tokio_rustls::TlsConnector::from(config)
            .connect(ServerName::IpAddress(addr.ip().into()), tcp)
            .await
            .ok()?;
        tls.write_all(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .await
        .ok()?;
        let mut response = Vec::new();
        let mut byte = [0u8; 1];
        while !response.ends_with(b"\r\n\r\n") {
            if tls.read(&mut byte).await.ok()? == 0 {
                return None;
            }
            response.push(byte[0]);
        }
        if !response.starts_with(b"HTTP/1.1 101") {
            return None;
        }
        upgraded.fetch_add(1, Ordering::Relaxed);
        let mut frame = vec![0x81, 0x80 | 127];
        frame.extend_from_slice(&announced.to_be_bytes());
        frame.extend_from_slice(&[1, 2, 3, 4]);
        frame.resize(frame.len() + sent, b'a');
        tls.write_all(&frame).await.ok()?;
        Some(tls)
    };
    let held = tokio::time::timeout(Duration::from_secs(5), attempt)
        .await
        .ok()
        .flatten();
    let _ = release.changed().await;
    drop(held);
}

/// A TLS record header and the first bytes of a ClientHello, then silence.
async fn slow_handshake(addr: SocketAddr, mut release: watch::Receiver<bool>) {
    let held = match TcpStream::connect(addr).await {
        Ok(mut tcp) => {
            let _ = tcp
                .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00])
                .await;
            Some(tcp)
        }
        Err(_) => None,
    };
    let _ = release.changed().await;
    drop(held);
}

async fn idle(addr: SocketAddr, mut release: watch::Receiver<bool>) {
    let held = TcpStream::connect(addr).await.ok();
    let _ = release.changed().await;
    drop(held);
}

async fn round_trip(pos: &mut PosClient) -> Duration {
    let start = Instant::now();
    let answer = pos.request(ClientMessage::Ping).await.unwrap();
    assert_eq!(answer, ServerMessage::Pong);
    start.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_hostile_connections_cost_little_memory_and_the_pos_is_still_served() {
    let terminal = spawn();
    let pid = terminal.child.id();
    let uri = PairingUri::parse(&terminal.uri).unwrap();
    let (mut pos, _credentials) = PosClient::pair(&uri, "S-1", "L-1", "Till 1").await.unwrap();
    round_trip(&mut pos).await;
    let addr = SocketAddr::from(([127, 0, 0, 1], terminal.port));
    let fingerprint = uri.fingerprint;
    let before = resident_kib(pid);

    let (release_tx, release) = watch::channel(false);
    let upgraded = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for n in 0..300 {
        let release = release.clone();
        tasks.push(match n % 4 {
            // Announces 4 MiB: refused from the header on.
            0 => tokio::spawn(partial_frame(
                addr,
                fingerprint,
                4 * MAX_MESSAGE_BYTES as u64,
                64 * 1024,
                upgraded.clone(),
                release,
            )),
            // Announces just under 1 MiB and sends nearly all of it: buffered until the
            // deadline, so only the few unauthenticated places bound the total.
            1 => tokio::spawn(partial_frame(
                addr,
                fingerprint,
                MAX_MESSAGE_BYTES as u64 - 64,
                MAX_MESSAGE_BYTES - 4096,
                upgraded.clone(),
                release,
            )),
            2 => tokio::spawn(slow_handshake(addr, release)),
            _ => tokio::spawn(idle(addr, release)),
        });
        if n % 20 == 19 {
            // Let the terminal take the connections in (and the POS be served meanwhile).
            tokio::time::sleep(Duration::from_millis(20)).await;
            let rtt = round_trip(&mut pos).await;
            assert!(
                rtt < Duration::from_secs(1),
                "ping took {rtt:?} under attack"
            );
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during = resident_kib(pid);
    let rtt = round_trip(&mut pos).await;
    assert!(
        rtt < Duration::from_millis(500),
        "ping took {rtt:?} with the hostile connections held"
    );
    pos.request(ClientMessage::CartClear).await.unwrap();
    let grown_mib = during.saturating_sub(before) as f64 / 1024.0;
    eprintln!(
        "resident memory {before} KiB before, {during} KiB under attack (+{grown_mib:.1} MiB); \
         {} hostile WebSocket upgrades got through; ping {rtt:?}",
        upgraded.load(Ordering::Relaxed)
    );
    assert!(
        grown_mib < 16.0,
        "the terminal's memory grew by {grown_mib:.1} MiB under 300 hostile connections"
    );

    let _ = release_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    // Once they are gone the POS is still the paired, authenticated one.
    round_trip(&mut pos).await;
}
