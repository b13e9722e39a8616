//! Sending one request over HTTP/1.1, plain or over rustls, with curl's error numbers.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::error::CliError;
use crate::request::{RequestSpec, Scheme};

/// How to reach the server and trust it.
#[derive(Debug, Default)]
pub struct Options {
    /// CA certificates (PEM) to trust instead of the system's.
    pub cacert: Option<std::path::PathBuf>,
    /// Trust any certificate.
    pub insecure: bool,
    /// `HOST:PORT:ADDR` overrides of name resolution.
    pub resolve: Vec<String>,
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Sends `spec` (already signed) and returns the response, its body not yet read.
///
/// # Errors
/// curl's numbered errors: 6 (resolve), 7 (connect), 35 (TLS), 60 (certificate), 56
/// (receive); a usage error for a bad `--resolve` or `--cacert`.
pub async fn send(
    spec: &RequestSpec,
    options: &Options,
) -> Result<http::Response<Incoming>, CliError> {
    let host = spec.host.trim_start_matches('[').trim_end_matches(']');
    let tcp = connect(host, spec.port, &options.resolve).await?;
    let _ = tcp.set_nodelay(true);
    let stream: Box<dyn Stream> = match spec.scheme {
        Scheme::Http => Box::new(tcp),
        Scheme::Https => Box::new(tls(tcp, host, options).await?),
    };
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| {
            CliError::curl(
                56,
                format!("Failure when receiving data from the peer: {e}"),
            )
        })?;
    tokio::spawn(async move {
        let _ = connection.await;
    });

    let mut builder = http::Request::builder()
        .method(spec.method.as_str())
        .uri(spec.target());
    for (name, value) in &spec.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let request = builder
        .body(Full::new(Bytes::from(spec.body.clone())))
        .map_err(|e| CliError::usage(format!("the request cannot be sent: {e}")))?;
    sender.send_request(request).await.map_err(|e| {
        if e.is_incomplete_message() {
            CliError::curl(52, "Empty reply from server")
        } else {
            CliError::curl(
                56,
                format!("Failure when receiving data from the peer: {e}"),
            )
        }
    })
}

async fn connect(host: &str, port: u16, resolve: &[String]) -> Result<TcpStream, CliError> {
    let addresses: Vec<SocketAddr> = match resolved(host, port, resolve)? {
        Some(address) => vec![address],
        None => tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| CliError::curl(6, format!("Could not resolve host: {host}")))?
            .collect(),
    };
    let mut last = None;
    for address in &addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    let why = last.map_or_else(|| "no address".to_owned(), |e| e.to_string());
    Err(CliError::curl(
        7,
        format!("Failed to connect to {host} port {port}: {why}"),
    ))
}

/// The `--resolve` entry for `host:port`, as curl reads them (`HOST:PORT:ADDR`).
fn resolved(host: &str, port: u16, resolve: &[String]) -> Result<Option<SocketAddr>, CliError> {
    for entry in resolve {
        let mut parts = entry.splitn(3, ':');
        let (Some(h), Some(p), Some(a)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CliError::usage(format!(
                "--resolve `{entry}` is not HOST:PORT:ADDRESS"
            )));
        };
        let p: u16 = p
            .parse()
            .map_err(|_| CliError::usage(format!("--resolve `{entry}`: bad port")))?;
        let a = a.trim_start_matches('[').trim_end_matches(']');
        let ip: std::net::IpAddr = a.parse().map_err(|_| {
            CliError::usage(format!("--resolve `{entry}`: `{a}` is not an IP address"))
        })?;
        if h.eq_ignore_ascii_case(host) && p == port {
            return Ok(Some(SocketAddr::new(ip, p)));
        }
    }
    Ok(None)
}

async fn tls(
    tcp: TcpStream,
    host: &str,
    options: &Options,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, CliError> {
    let config = client_config(options)?;
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| CliError::usage(format!("`{host}` is not a valid TLS server name")))?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| {
            let certificate = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .is_some_and(|r| matches!(r, rustls::Error::InvalidCertificate(_)));
            if certificate {
                CliError::curl(60, format!("SSL certificate problem: {e}"))
            } else {
                CliError::curl(35, format!("TLS connect error: {e}"))
            }
        })
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn client_config(options: &Options) -> Result<ClientConfig, CliError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| CliError::runtime(format!("TLS setup: {e}")))?;
    let mut config = if options.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider())))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(roots(options.cacert.as_deref())?)
            .with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The CA certificates of `--cacert` (which replace the system's, as in curl), else the
/// system's.
fn roots(cacert: Option<&Path>) -> Result<RootCertStore, CliError> {
    let mut store = RootCertStore::empty();
    match cacert {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|iter| iter.collect::<Result<_, _>>())
                .map_err(|e| {
                    CliError::curl(77, format!("cannot read CA file `{}`: {e}", path.display()))
                })?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(CliError::curl(
                    77,
                    format!("no CA certificate in `{}`", path.display()),
                ));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
        }
    }
    Ok(store)
}

/// `-k`: accepts any certificate, but still checks that the server holds its key.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
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
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
