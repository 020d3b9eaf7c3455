//! The nexo Terminal API listener (Adyen's "local" dialect): HTTPS POSTs of `SaleToPOIRequest`s
//! on port 8443, mapped onto the same core, journal and screens as Countertop's own protocol,
//! through the same `PosCommand`s the link uses. Off unless `[nexo] enabled = true`.
//! Messages and fields: docs/nexo.md.

mod clock;
pub mod http;
mod service;
mod services_file;
pub mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use countertop_core::TipOptions;
use countertop_core::nexo::{KeyRing, NonceCache, ServiceLedger};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_rustls::TlsAcceptor;

use crate::adapters::store::StoreError;
use crate::messages::PosCommand;

/// Adyen's clients add `:8443/nexo/` to the terminal's address; the port is not theirs to change.
pub const NEXO_PORT: u16 = 8443;
/// Connections served at once; more wait in the kernel's backlog. A payment holds its
/// connection until the shopper is done, so this is also how many POS can wait on one.
const MAX_CONNECTIONS: usize = 8;
/// TLS handshake, reading the request, writing the answer: each has this long.
const IO_DEADLINE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum NexoError {
    #[error("the nexo listener could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the [nexo] configuration is not usable: {0}")]
    Config(String),
    #[error("could not create the nexo listener's TLS certificate: {0}")]
    Certificate(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct NexoSettings {
    pub listen: SocketAddr,
    /// The terminal's POIID (its certificate's name; requests for another POIID are refused).
    pub poi_id: String,
    /// `None` when no passphrase is set: then only unencrypted requests, if allowed.
    pub keys: Option<KeyRing>,
    /// Adyen's "unencrypted local API" (test set-ups only).
    pub allow_unencrypted: bool,
    /// Offered when a payment asks `tenderOption=AskGratuity`.
    pub gratuity: TipOptions,
    /// How long a payment request waits for its outcome: longer than the terminal's own
    /// tip, card and processing timeouts together, which end every payment first.
    pub payment_deadline: Duration,
    pub state_dir: PathBuf,
}

pub struct NexoHandle {
    pub port: u16,
    /// The root certificate to give the POS (its `certificatePath`).
    pub ca_file: PathBuf,
}

pub(crate) struct Shared {
    settings: NexoSettings,
    commands: mpsc::Sender<PosCommand>,
    nonces: Mutex<NonceCache>,
    ledger: Mutex<ServiceLedger>,
    services: Mutex<services_file::ServicesFile>,
}

/// Binds the listener and serves it until `shutdown`.
pub async fn run_nexo(
    settings: NexoSettings,
    commands: mpsc::Sender<PosCommand>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<NexoHandle, NexoError> {
    let (config, ca_file) = tls::server_config(&settings.state_dir, &settings.poi_id)?;
    let (services, ledger) =
        services_file::ServicesFile::open(&settings.state_dir.join("nexo-services.jsonl"))?;
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|source| NexoError::Bind {
            addr: settings.listen,
            source,
        })?;
    let port = listener
        .local_addr()
        .map_err(|source| NexoError::Bind {
            addr: settings.listen,
            source,
        })?
        .port();
    tracing::info!(
        port,
        poi_id = %settings.poi_id,
        encrypted = settings.keys.is_some(),
        unencrypted_allowed = settings.allow_unencrypted,
        "nexo Terminal API listening"
    );
    let shared = Arc::new(Shared {
        settings,
        commands,
        nonces: Mutex::new(NonceCache::default()),
        ledger: Mutex::new(ledger),
        services: Mutex::new(services),
    });
    let acceptor = TlsAcceptor::from(config);
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::spawn(async move {
        loop {
            let permit = tokio::select! {
                permit = permits.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
                _ = shutdown.changed() => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        tracing::warn!(%error, "nexo accept failed");
                        continue;
                    }
                },
                _ = shutdown.changed() => break,
            };
            let shared = shared.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                connection(shared, acceptor, stream, peer).await;
                drop(permit);
            });
        }
    });
    Ok(NexoHandle { port, ca_file })
}

async fn connection(
    shared: Arc<Shared>,
    acceptor: TlsAcceptor,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
) {
    let mut tls = match tokio::time::timeout(IO_DEADLINE, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(error)) => {
            tracing::info!(%peer, %error, "nexo TLS handshake failed");
            return;
        }
        Err(_) => {
            tracing::info!(%peer, "nexo TLS handshake timed out");
            return;
        }
    };
    let max = countertop_core::nexo::secure::MAX_BODY_BYTES;
    let request = match tokio::time::timeout(IO_DEADLINE, http::read_request(&mut tls, max)).await {
        Ok(Ok(request)) => request,
        Ok(Err(error)) => {
            tracing::info!(%peer, %error, "nexo request refused");
            let status = match error {
                http::HttpError::TooLarge => (413, "Payload Too Large"),
                _ => (400, "Bad Request"),
            };
            let _ = tls
                .write_all(&http::response(status.0, status.1, b""))
                .await;
            let _ = tls.shutdown().await;
            return;
        }
        Err(_) => {
            tracing::info!(%peer, "nexo request not received in time");
            return;
        }
    };
    let answer = if request.method != "POST" {
        http::response(405, "Method Not Allowed", b"")
    } else if request.path.trim_end_matches('/') != "/nexo" {
        http::response(404, "Not Found", b"")
    } else {
        service::handle(&shared, &request.body, peer).await
    };
    let written = tokio::time::timeout(IO_DEADLINE, async {
        tls.write_all(&answer).await?;
        tls.shutdown().await
    })
    .await;
    if !matches!(written, Ok(Ok(()))) {
        // The POS went away (a dropped connection): its payment went on regardless, and a
        // TransactionStatusRequest tells it the outcome.
        tracing::info!(%peer, "nexo answer could not be delivered");
    }
}
