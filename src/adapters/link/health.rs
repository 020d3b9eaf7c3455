//! `GET /health` on port 8080: version, paired or not, uptime. No secrets, no store data.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::server::Context;

const MAX_REQUEST: usize = 8 * 1024;
/// Health checks answered at once; more are closed (a monitor asks now and then, not in bulk).
const MAX_CONCURRENT: usize = 8;

pub(super) async fn serve(
    listener: TcpListener,
    shared: Arc<Context>,
    mut shutdown: watch::Receiver<bool>,
) {
    let places = Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT));
    loop {
        let (mut stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(_) => continue,
            },
            _ = shutdown.changed() => return,
        };
        let Ok(place) = places.clone().try_acquire_owned() else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let _place = place;
            let mut request = Vec::with_capacity(512);
            let mut buf = [0u8; 1024];
            let read = tokio::time::timeout(Duration::from_secs(5), async {
                while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < MAX_REQUEST {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
            })
            .await;
            if read.is_err() {
                return;
            }
            let response = respond(&shared, &request);
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

fn respond(shared: &Context, request: &[u8]) -> String {
    let line = request.split(|b| *b == b'\r').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split(' ');
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "GET" || path != "/health" {
        return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into();
    }
    let (paired, connected) = {
        let status = shared.status.borrow();
        (status.paired_pos.is_some(), status.connected)
    };
    let body = serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "terminal_id": shared.settings.terminal_id,
        "paired": paired,
        "pos_connected": connected,
        "uptime_s": shared.started.elapsed().as_secs(),
    })
    .to_string();
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}
