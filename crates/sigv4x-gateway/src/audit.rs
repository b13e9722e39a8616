//! The audit log: one JSON line per request, like a CloudTrail data event, naming each layer's
//! decision and the statement that decided.

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use serde::Serialize;

use crate::config::AuditConfig;
use crate::error::GatewayError;

/// A step of the gateway, in the order a request meets them: each guarding layer of the
/// private API pattern, with routing before them and the handler after. (Named `Step`, not
/// `Layer`, so as not to shadow `tower::Layer` in code that uses both.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// Finding the API, the stage and the route.
    Route,
    /// SigV4 authentication.
    Authentication,
    /// The VPC endpoint policy.
    EndpointPolicy,
    /// The API's resource policy.
    ResourcePolicy,
    /// The caller's identity policies.
    IdentityPolicy,
    /// The route's canned response or proxy.
    Handler,
}

impl Step {
    /// A short name: `route`, `authentication`, `endpoint policy`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Route => "route",
            Step::Authentication => "authentication",
            Step::EndpointPolicy => "endpoint policy",
            Step::ResourcePolicy => "resource policy",
            Step::IdentityPolicy => "identity policy",
            Step::Handler => "handler",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one layer said about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// It let the request through.
    Allow,
    /// A `Deny` statement applied (policy layers), or the check failed (route, authentication).
    Deny,
    /// A policy layer had no applicable `Allow`.
    NoAllow,
    /// It was not on this request's path.
    NotConsulted,
    /// The handler failed (the proxy target did not answer).
    Error,
}

/// One layer's line in an [`AuditRecord`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StepRecord {
    /// Which layer.
    pub layer: Step,
    /// What it said.
    pub verdict: Verdict,
    /// The policy (or route) it consulted, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The statement that decided: its `Sid`, or `#index` when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// More detail (an error type, the closest statement that missed and why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One request, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditRecord {
    /// When the request arrived (RFC 3339, UTC).
    pub event_time: String,
    /// `x-amzn-RequestId`.
    pub request_id: String,
    /// The listener it arrived on.
    pub listener: String,
    /// The VPC endpoint it came through (`aws:SourceVpce`), if any.
    pub source_vpce: Option<String>,
    /// The client's address.
    pub source_ip: String,
    /// The HTTP method.
    pub method: String,
    /// The path, as sent.
    pub path: String,
    /// The API, when one was found.
    pub api_id: Option<String>,
    /// The stage, when it exists.
    pub stage: Option<String>,
    /// The matched route (`GET /orders/{id}`).
    pub route: Option<String>,
    /// The resource ARN the policies were asked about.
    pub resource_arn: Option<String>,
    /// The access key that signed.
    pub access_key_id: Option<String>,
    /// The caller, when authenticated (an STS session ARN for a role).
    pub principal: Option<String>,
    /// The status sent.
    pub status: u16,
    /// `x-amzn-ErrorType`, for a refusal.
    pub error_type: Option<String>,
    /// The layer whose answer the client got.
    pub decided_by: Step,
    /// Why, in words.
    pub reason: String,
    /// Every layer's verdict, in order.
    pub layers: Vec<StepRecord>,
    /// Time spent in the gateway, in microseconds (a proxy target's time included).
    pub latency_micros: u64,
}

impl AuditRecord {
    /// The record as one line of JSON (no newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"auditError\":\"{e}\"}}"))
    }

    /// Cuts every field a client can make long (the path, and what repeats it: the resource
    /// ARN, the reason, layer details; the method) to `max` bytes.
    fn cap_fields(&mut self, max: usize) {
        for field in [&mut self.path, &mut self.reason, &mut self.method] {
            cap(field, max);
        }
        for field in [&mut self.resource_arn, &mut self.route]
            .into_iter()
            .flatten()
        {
            cap(field, max);
        }
        for layer in &mut self.layers {
            let fields = [&mut layer.detail, &mut layer.policy, &mut layer.statement];
            for field in fields.into_iter().flatten() {
                cap(field, max);
            }
        }
    }

    /// The verdict of `layer`, if it is recorded.
    pub fn layer(&self, layer: Step) -> Option<&StepRecord> {
        self.layers.iter().find(|l| l.layer == layer)
    }
}

/// The gateway's audit log: lines written to stdout or a file by a background thread (so that
/// writing never delays a response), and optionally the most recent records in memory.
///
/// Bounded: at most [`AuditConfig::queue`] lines wait for the writer; when it falls behind (a
/// stdout nobody reads), further lines are dropped and counted ([`AuditLog::dropped`]) and the
/// writer notes `{"auditDropped":N}` once it catches up. Every field a client can make long
/// (path, resource ARN, reason, layer details, method) is cut at
/// [`AuditConfig::max_field_bytes`].
#[derive(Clone)]
pub struct AuditLog {
    inner: Arc<Inner>,
}

struct Inner {
    memory: Mutex<VecDeque<AuditRecord>>,
    capacity: usize,
    max_field: usize,
    writer: Mutex<Option<Writer>>,
    /// Lines dropped since the start.
    dropped: AtomicU64,
    /// Lines dropped and not yet noted in the output.
    unreported: Arc<AtomicU64>,
}

struct Writer {
    sender: mpsc::SyncSender<String>,
    thread: JoinHandle<()>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("capacity", &self.inner.capacity)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    /// A log as `config` says; a relative file path is opened from `base`.
    ///
    /// # Errors
    /// [`GatewayError::Io`] if the file cannot be opened.
    pub fn open(config: &AuditConfig, base: Option<&Path>) -> Result<Self, GatewayError> {
        let mut sinks: Vec<Box<dyn Write + Send>> = Vec::new();
        if config.stdout {
            sinks.push(Box::new(std::io::stdout()));
        }
        if let Some(path) = &config.file {
            let full = match base {
                Some(base) if path.is_relative() => base.join(path),
                _ => path.clone(),
            };
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&full)
                .map_err(|source| GatewayError::Io {
                    context: format!("cannot open audit log {}", full.display()),
                    source,
                })?;
            sinks.push(Box::new(file));
        }
        let unreported = Arc::new(AtomicU64::new(0));
        let writer = if sinks.is_empty() {
            None
        } else {
            let (sender, receiver) = mpsc::sync_channel::<String>(config.queue.max(1));
            let drops = Arc::clone(&unreported);
            let thread = std::thread::Builder::new()
                .name("sigv4x-audit".into())
                .spawn(move || write_lines(receiver, sinks, &drops))
                .map_err(|source| GatewayError::Io {
                    context: "cannot start the audit log writer".into(),
                    source,
                })?;
            Some(Writer { sender, thread })
        };
        Ok(AuditLog {
            inner: Arc::new(Inner {
                memory: Mutex::new(VecDeque::with_capacity(config.memory.min(1024))),
                capacity: config.memory,
                max_field: config.max_field_bytes,
                writer: Mutex::new(writer),
                dropped: AtomicU64::new(0),
                unreported,
            }),
        })
    }

    /// A log kept only in memory.
    pub fn in_memory(capacity: usize) -> Self {
        AuditLog {
            inner: Arc::new(Inner {
                memory: Mutex::new(VecDeque::new()),
                capacity,
                max_field: AuditConfig::default().max_field_bytes,
                writer: Mutex::new(None),
                dropped: AtomicU64::new(0),
                unreported: Arc::new(AtomicU64::new(0)),
            }),
        }
    }

    /// Records one request.
    pub fn record(&self, mut record: AuditRecord) {
        record.cap_fields(self.inner.max_field);
        if let Some(writer) = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            match writer.sender.try_send(record.to_json_line()) {
                Ok(()) => {}
                Err(mpsc::TrySendError::Full(_)) => {
                    self.inner.dropped.fetch_add(1, Ordering::Relaxed);
                    self.inner.unreported.fetch_add(1, Ordering::Relaxed);
                }
                // The writer only goes away at shutdown; a line lost then is not worth a panic.
                Err(mpsc::TrySendError::Disconnected(_)) => {}
            }
        }
        if self.inner.capacity == 0 {
            return;
        }
        let mut memory = self
            .inner
            .memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The record pushed out is dropped after the lock is released: freeing its strings
        // under the lock made every worker wait for it.
        let oldest = if memory.len() == self.inner.capacity {
            memory.pop_front()
        } else {
            None
        };
        memory.push_back(record);
        drop(memory);
        drop(oldest);
    }

    /// How many lines were dropped because the writer had fallen behind.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// The records kept in memory, oldest first.
    pub fn records(&self) -> Vec<AuditRecord> {
        self.inner
            .memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// The most recent record.
    pub fn last(&self) -> Option<AuditRecord> {
        self.inner
            .memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .back()
            .cloned()
    }

    /// The record of the request with this `x-amzn-RequestId`.
    pub fn find(&self, request_id: &str) -> Option<AuditRecord> {
        self.inner
            .memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .rev()
            .find(|r| r.request_id == request_id)
            .cloned()
    }

    /// How many records are in memory.
    pub fn len(&self) -> usize {
        self.inner
            .memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// True when no record is in memory.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets the records in memory.
    pub fn clear(&self) {
        self.inner
            .memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Writes out every line recorded so far and stops the writer; later records stay in
    /// memory only. Called by the gateway's shutdown.
    pub fn close(&self) {
        let writer = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(Writer { sender, thread }) = writer {
            drop(sender);
            let _ = thread.join();
        }
    }
}

/// Cuts `field` to at most `max` bytes (on a character boundary), noting its full length.
fn cap(field: &mut String, max: usize) {
    if field.len() <= max {
        return;
    }
    let full = field.len();
    let mut end = max;
    while !field.is_char_boundary(end) {
        end -= 1;
    }
    field.truncate(end);
    field.push_str(&format!("… ({full} bytes)"));
}

/// Writes lines as they come, flushing whenever no more are waiting, and notes lines dropped
/// while it was behind.
fn write_lines(
    receiver: mpsc::Receiver<String>,
    mut sinks: Vec<Box<dyn Write + Send>>,
    unreported: &AtomicU64,
) {
    let mut buffers: Vec<BufWriter<&mut Box<dyn Write + Send>>> =
        sinks.iter_mut().map(BufWriter::new).collect();
    let write = |buffers: &mut Vec<BufWriter<&mut Box<dyn Write + Send>>>, line: &str| {
        for buffer in buffers.iter_mut() {
            let _ = buffer.write_all(line.as_bytes());
            let _ = buffer.write_all(b"\n");
        }
    };
    while let Ok(line) = receiver.recv() {
        let mut next = Some(line);
        while let Some(line) = next {
            write(&mut buffers, &line);
            next = receiver.try_recv().ok();
        }
        let dropped = unreported.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            write(&mut buffers, &format!("{{\"auditDropped\":{dropped}}}"));
        }
        for buffer in &mut buffers {
            let _ = buffer.flush();
        }
    }
    for buffer in &mut buffers {
        let _ = buffer.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_long_field_a_client_controls_is_cut() {
        let long = "a".repeat(70_000);
        let mut record = AuditRecord {
            event_time: String::new(),
            request_id: String::new(),
            listener: String::new(),
            source_vpce: None,
            source_ip: String::new(),
            method: long.clone(),
            path: long.clone(),
            api_id: None,
            stage: None,
            route: Some(long.clone()),
            resource_arn: Some(long.clone()),
            access_key_id: None,
            principal: None,
            status: 403,
            error_type: None,
            decided_by: Step::Route,
            reason: long.clone(),
            layers: vec![StepRecord {
                layer: Step::Route,
                verdict: Verdict::Deny,
                policy: None,
                statement: None,
                detail: Some(long),
            }],
            latency_micros: 0,
        };
        record.cap_fields(1024);
        assert!(record.to_json_line().len() < 8 * 1024);
    }

    #[test]
    fn long_fields_are_cut_on_a_character_boundary() {
        let mut short = "abc".to_owned();
        cap(&mut short, 8);
        assert_eq!(short, "abc");
        let mut long = "ééééé".to_owned(); // 10 bytes
        cap(&mut long, 5);
        assert_eq!(long, "éé… (10 bytes)");
    }
}
