//! Hunting: the matrix's executable detections run over Kubernetes audit logs, so a
//! responder sees which techniques were used, by whom, when and from where.
//!
//! `read` streams events out of whatever envelope they come in; `event` fills defaults
//! and derives the facts detections ask about; `detect` compiles the detections once and
//! gates them by resource and verb; this module dedups hits per `auditID` and detection,
//! applies the filters and summarises per identity.

pub mod detect;
pub mod event;
pub mod gate;
pub mod gke;
pub mod head;
pub mod read;

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

pub use detect::{Detections, validate_detections};
pub use read::{ReadError, Skipped};

use crate::matrix::Matrix;

/// Which events and detections count.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Seconds since the epoch; events before are ignored.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Only events whose effective user matches this glob (`*` and `?`).
    pub user: Option<String>,
}

/// One detection firing on one request.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Hit {
    #[serde(rename = "auditID")]
    pub audit_id: String,
    pub time: String,
    #[serde(skip)]
    pub epoch: Option<i64>,
    pub techniques: Vec<String>,
    pub detection: String,
    pub user: String,
    #[serde(rename = "sourceIPs")]
    pub source_ips: Vec<String>,
    #[serde(rename = "userAgent")]
    pub user_agent: String,
    pub verb: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
    pub file: String,
    pub line: usize,
    /// The whole event, for a closer look (JSON output leaves it out).
    #[serde(skip)]
    pub event: serde_json::Value,
}

/// One identity behind hits: when it was first and last seen, and what it touched.
#[derive(Clone, Debug, Serialize)]
pub struct Identity {
    pub user: String,
    pub first_seen: String,
    pub last_seen: String,
    pub hits: usize,
    /// In matrix order.
    pub techniques: Vec<String>,
    #[serde(rename = "sourceIPs")]
    pub source_ips: Vec<String>,
}

/// Counts for the summary.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub events: usize,
    /// Events left out by --since, --until or --user.
    pub filtered: usize,
    pub skipped_lines: usize,
    pub detections: usize,
    pub hits: usize,
    /// Evaluation errors (an expression failing on an event); each is also a warning.
    pub errors: usize,
    /// Hits beyond [`MAX_HITS`], counted but not kept.
    pub dropped_hits: usize,
    /// Hits per technique, in matrix order.
    pub techniques: BTreeMap<String, usize>,
}

/// A whole hunt.
#[derive(Clone, Debug, Default, Serialize)]
pub struct HuntReport {
    pub summary: Summary,
    pub hits: Vec<Hit>,
    pub identities: Vec<Identity>,
    #[serde(skip)]
    pub skipped: Vec<Skipped>,
    #[serde(skip)]
    pub errors: Vec<String>,
}

/// Most hits kept; beyond, the hunt goes on counting but keeps no more (memory stays
/// bounded whatever the log).
pub const MAX_HITS: usize = 1_000_000;

/// Runs `detections` over every event of `paths` (`-` is stdin).
pub fn hunt(
    matrix: &Matrix,
    detections: &Detections<'_>,
    paths: &[String],
    filter: &Filter,
) -> Result<HuntReport, ReadError> {
    let mut hunt = Hunt::new(detections, filter);
    for path in paths {
        hunt.report.summary.files += 1;
        hunt.read(path, read::open(path)?)?;
    }
    Ok(hunt.finish(matrix))
}

/// A hunt in progress: the report so far and what it needs to de-duplicate hits.
pub struct Hunt<'d, 'm> {
    detections: &'d Detections<'m>,
    filter: &'d Filter,
    report: HuntReport,
    /// One hit per request and detection, however many stages were logged. The key holds
    /// what all stages of one request share, so hand-written logs that reuse an auditID
    /// for different requests still count each request.
    seen: HashSet<(String, usize, String)>,
}

impl<'d, 'm> Hunt<'d, 'm> {
    pub fn new(detections: &'d Detections<'m>, filter: &'d Filter) -> Self {
        let mut report = HuntReport::default();
        report.summary.detections = detections.compiled.len();
        Self {
            detections,
            filter,
            report,
            seen: HashSet::new(),
        }
    }

    /// Hunts through one open, un-gzipped source named `path`.
    pub fn read(&mut self, path: &str, reader: impl std::io::BufRead) -> Result<(), ReadError> {
        let mut skipped = Vec::new();
        // Both callbacks need the hunt; the reader calls them one at a time.
        let this = std::cell::RefCell::new(&mut *self);
        read::events_from(
            reader,
            path,
            read::Sink {
                quick: &mut |text, _| this.borrow_mut().quick(text),
                each: &mut |raw, line| this.borrow_mut().event(path, raw, line),
                skipped: &mut |s| skipped.push(s),
            },
        )?;
        self.report.summary.skipped_lines += skipped.len();
        self.report.skipped.extend(skipped);
        Ok(())
    }

    /// Settles a bare Event line from its head when the filter leaves it out or no
    /// detection's gate lets it through; `false` when it needs the full parse.
    fn quick(&mut self, text: &[u8]) -> bool {
        let Some(head) = head::Head::parse(text) else {
            return false;
        };
        if !passes(self.filter, || head.time(), head.actor()) {
            self.report.summary.events += 1;
            self.report.summary.filtered += 1;
            return true;
        }
        if self.detections.gated(&head.facts()).next().is_some() {
            return false;
        }
        self.report.summary.events += 1;
        true
    }

    /// Runs the detections over one fully parsed event.
    fn event(&mut self, path: &str, raw: serde_json::Value, line: usize) {
        let detections = self.detections;
        let report = &mut self.report;
        report.summary.events += 1;
        let e = event::prepare(raw);
        if !passes(self.filter, || e.time(), e.actor()) {
            report.summary.filtered += 1;
            return;
        }
        let mut errors = Vec::new();
        for index in detections.matches(&e, &mut errors) {
            let audit_id = e.str_at("/auditID").to_owned();
            let request = format!(
                "{} {} {} {}/{}/{}",
                e.actor(),
                e.str_at("/verb"),
                e.str_at("/objectRef/resource"),
                e.str_at("/objectRef/subresource"),
                e.str_at("/objectRef/namespace"),
                e.str_at("/objectRef/name")
            );
            if report.hits.len() >= MAX_HITS {
                report.summary.dropped_hits += 1;
                continue;
            }
            if !audit_id.is_empty() && !self.seen.insert((audit_id, index, request)) {
                continue;
            }
            report.hits.push(hit(detections, index, &e, path, line));
        }
        if !errors.is_empty() && report.errors.len() < 1000 {
            report
                .errors
                .extend(errors.iter().map(|err| format!("{path}:{line}: {err}")));
        }
        report.summary.errors += errors.len();
    }

    /// The report: hits in time order, per-technique counts, identities.
    pub fn finish(mut self, matrix: &Matrix) -> HuntReport {
        let report = &mut self.report;
        report
            .hits
            .sort_by(|a, b| a.epoch.cmp(&b.epoch).then(a.time.cmp(&b.time)));
        report.summary.hits = report.hits.len();
        report.identities = identities(matrix, &report.hits);
        for hit in &report.hits {
            for t in &hit.techniques {
                *report.summary.techniques.entry(t.clone()).or_default() += 1;
            }
        }
        self.report
    }
}

fn passes(filter: &Filter, time: impl FnOnce() -> Option<i64>, actor: &str) -> bool {
    if filter.since.is_none() && filter.until.is_none() && filter.user.is_none() {
        return true;
    }
    let time = time();
    if let (Some(since), Some(t)) = (filter.since, time)
        && t < since
    {
        return false;
    }
    if let (Some(until), Some(t)) = (filter.until, time)
        && t > until
    {
        return false;
    }
    filter
        .user
        .as_deref()
        .is_none_or(|pattern| crate::checks::exceptions::glob(pattern, actor))
}

fn hit(
    detections: &Detections<'_>,
    index: usize,
    e: &event::Prepared,
    file: &str,
    line: usize,
) -> Hit {
    let c = &detections.compiled[index];
    let time = [
        "requestReceivedTimestamp",
        "stageTimestamp",
        "timestamp",
        "p_event_time",
    ]
    .iter()
    .find_map(|k| e.event.get(*k).and_then(serde_json::Value::as_str))
    .unwrap_or("")
    .to_owned();
    Hit {
        audit_id: e.str_at("/auditID").to_owned(),
        time,
        epoch: e.time(),
        techniques: vec![c.technique.id.to_string()],
        detection: c.id.clone(),
        user: e.actor().to_owned(),
        source_ips: e
            .event
            .get("sourceIPs")
            .and_then(serde_json::Value::as_array)
            .map(|ips| {
                ips.iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        user_agent: e.str_at("/userAgent").to_owned(),
        verb: e.str_at("/verb").to_owned(),
        resource: e.str_at("/objectRef/resource").to_owned(),
        subresource: e.str_at("/objectRef/subresource").to_owned(),
        namespace: e.str_at("/objectRef/namespace").to_owned(),
        name: e.str_at("/objectRef/name").to_owned(),
        file: file.to_owned(),
        line,
        event: e.event.clone(),
    }
}

/// Per identity: first and last seen, hits, techniques in matrix order, source IPs.
fn identities(matrix: &Matrix, hits: &[Hit]) -> Vec<Identity> {
    let mut by_user: BTreeMap<&str, Vec<&Hit>> = BTreeMap::new();
    for h in hits {
        by_user.entry(h.user.as_str()).or_default().push(h);
    }
    let order = |id: &str| matrix.techniques.iter().position(|t| t.id.as_str() == id);
    let mut out: Vec<Identity> = by_user
        .into_iter()
        .map(|(user, hits)| {
            let mut techniques: Vec<String> =
                hits.iter().flat_map(|h| h.techniques.clone()).collect();
            techniques.sort_by_key(|t| order(t));
            techniques.dedup();
            let mut ips: Vec<String> = hits.iter().flat_map(|h| h.source_ips.clone()).collect();
            ips.sort();
            ips.dedup();
            Identity {
                user: user.to_owned(),
                first_seen: hits.first().map(|h| h.time.clone()).unwrap_or_default(),
                last_seen: hits.last().map(|h| h.time.clone()).unwrap_or_default(),
                hits: hits.len(),
                techniques,
                source_ips: ips,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.techniques
            .len()
            .cmp(&a.techniques.len())
            .then(b.hits.cmp(&a.hits))
    });
    out
}
