//! In-process servers on 127.0.0.1:0 that speak the real protocols the providers use, and
//! helpers to lay out a temporary home directory.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod fake_sts;
pub mod metadata;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: http::Method,
    pub uri: http::Uri,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The request as an `http::Request`, for `sigv4x::Verifier`.
    pub fn to_request(&self) -> http::Request<Bytes> {
        let mut request = http::Request::builder()
            .method(self.method.clone())
            .uri(self.uri.clone())
            .body(self.body.clone())
            .unwrap();
        *request.headers_mut() = self.headers.clone();
        request
    }
}

/// An answer: status, headers, body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Answer {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Answer {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

type Handler = Arc<dyn Fn(&Recorded) -> Option<Answer> + Send + Sync>;

/// A server answering with `handler`; `None` from the handler means "never answer" (a
/// black hole, like IMDS off EC2). It records every request.
pub struct Server {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn start(
        handler: impl Fn(&Recorded) -> Option<Answer> + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: http::Request<Incoming>| {
                        let handler = handler.clone();
                        let log = log.clone();
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let recorded = Recorded {
                                method: parts.method,
                                uri: parts.uri,
                                headers: parts.headers,
                                body,
                            };
                            log.lock().unwrap().push(recorded.clone());
                            let answer = match handler(&recorded) {
                                Some(answer) => answer,
                                None => {
                                    tokio::time::sleep(Duration::from_secs(3600)).await;
                                    Answer::new(500, "")
                                }
                            };
                            let mut response = http::Response::builder().status(answer.status);
                            for (name, value) in answer.headers {
                                response = response.header(name, value);
                            }
                            Ok::<_, Infallible>(
                                response.body(Full::new(Bytes::from(answer.body))).unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Server {
            addr,
            requests,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A temporary home directory with `~/.aws/`.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        Home { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `~/.aws/config`.
    pub fn config(&self, text: &str) -> PathBuf {
        self.write(".aws/config", text)
    }

    /// Writes `~/.aws/credentials`.
    pub fn credentials(&self, text: &str) -> PathBuf {
        self.write(".aws/credentials", text)
    }

    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// An executable shell script.
    #[cfg(unix)]
    pub fn script(&self, relative: &str, text: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.write(relative, text);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// `HOME` plus `pairs`, and nothing else from the process environment.
    pub fn env(&self, pairs: &[(&str, &str)]) -> sigv4x_credentials::Env {
        let mut all: Vec<(String, String)> =
            vec![("HOME".into(), self.path().display().to_string())];
        all.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        sigv4x_credentials::Env::from_pairs(all)
    }
}

/// RFC 3339 for `t` (UTC, whole seconds).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let odt = time::OffsetDateTime::from_unix_timestamp(secs as i64).unwrap();
    odt.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Everything in `haystack` that must never leak: checks `Debug` and `Display`.
pub fn assert_no_secret(shown: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !shown.contains(secret),
            "secret {secret:?} leaked into: {shown}"
        );
    }
}
