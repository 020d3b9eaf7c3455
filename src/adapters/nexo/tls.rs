//! The nexo listener's certificates, separate from the POS link's pinned one (whose pinning is
//! untouched). Adyen's clients check a terminal this way (`@adyen/api-library`,
//! `httpClient/httpURLConnectionClient.ts` and `helpers/checkServerIdentity.ts`): the chain must
//! lead to the CA file the POS was given (`certificatePath`), and instead of a host name the
//! leaf's subject common name must match
//! `^(([a-zA-Z0-9]+-[a-zA-Z0-9]+)|legacy-terminal-certificate)\.(live|test)\.terminal\.adyen\.com$`.
//! So the terminal keeps its own root (`nexo-ca.pem` in the state directory: the file to give
//! the POS) and signs a leaf named `<POIID>.live.terminal.adyen.com` at every start.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::crypto::ring;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::NexoError;
use crate::adapters::store::write_atomically;

pub const CA_FILE: &str = "nexo-ca.pem";
const CA_KEY_FILE: &str = "nexo-ca-key.der";

/// The POIID as it must appear in the certificate: `letters-digits` (the check's first
/// alternative). The terminal id (`CT-0001`) already has that form.
pub fn certificate_name(poi_id: &str) -> Result<String, NexoError> {
    let parts: Vec<&str> = poi_id.split('-').collect();
    let ok = parts.len() == 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !ok {
        return Err(NexoError::Config(format!(
            "the POIID {poi_id:?} must be two groups of letters and digits joined by one '-' (like CT-0001): Adyen's clients check the certificate for that form"
        )));
    }
    Ok(format!("{poi_id}.live.terminal.adyen.com"))
}

fn ca_params() -> Result<CertificateParams, NexoError> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(cert_error)?;
    // Fixed: the leaf's issuer name must equal the stored root's subject at every start.
    params
        .distinguished_name
        .push(DnType::CommonName, "Countertop nexo terminal root");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    Ok(params)
}

fn cert_error(error: rcgen::Error) -> NexoError {
    NexoError::Certificate(error.to_string())
}

/// The root's key, made (with its certificate) on first start.
fn load_or_create_root(dir: &Path) -> Result<KeyPair, NexoError> {
    let key_path = dir.join(CA_KEY_FILE);
    let ca_path = dir.join(CA_FILE);
    if let (Ok(der), true) = (std::fs::read(&key_path), ca_path.exists()) {
        return KeyPair::try_from(der.as_slice()).map_err(cert_error);
    }
    let key = KeyPair::generate().map_err(cert_error)?;
    let cert = ca_params()?.self_signed(&key).map_err(cert_error)?;
    write_atomically(&key_path, &key.serialize_der(), true)?;
    write_atomically(&ca_path, cert.pem().as_bytes(), false)?;
    Ok(key)
}

/// The server configuration: TLS 1.2 and 1.3 (Adyen's clients and older POS stacks), the leaf
/// and the root in the chain.
pub fn server_config(
    dir: &Path,
    poi_id: &str,
) -> Result<(Arc<rustls::ServerConfig>, PathBuf), NexoError> {
    let name = certificate_name(poi_id)?;
    let root_key = load_or_create_root(dir)?;
    let root_pem = std::fs::read_to_string(dir.join(CA_FILE)).map_err(|source| {
        NexoError::Certificate(format!("{}: {source}", dir.join(CA_FILE).display()))
    })?;
    let root_der = rustls::pki_types::pem::PemObject::from_pem_slice(root_pem.as_bytes())
        .map_err(|e: rustls::pki_types::pem::Error| NexoError::Certificate(e.to_string()))?;
    let issuer = Issuer::new(ca_params()?, root_key);
    let leaf_key = KeyPair::generate().map_err(cert_error)?;
    let mut leaf = CertificateParams::new(Vec::<String>::new()).map_err(cert_error)?;
    leaf.distinguished_name.push(DnType::CommonName, name);
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(cert_error)?;
    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone(), root_der];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| NexoError::Certificate(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| NexoError::Certificate(e.to_string()))?;
    Ok((Arc::new(config), dir.join(CA_FILE)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_name_is_what_adyen_clients_accept() {
        assert_eq!(
            certificate_name("CT-0001").unwrap(),
            "CT-0001.live.terminal.adyen.com"
        );
        assert!(certificate_name("CT0001").is_err());
        assert!(certificate_name("CT-00-01").is_err());
        assert!(certificate_name("CT-00.1").is_err());
    }

    #[test]
    fn the_root_is_kept_across_starts() {
        let dir = std::env::temp_dir().join(format!("countertop-nexo-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        server_config(&dir, "CT-0001").unwrap();
        let first = std::fs::read(dir.join(CA_FILE)).unwrap();
        server_config(&dir, "CT-0001").unwrap();
        assert_eq!(std::fs::read(dir.join(CA_FILE)).unwrap(), first);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
