//! Reads audit events from what responders are handed: JSON lines as the API server writes
//! them, gzip files, a JSON `EventList` or array, `-` for stdin, AKS diagnostic exports
//! (`properties.log` holding the Event as a string, also inside `{"records":[...]}`), EKS
//! `CloudWatch` exports (Events with extra keys) and GKE Cloud Audit Logging entries.
//!
//! JSON lines stream in constant memory. A file whose first line is not a whole JSON value
//! is one document (an `EventList`, an array, an AKS batch) and is read whole, up to
//! [`MAX_DOCUMENT`]. A line that cannot be read is reported and skipped, never fatal.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value;

use super::gke;

/// Longest line read as one event; longer lines are skipped as malformed.
pub const MAX_LINE: usize = 4 * 1024 * 1024;
/// Largest single-document file (`EventList`, AKS batch).
pub const MAX_DOCUMENT: u64 = 512 * 1024 * 1024;

/// A line or record that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

/// A source that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read audit log {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("audit log {path} is larger than {} MiB as a single JSON document; split it into JSON lines", MAX_DOCUMENT / 1024 / 1024)]
    TooLarge { path: String },
}

/// Opens `path` (`-` is stdin), transparently un-gzipping.
pub fn open(path: &str) -> Result<Box<dyn BufRead>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    let raw: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(Path::new(path)).map_err(io)?)
    };
    let mut reader = BufReader::with_capacity(256 * 1024, raw);
    let gzip = reader.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    Ok(if gzip {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            flate2::read::MultiGzDecoder::new(reader),
        ))
    } else {
        Box::new(reader)
    })
}

/// What a reader calls back with.
pub struct Sink<'s> {
    /// Offered every non-empty line first, with its number; returns `true` when it has
    /// dealt with the line itself (a bare Event it settled from its head), so the line is
    /// not parsed in full.
    pub quick: &'s mut dyn FnMut(&[u8], usize) -> bool,
    /// Every audit Event, in order, with the line it came from.
    pub each: &'s mut dyn FnMut(Value, usize),
    /// Lines and records that could not be used.
    pub skipped: &'s mut dyn FnMut(Skipped),
}

/// Hands every audit Event in `path` to `sink`.
pub fn events(path: &str, sink: Sink<'_>) -> Result<(), ReadError> {
    let reader = open(path)?;
    events_from(reader, path, sink)
}

/// [`events`] over an open reader (already un-gzipped); `path` names it in messages.
pub fn events_from(mut reader: impl BufRead, path: &str, sink: Sink<'_>) -> Result<(), ReadError> {
    let Sink {
        quick,
        each,
        skipped,
    } = sink;
    let io = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        let read = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(io)?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        if line.len() > MAX_LINE && !line.ends_with(b"\n") {
            // Drain the rest of the overlong line.
            let mut sink = Vec::new();
            reader.read_until(b'\n', &mut sink).map_err(io)?;
            skipped(Skipped {
                file: path.to_owned(),
                line: number,
                reason: format!("line longer than {} MiB", MAX_LINE / 1024 / 1024),
            });
            continue;
        }
        let text = trim(&line);
        if text.is_empty() || quick(text, number) {
            continue;
        }
        match serde_json::from_slice::<Value>(text) {
            Ok(value) => unwrap(value, path, number, each, skipped),
            Err(err) if number == 1 && err.is_eof() => {
                // Not JSON lines: one document spread over many lines.
                let mut rest = line.clone();
                let limit = MAX_DOCUMENT.saturating_sub(rest.len() as u64);
                let mut taken = (&mut reader).take(limit + 1);
                taken.read_to_end(&mut rest).map_err(io)?;
                if rest.len() as u64 > MAX_DOCUMENT {
                    return Err(ReadError::TooLarge {
                        path: path.to_owned(),
                    });
                }
                match serde_json::from_slice::<Value>(trim(&rest)) {
                    Ok(value) => unwrap(value, path, 1, each, skipped),
                    Err(err) => skipped(Skipped {
                        file: path.to_owned(),
                        line: err.line(),
                        reason: format!("not JSON: {err}"),
                    }),
                }
                return Ok(());
            }
            Err(err) => skipped(Skipped {
                file: path.to_owned(),
                line: number,
                reason: format!("not JSON: {err}"),
            }),
        }
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    let inner = &bytes[start..end.max(start)];
    inner.strip_prefix(b"\xef\xbb\xbf").unwrap_or(inner)
}

/// Peels envelopes off one JSON value and hands on the Events inside.
fn unwrap(
    value: Value,
    file: &str,
    line: usize,
    each: &mut dyn FnMut(Value, usize),
    skipped: &mut dyn FnMut(Skipped),
) {
    let skip = |reason: &str, skipped: &mut dyn FnMut(Skipped)| {
        skipped(Skipped {
            file: file.to_owned(),
            line,
            reason: reason.to_owned(),
        });
    };
    match value {
        Value::Array(items) => {
            for item in items {
                unwrap(item, file, line, each, skipped);
            }
        }
        Value::Object(mut map) => {
            if let Some(Value::Array(items)) = map.remove("items") {
                for item in items {
                    unwrap(item, file, line, each, skipped);
                }
            } else if let Some(Value::Array(records)) = map.remove("records") {
                for record in records {
                    unwrap(record, file, line, each, skipped);
                }
            } else if let Some(log) = map
                .get("properties")
                .and_then(|p| p.get("log"))
                .and_then(Value::as_str)
            {
                match serde_json::from_str::<Value>(log) {
                    Ok(inner) => unwrap(inner, file, line, each, skipped),
                    Err(err) => skip(&format!("properties.log is not an Event: {err}"), skipped),
                }
            } else if map.contains_key("protoPayload") || map.contains_key("AuditPayload") {
                match gke::to_event(&Value::Object(map)) {
                    Some(event) => each(event, line),
                    None => skip(
                        "a Cloud Audit Logging entry that is not a Kubernetes API call",
                        skipped,
                    ),
                }
            } else if ["verb", "objectRef", "auditID", "requestURI"]
                .iter()
                .any(|k| map.contains_key(*k))
            {
                each(Value::Object(map), line);
            } else {
                skip(
                    "not an audit event (no verb, objectRef, auditID or requestURI)",
                    skipped,
                );
            }
        }
        _ => skip("not an audit event (not a JSON object)", skipped),
    }
}
