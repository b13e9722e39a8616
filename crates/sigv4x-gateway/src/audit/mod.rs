//! The audit log: one JSON line per request, like a CloudTrail data event, naming each layer's
//! decision and the statement that decided.
//!
//! A record borrows what it names (the route, the policies, the caller live as long as the
//! gateway; the path as long as the request) and is written once, as its JSON line, into a
//! reused buffer: the line is what the writer thread prints and what the log keeps in memory,
//! and [`AuditLog::records`] reads the lines back.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};

use crate::config::AuditConfig;
use crate::error::GatewayError;

mod line;

/// A step of the gateway, in the order a request meets them: each guarding layer of the
/// private API pattern, with routing before them and the handler after. (Named `Step`, not
/// `Layer`, so as not to shadow `tower::Layer` in code that uses both.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

impl Step {
    /// The name the audit line gives it (serde's `snake_case` of the variant).
    fn json_name(self) -> &'static str {
        match self {
            Step::Route => "route",
            Step::Authentication => "authentication",
            Step::EndpointPolicy => "endpoint_policy",
            Step::ResourcePolicy => "resource_policy",
            Step::IdentityPolicy => "identity_policy",
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

impl Verdict {
    /// The name the audit line gives it (serde's `snake_case` of the variant).
    fn json_name(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::NoAllow => "no_allow",
            Verdict::NotConsulted => "not_consulted",
            Verdict::Error => "error",
        }
    }
}

/// One layer's line in an [`AuditRecord`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StepRecord<'a> {
    /// Which layer.
    pub layer: Step,
    /// What it said.
    pub verdict: Verdict,
    /// The policy (or route) it consulted, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<Cow<'a, str>>,
    /// The statement that decided: its `Sid`, or `#index` when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<Cow<'a, str>>,
    /// More detail (an error type, the closest statement that missed and why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Cow<'a, str>>,
}

/// One request, as the audit log records it. The log's own records
/// ([`AuditLog::records`]) own their text: `AuditRecord<'static>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditRecord<'a> {
    /// When the request arrived (RFC 3339, UTC).
    pub event_time: Cow<'a, str>,
    /// `x-amzn-RequestId`.
    pub request_id: Cow<'a, str>,
    /// The listener it arrived on.
    pub listener: Cow<'a, str>,
    /// The VPC endpoint it came through (`aws:SourceVpce`), if any.
    pub source_vpce: Option<Cow<'a, str>>,
    /// The client's address.
    pub source_ip: Cow<'a, str>,
    /// The HTTP method.
    pub method: Cow<'a, str>,
    /// The path, as sent.
    pub path: Cow<'a, str>,
    /// The API, when one was found.
    pub api_id: Option<Cow<'a, str>>,
    /// The stage, when it exists.
    pub stage: Option<Cow<'a, str>>,
    /// The matched route (`GET /orders/{id}`).
    pub route: Option<Cow<'a, str>>,
    /// The resource ARN the policies were asked about.
    pub resource_arn: Option<Cow<'a, str>>,
    /// The access key that signed.
    pub access_key_id: Option<Cow<'a, str>>,
    /// The caller, when authenticated (an STS session ARN for a role).
    pub principal: Option<Cow<'a, str>>,
    /// The status sent.
    pub status: u16,
    /// `x-amzn-ErrorType`, for a refusal.
    pub error_type: Option<Cow<'a, str>>,
    /// The layer whose answer the client got.
    pub decided_by: Step,
    /// Why, in words.
    pub reason: Cow<'a, str>,
    /// Every layer's verdict, in order.
    pub layers: Vec<StepRecord<'a>>,
    /// Time spent in the gateway, in microseconds (a proxy target's time included).
    pub latency_micros: u64,
}

impl AuditRecord<'_> {
    /// The record as one line of JSON (no newline).
    pub fn to_json_line(&self) -> String {
        let mut line = String::with_capacity(LINE_CAPACITY);
        self.write_json(&mut line);
        line
    }

    /// Appends the record's JSON line to `out` (no newline): the text `serde_json` writes
    /// for it.
    fn write_json(&self, out: &mut String) {
        line::write(self, out);
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
    pub fn layer(&self, layer: Step) -> Option<&StepRecord<'_>> {
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
    /// The most recent lines, oldest first.
    memory: Mutex<VecDeque<Arc<str>>>,
    capacity: usize,
    max_field: usize,
    /// Read for every record, written only by `close`.
    writer: RwLock<Option<Writer>>,
    /// Lines dropped since the start.
    dropped: AtomicU64,
    /// Lines dropped and not yet noted in the output.
    unreported: Arc<AtomicU64>,
}

struct Writer {
    sender: mpsc::SyncSender<Arc<str>>,
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
            let (sender, receiver) = mpsc::sync_channel::<Arc<str>>(config.queue.max(1));
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
                writer: RwLock::new(writer),
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
                writer: RwLock::new(None),
                dropped: AtomicU64::new(0),
                unreported: Arc::new(AtomicU64::new(0)),
            }),
        }
    }

    /// Records one request.
    pub fn record(&self, mut record: AuditRecord<'_>) {
        let writer = self
            .inner
            .writer
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        if writer.is_none() && self.inner.capacity == 0 {
            return;
        }
        record.cap_fields(self.inner.max_field);
        let line = json_line(&record);
        if let Some(writer) = writer.as_ref() {
            match writer.sender.try_send(Arc::clone(&line)) {
                Ok(()) => {}
                Err(mpsc::TrySendError::Full(_)) => {
                    self.inner.dropped.fetch_add(1, Ordering::Relaxed);
                    self.inner.unreported.fetch_add(1, Ordering::Relaxed);
                }
                // The writer only goes away at shutdown; a line lost then is not worth a panic.
                Err(mpsc::TrySendError::Disconnected(_)) => {}
            }
        }
        drop(writer);
        if self.inner.capacity == 0 {
            return;
        }
        let mut memory = self
            .inner
            .memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The line pushed out is freed after the lock is released: freeing under the lock made
        // every worker wait for it.
        let oldest = if memory.len() == self.inner.capacity {
            memory.pop_front()
        } else {
            None
        };
        memory.push_back(line);
        drop(memory);
        drop(oldest);
    }

    /// How many lines were dropped because the writer had fallen behind.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// The records kept in memory, oldest first.
    pub fn records(&self) -> Vec<AuditRecord<'static>> {
        self.lines().iter().filter_map(|line| parse(line)).collect()
    }

    /// The most recent record.
    pub fn last(&self) -> Option<AuditRecord<'static>> {
        let line = self
            .inner
            .memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .back()
            .cloned()?;
        parse(&line)
    }

    /// The record of the request with this `x-amzn-RequestId`.
    pub fn find(&self, request_id: &str) -> Option<AuditRecord<'static>> {
        // Only lines that hold the id as their `requestId` are read back: `line.rs` writes
        // `requestId` second, never last, so it is always followed by a comma.
        let needle = serde_json::to_string(request_id).ok()?;
        let needle = format!("\"requestId\":{needle},");
        self.lines()
            .iter()
            .rev()
            .filter(|line| line.contains(&needle))
            .filter_map(|line| parse(line))
            .find(|r| r.request_id == request_id)
    }

    /// The lines in memory, oldest first (shared, not copied).
    fn lines(&self) -> Vec<Arc<str>> {
        self.inner
            .memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
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
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(Writer { sender, thread }) = writer {
            drop(sender);
            let _ = thread.join();
        }
    }
}

/// Lines are written here before they are shared: one buffer per thread, grown to the largest
/// line it wrote (up to [`MAX_KEPT_BUFFER`]), so writing a line allocates only the shared copy.
const LINE_CAPACITY: usize = 1024;
const MAX_KEPT_BUFFER: usize = 64 * 1024;

thread_local! {
    static LINE: RefCell<String> = RefCell::new(String::with_capacity(LINE_CAPACITY));
}

/// `record`'s JSON line, shared between the writer thread and the memory.
fn json_line(record: &AuditRecord<'_>) -> Arc<str> {
    LINE.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            record.write_json(&mut buffer);
            let line = Arc::from(buffer.as_str());
            if buffer.capacity() > MAX_KEPT_BUFFER {
                *buffer = String::with_capacity(LINE_CAPACITY);
            }
            line
        }
        // Only if serializing a record recorded another one on this thread.
        Err(_) => Arc::from(record.to_json_line()),
    })
}

/// A line this log wrote, read back. Every line reads back (the writer's output is serde's, by
/// a property test); a debug build says so loudly if one ever did not.
fn parse(line: &str) -> Option<AuditRecord<'static>> {
    let record = serde_json::from_str(line).ok();
    debug_assert!(record.is_some(), "an audit line did not read back: {line}");
    record
}

/// Cuts `field` to at most `max` bytes (on a character boundary), noting its full length.
fn cap(field: &mut Cow<'_, str>, max: usize) {
    if field.len() <= max {
        return;
    }
    let full = field.len();
    let mut end = max;
    while !field.is_char_boundary(end) {
        end -= 1;
    }
    let kept = field.get(..end).unwrap_or_default();
    *field = Cow::Owned(format!("{kept}… ({full} bytes)"));
}

/// Writes lines as they come, flushing whenever no more are waiting, and notes lines dropped
/// while it was behind.
fn write_lines(
    receiver: mpsc::Receiver<Arc<str>>,
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

    fn record(long: &str) -> AuditRecord<'_> {
        AuditRecord {
            event_time: "2026-11-30T18:00:00.5Z".into(),
            request_id: "c6b1d0a2-0000-4000-8000-000000000001".into(),
            listener: "127.0.0.1:8080".into(),
            source_vpce: None,
            source_ip: "127.0.0.1".into(),
            method: long.into(),
            path: long.into(),
            api_id: None,
            stage: None,
            route: Some(long.into()),
            resource_arn: Some(long.into()),
            access_key_id: None,
            principal: None,
            status: 403,
            error_type: None,
            decided_by: Step::Route,
            reason: long.into(),
            layers: vec![StepRecord {
                layer: Step::Route,
                verdict: Verdict::Deny,
                policy: None,
                statement: None,
                detail: Some(long.into()),
            }],
            latency_micros: 0,
        }
    }

    #[test]
    fn every_long_field_a_client_controls_is_cut() {
        let long = "a".repeat(70_000);
        let mut record = record(&long);
        record.cap_fields(1024);
        assert!(record.to_json_line().len() < 8 * 1024);
    }

    #[test]
    fn a_line_reads_back_as_the_record_it_was_written_from() {
        let log = AuditLog::in_memory(4);
        let quoted = "/prod/\"quoted\"\\path\n\u{1}é";
        let mut written = record(quoted);
        written.source_vpce = Some("vpce-0a1b2c3d4e5f60718".into());
        written.layers.push(StepRecord {
            layer: Step::ResourcePolicy,
            verdict: Verdict::Allow,
            policy: Some("resource".into()),
            statement: Some("#0".into()),
            detail: None,
        });
        log.record(written.clone());
        assert_eq!(log.last().as_ref(), Some(&written));
        assert_eq!(log.find(&written.request_id).as_ref(), Some(&written));
        assert_eq!(
            log.find("c6b1d0a2"),
            None,
            "a prefix of an id is not the id"
        );
        assert_eq!(log.records(), vec![written.clone()]);
        assert_eq!(
            log.last().map(|r| r.to_json_line()),
            Some(written.to_json_line())
        );
    }

    #[test]
    fn long_fields_are_cut_on_a_character_boundary() {
        let mut short = Cow::Borrowed("abc");
        cap(&mut short, 8);
        assert_eq!(short, "abc");
        let mut long = Cow::Borrowed("ééééé"); // 10 bytes
        cap(&mut long, 5);
        assert_eq!(long, "éé… (10 bytes)");
    }
}
