//! Reference POS client: pair with a terminal from its QR payload (or a screenshot of it), send
//! carts, take payments, cancel, ask for a payment's status.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use countertop::demo::{demo_items, demo_tip_options};
use countertop::pos::{PosClient, PosCredentials, PosError, conformance, discover};
use countertop_core::pairing::PairingUri;
use countertop_core::protocol::{ClientMessage, ErrorCode, ServerMessage};
use countertop_core::{Currency, Language, Money, PaymentId, PaymentRequest, ReceiptUrl};

#[derive(Parser)]
#[command(version, about = "Reference POS client for Countertop terminals")]
struct Cli {
    /// Where the pairing credentials are kept.
    #[arg(long, default_value = "countertop-pos.json")]
    credentials: PathBuf,
    /// Where to ask for the terminal when it is not at its last known address (its discovery
    /// port on the shop's broadcast address).
    #[arg(long, default_value = "255.255.255.255:27000")]
    discover_to: std::net::SocketAddr,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Pair using the QR payload text or a PNG screenshot of the pairing screen.
    Pair {
        #[arg(long, conflicts_with = "qr_png")]
        uri: Option<String>,
        #[arg(long)]
        qr_png: Option<PathBuf>,
        #[arg(long, default_value = "S-1")]
        store: String,
        #[arg(long, default_value = "L-1")]
        location: String,
        #[arg(long, default_value = "Till 1")]
        name: String,
    },
    /// Send the demo café cart.
    Cart {
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// The prices include tax (VAT/GST), as shops price in the EU, the UK, Sweden,
        /// Australia or China; without it tax is added on top (the protocol's default).
        #[arg(long)]
        prices_include_tax: bool,
    },
    /// Clear the cart.
    Clear,
    /// Ask for a payment and wait for its result.
    Pay {
        #[arg(long)]
        id: String,
        /// Amount in minor units (cents).
        #[arg(long)]
        amount: i64,
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// Offer 10 / 15 / 20 % tips, another amount and the total including the tip.
        #[arg(long)]
        tip: bool,
        /// The shopper's language for this payment (en, nl, sv, zh-TW, zh-CN); the terminal's
        /// default otherwise.
        #[arg(long)]
        language: Option<Language>,
        /// Once approved, show the shopper this digital receipt as a QR (`receipt.show`).
        #[arg(long)]
        receipt_url: Option<String>,
    },
    /// Show the shopper the digital receipt of a payment just approved, as a QR.
    Receipt {
        #[arg(long)]
        id: String,
        #[arg(long)]
        url: String,
    },
    Cancel {
        #[arg(long)]
        id: String,
    },
    Status {
        #[arg(long)]
        id: String,
    },
    /// Run the protocol's conformance scenarios against an unpaired terminal (it gets paired
    /// on the way): one PASS or FAIL line per scenario; exits non-zero on any failure.
    Conformance {
        /// The pairing QR payload the terminal shows.
        #[arg(long)]
        uri: String,
        #[arg(long, default_value = "S-1")]
        store: String,
        #[arg(long, default_value = "L-1")]
        location: String,
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// An amount the terminal accepts, in minor units.
        #[arg(long, default_value_t = 250)]
        amount: i64,
        /// How long one payment may take to reach its outcome, in seconds.
        #[arg(long, default_value_t = 60)]
        payment_timeout_s: u64,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Conformance {
            uri,
            store,
            location,
            currency,
            amount,
            payment_timeout_s,
        } => {
            let target = conformance::Target {
                uri: PairingUri::parse(uri.trim())?,
                store,
                location,
                currency: Currency::from_code(&currency)?,
                amount_minor: amount,
                payment_timeout: Duration::from_secs(payment_timeout_s),
            };
            let verdicts = conformance::run(target, |verdict| println!("{verdict}")).await;
            let failed = verdicts.iter().filter(|v| v.failure.is_some()).count();
            println!(
                "{} scenarios, {} passed, {failed} failed",
                verdicts.len(),
                verdicts.len() - failed
            );
            if failed > 0 {
                std::process::exit(1);
            }
        }
        Command::Pair {
            uri,
            qr_png,
            store,
            location,
            name,
        } => {
            let payload = match (uri, qr_png) {
                (Some(uri), _) => uri,
                (None, Some(png)) => decode_qr(&png)?,
                (None, None) => bail!("give --uri or --qr-png"),
            };
            let uri = PairingUri::parse(payload.trim())?;
            let (client, credentials) = PosClient::pair(&uri, &store, &location, &name).await?;
            credentials.save(&cli.credentials)?;
            println!(
                "paired with {} as {}",
                credentials.terminal_id, credentials.pos_id
            );
            client.close().await;
        }
        command => {
            let mut credentials = PosCredentials::load(&cli.credentials)?;
            let mut client = match PosClient::resume(&credentials).await {
                Ok(client) => client,
                Err(e @ PosError::Refused { .. }) => return Err(e.into()),
                Err(unreachable) => {
                    // The terminal may have moved (cable pulled, new DHCP lease): ask where it
                    // is now, keep the answer, and connect there. Pairing stays as it was.
                    let found = discover(&credentials, cli.discover_to, Duration::from_secs(5))
                        .await
                        .with_context(|| format!("the terminal is not at its last address ({unreachable}) and did not answer discovery"))?;
                    if found.fingerprint != credentials.fingerprint_bytes()?
                        || found.terminal_id != credentials.terminal_id
                    {
                        bail!(
                            "a terminal answered discovery with another identity; not connecting"
                        );
                    }
                    println!("terminal found at {:?} port {}", found.ips, found.port);
                    credentials.ips = found.ips;
                    credentials.port = found.port;
                    credentials.save(&cli.credentials)?;
                    PosClient::resume_with_backoff(&credentials, Duration::from_secs(30)).await?
                }
            };
            run(&mut client, command).await?;
            client.close().await;
        }
    }
    Ok(())
}

async fn run(client: &mut PosClient, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Pair { .. } | Command::Conformance { .. } => {
            bail!("pair and conformance make their own connections")
        }
        Command::Cart {
            currency,
            prices_include_tax,
        } => {
            let currency = Currency::from_code(&currency)?;
            client
                .request(ClientMessage::CartSet {
                    currency,
                    lines: demo_items(currency),
                    prices_include_tax,
                })
                .await?;
            println!("cart sent");
        }
        Command::Clear => {
            client.request(ClientMessage::CartClear).await?;
            println!("cart cleared");
        }
        Command::Pay {
            id,
            amount,
            currency,
            tip,
            language,
            receipt_url,
        } => {
            // Checked before anything is sent, so a typo does not leave a payment without it.
            let receipt_url = receipt_url
                .map(ReceiptUrl::new)
                .transpose()
                .context("--receipt-url")?;
            let payment = PaymentRequest {
                id: PaymentId::new(id)?,
                amount: Money::new(amount, Currency::from_code(&currency)?),
                tip: tip.then(demo_tip_options),
                method: Default::default(),
                language,
            };
            let payment_id = payment.id.clone();
            client
                .request(ClientMessage::PaymentRequest { payment })
                .await?;
            loop {
                match client.next_push(Duration::from_secs(300)).await? {
                    ServerMessage::PaymentResult {
                        payment_id: got,
                        outcome,
                    } if got == payment_id => {
                        println!("{}", serde_json::to_string_pretty(&outcome)?);
                        if let Some(url) = receipt_url.filter(|_| outcome.is_approved()) {
                            show_receipt(client, payment_id, url).await?;
                        }
                        break;
                    }
                    _ => continue,
                }
            }
        }
        Command::Receipt { id, url } => {
            let url = ReceiptUrl::new(url).context("--url")?;
            show_receipt(client, PaymentId::new(id)?, url).await?;
        }
        Command::Cancel { id } => {
            let answer = client
                .request(ClientMessage::PaymentCancel {
                    payment_id: PaymentId::new(&id)?,
                })
                .await;
            match answer {
                Ok(_) => println!("cancel sent"),
                // Too late: the payment has its outcome, which the terminal sends along.
                Err(PosError::Refused {
                    code: ErrorCode::AlreadyFinished,
                    outcome: Some(outcome),
                    ..
                }) => {
                    println!("{}", serde_json::to_string_pretty(&outcome)?);
                    bail!("payment {id} had already finished; nothing was cancelled");
                }
                Err(error) => return Err(error.into()),
            }
        }
        Command::Status { id } => {
            let answer = client
                .request(ClientMessage::PaymentStatus {
                    payment_id: PaymentId::new(id)?,
                })
                .await?;
            if let ServerMessage::PaymentStatus { state, .. } = answer {
                println!("{}", serde_json::to_string_pretty(&state)?);
            }
        }
    }
    Ok(())
}

async fn show_receipt(
    client: &mut PosClient,
    payment_id: PaymentId,
    receipt_url: ReceiptUrl,
) -> anyhow::Result<()> {
    client
        .request(ClientMessage::ReceiptShow {
            payment_id,
            receipt_url,
        })
        .await?;
    println!("receipt shown");
    Ok(())
}

fn decode_qr(png: &std::path::Path) -> anyhow::Result<String> {
    let image = image::open(png)
        .with_context(|| format!("could not open {}", png.display()))?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grid = prepared
        .detect_grids()
        .into_iter()
        .next()
        .context("no QR code in the picture")?;
    let (_, payload) = grid.decode().context("the QR code could not be read")?;
    Ok(payload)
}
