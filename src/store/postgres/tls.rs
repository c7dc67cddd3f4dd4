//! TLS to the PostgreSQL server, with libpq's `sslmode` meanings (rustls; no OpenSSL):
//!
//! - `disable`: plain TCP;
//! - `prefer` (the default, as libpq's) and `require`: encrypted when the server
//!   offers it (`require`: or fail), the certificate not verified — libpq's own
//!   meaning of these modes;
//! - `verify-ca` / `verify-full`: the certificate verified against `sslrootcert`
//!   (a PEM file) or else the Mozilla roots (`webpki-roots`), and the host name
//!   checked (both modes check it here: stricter than libpq's `verify-ca`).
//!
//! The client library parses `disable`, `prefer` and `require` only, so the
//! verifying modes and `sslrootcert` are taken out of the URL here first.

use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

/// What the URL asks of TLS.
pub(super) struct Tls {
    /// The URL as the client library reads it.
    pub url: String,
    pub verify: bool,
    pub root_cert: Option<String>,
}

/// Takes `sslmode=verify-ca|verify-full` and `sslrootcert=…` out of a URL's query.
pub(super) fn parse(url: &str) -> Tls {
    let Some((base, query)) = url.split_once('?') else {
        return Tls { url: url.to_string(), verify: false, root_cert: None };
    };
    let (mut verify, mut root_cert, mut kept) = (false, None, Vec::new());
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("sslmode", "verify-ca" | "verify-full")) => {
                verify = true;
                kept.push("sslmode=require".to_string());
            }
            Some(("sslrootcert", path)) => root_cert = Some(path.to_string()),
            _ => kept.push(pair.to_string()),
        }
    }
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Tls { url, verify, root_cert }
}

/// The connector for `tls`.
pub(super) fn connector(tls: &Tls) -> Result<MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("TLS setup: {e}"))?;
    let config = if tls.verify {
        let mut roots = rustls::RootCertStore::empty();
        match &tls.root_cert {
            Some(path) => {
                let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                    .with_context(|| format!("cannot read sslrootcert {path}"))?
                    .collect::<Result<_, _>>()
                    .with_context(|| format!("sslrootcert {path} is not a PEM certificate file"))?;
                if certs.is_empty() {
                    bail!("sslrootcert {path} holds no certificate");
                }
                for c in certs {
                    roots
                        .add(c)
                        .with_context(|| format!("sslrootcert {path}: a certificate is not usable"))?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
            .with_no_client_auth()
    };
    Ok(MakeRustlsConnect::new(config))
}

/// libpq's `require`: the channel is encrypted and the handshake signed by the key
/// of the certificate shown, but the certificate itself is not checked.
#[derive(Debug)]
struct Unverified(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifying_modes_and_root_cert_are_taken_out_of_the_url() {
        let t = parse("postgresql://u@h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=x");
        assert_eq!(t.url, "postgresql://u@h/db?sslmode=require&application_name=x");
        assert!(t.verify);
        assert_eq!(t.root_cert.as_deref(), Some("/etc/ca.pem"));
        let t = parse("postgresql://u@h/db?sslmode=disable");
        assert_eq!((t.url.as_str(), t.verify), ("postgresql://u@h/db?sslmode=disable", false));
        assert_eq!(parse("postgresql://u@h/db").url, "postgresql://u@h/db");
    }
}
