//! The command-line syntax (clap derive): every flag and subcommand, with its help.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  success (also when the output pipe is closed early)
  1  validation errors, findings at or above --fail-on, the requested id was not found,
     or a search found nothing
  2  operational error: unreadable folder or file, bad arguments, no terminal";

/// Microsoft's Threat Matrix for Kubernetes in the terminal: techniques, detections,
/// mitigations, checks and playbooks, offline.
#[derive(Debug, Parser)]
#[command(name = "ktm", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Args {
    /// Use the matrix in this folder instead of the one embedded in ktm.
    #[arg(long, global = true, value_name = "DIR")]
    pub matrix: Option<PathBuf>,

    /// Ignore the user's overlay folder (<config dir>/matrix).
    #[arg(long, global = true)]
    pub no_user_matrix: bool,

    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Open the TUI with the checks run over these manifests (files or folders).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub manifests: Vec<PathBuf>,
    /// Open the TUI with the checks run over this snapshot (`ktm snapshot`, kubectl JSON).
    #[arg(long, value_name = "FILE", conflicts_with = "manifests")]
    pub snapshot: Option<PathBuf>,
    /// Open the TUI with the checks run over the live cluster of the kubeconfig.
    #[arg(long, conflicts_with_all = ["manifests", "snapshot"])]
    pub cluster: bool,
    /// Open the TUI with these audit logs hunted, the matrix coloured by their hits.
    #[arg(long = "audit-log", num_args = 1.., value_name = "FILE")]
    pub audit_logs: Vec<String>,
    #[command(flatten)]
    pub live: ClusterArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List tactics, techniques or mitigations.
    #[command(after_help = EXIT_CODES)]
    List {
        /// What to list.
        #[arg(value_enum)]
        what: ListKind,
        /// Only techniques under this tactic (slug or name, for example persistence).
        #[arg(long, value_name = "TACTIC")]
        tactic: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Show one technique, mitigation or tactic (MS-TA9018, ms-m9013, 9018, persistence).
    #[command(after_help = EXIT_CODES)]
    Show {
        /// The entity's id (case-insensitive) or a tactic's slug.
        id: String,
        /// Output format: text renders the markdown for this terminal.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
        /// Wrap text to this many columns (default: the terminal's width, or 100).
        #[arg(long, value_name = "COLUMNS")]
        width: Option<usize>,
    },
    /// Check a matrix folder like a compiler: every problem with `file:line:col`.
    ///
    /// Without PATH, checks the matrix ktm would use (embedded or --matrix, plus the
    /// user's overlay). With PATH, checks that folder alone.
    #[command(after_help = EXIT_CODES)]
    Validate {
        /// The matrix folder (holding tactics.yaml, techniques/, mitigations/).
        path: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Run the checks over the current cluster, manifests or a snapshot.
    ///
    /// Without --manifests or --snapshot, ktm lists (read-only) the kinds the checks need
    /// from the cluster of the kubeconfig; kinds it may not list make their checks
    /// `unknown`. Each finding names the object, the technique it exposes, the evidence
    /// and the kubectl command to verify it. A snapshot is `ktm snapshot -o FILE`, or
    /// `kubectl get pods,deployments,daemonsets,statefulsets,replicasets,jobs,cronjobs,
    /// services,ingresses,configmaps,serviceaccounts,roles,rolebindings,clusterroles,
    /// clusterrolebindings,namespaces,networkpolicies,nodes,mutatingwebhookconfigurations,
    /// validatingwebhookconfigurations -A -o json > snap.json`
    #[command(after_help = EXIT_CODES)]
    Check {
        /// Manifest files or folders (recursive; YAML or JSON; multi-document; List).
        #[arg(long, num_args = 1.., value_name = "PATH")]
        manifests: Vec<PathBuf>,
        /// The JSON output of `ktm snapshot` or `kubectl get <kinds> -A -o json`.
        #[arg(long, value_name = "FILE", conflicts_with = "manifests")]
        snapshot: Option<PathBuf>,
        #[command(flatten)]
        cluster: ClusterArgs,
        /// Only checks linked to this technique (repeatable).
        #[arg(long = "technique", value_name = "ID")]
        techniques: Vec<String>,
        /// Only this check (repeatable).
        #[arg(long = "check", value_name = "CHECK")]
        checks: Vec<String>,
        /// Hide findings below this severity.
        #[arg(long, value_enum, value_name = "SEVERITY")]
        severity_min: Option<SeverityArg>,
        /// Exit 1 when a finding at or above this severity remains (not excepted).
        #[arg(long, value_enum, default_value_t = FailOn::High)]
        fail_on: FailOn,
        /// Accepted risks: YAML `exceptions:` with check, kind, namespace, name (globs),
        /// reason, owner, expires (YYYY-MM-DD).
        #[arg(long, value_name = "FILE")]
        exceptions: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
        format: CheckFormat,
    },
    /// Read (list, never write) what the checks need from the cluster into a JSON file.
    ///
    /// The file is a `List` that `ktm check --snapshot FILE` reads back, recording the
    /// context, the server, the time and the kinds that could not be listed; take the
    /// evidence once, analyse it offline or hand it to a colleague.
    #[command(after_help = EXIT_CODES)]
    Snapshot {
        /// Where to write (atomically: a temporary file renamed into place).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        #[command(flatten)]
        cluster: ClusterArgs,
    },
    /// Run the matrix's detections over API-server audit logs: which techniques were used,
    /// by whom, when and from where.
    ///
    /// Reads JSON lines (audit.k8s.io v1 and v1beta1), gzip, a JSON `EventList`, AKS
    /// diagnostic exports, EKS `CloudWatch` exports and GKE Cloud Audit Logging entries;
    /// `-` reads stdin. Exit 1 when something was found.
    #[command(after_help = EXIT_CODES)]
    Hunt {
        /// Audit log files (`-` for stdin).
        #[arg(long = "audit-log", required = true, num_args = 1.., value_name = "FILE")]
        audit_logs: Vec<String>,
        /// Only events at or after this time: RFC 3339 (2024-05-01T10:00:00Z) or an age
        /// (90m, 2h, 7d) before now.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only events at or before this time (same forms as --since).
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// Only events by this user (the effective identity; `*` and `?` are wildcards).
        #[arg(long, value_name = "USER")]
        user: Option<String>,
        /// Only the detections of this technique (repeatable).
        #[arg(long = "technique", value_name = "ID")]
        techniques: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Search techniques, mitigations and tactics the way you would describe them.
    ///
    /// Words match whatever their stem matches (`privileged` finds `privilege`); the last
    /// word also matches as a prefix (`kubel`); typos are forgiven, one from 4 letters and
    /// two from 8 (`privilaged`). Ids work in any form: T1610, MS-TA9018, ta9018, 9018.
    /// "Quoted phrases" must appear as written. `kind:mitigation` and `tactic:persistence`
    /// filter inside the query. Quote a query that holds options: "kubectl auth can-i --list".
    #[command(after_help = EXIT_CODES)]
    Search {
        /// What to look for (several words are joined with spaces).
        #[arg(required = true, num_args = 1.., value_name = "QUERY")]
        query: Vec<String>,
        /// Only this kind of entity: technique, mitigation or tactic.
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// Only entities under this tactic (slug or name, for example persistence).
        #[arg(long, value_name = "TACTIC")]
        tactic: Option<String>,
        /// Show at most this many results.
        #[arg(long, value_name = "N", default_value_t = 10,
              value_parser = clap::value_parser!(u16).range(1..))]
        limit: u16,
        /// Output format. In a table, matches are highlighted (reverse video with colour,
        /// «between guillemets» without).
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        /// Build the index in memory; neither read nor write the cache folder.
        #[arg(long)]
        no_cache: bool,
    },
    /// Response playbooks: list them, read one, walk through one, export a session log.
    #[command(subcommand, after_help = EXIT_CODES)]
    Playbook(PlaybookCommand),
    /// Export the matrix for other tools: an ATT&CK Navigator layer, markdown pages, JSON.
    #[command(subcommand, after_help = EXIT_CODES)]
    Export(ExportCommand),
    /// Print a shell completion script.
    #[command(after_help = EXIT_CODES)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListKind {
    Tactics,
    Techniques,
    Mitigations,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum PlaybookCommand {
    /// List the playbooks (id, severity, steps, minutes, techniques).
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Print one playbook with all its steps (facilitator notes with --facilitator).
    Show {
        /// The playbook's id, for example cryptomining-pod.
        id: String,
        /// Include the facilitator notes and expected answers.
        #[arg(long)]
        facilitator: bool,
        /// Wrap text to this many columns (default: the terminal's width, or 100).
        #[arg(long, value_name = "COLUMNS")]
        width: Option<usize>,
    },
    /// Walk through a playbook in the terminal UI, one step at a time. Progress, notes and
    /// time per step are saved in the data folder under the session name and resumed
    /// when the same playbook and session are run again.
    Run {
        /// The playbook's id.
        id: String,
        /// The session name (letters, digits, '.', '_', '-'), for example drill-1 or inc-4711.
        #[arg(long, default_value = "default", value_name = "NAME")]
        session: String,
    },
    /// Write a session's log (steps done, times, notes) as markdown.
    Export {
        /// The session name given to `ktm playbook run --session`.
        session: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Markdown)]
        format: ExportFormat,
        /// Write to this file (atomically) instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Markdown,
    Json,
}

/// Where a live collection reads from.
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterArgs {
    /// The kubeconfig file (default: $KUBECONFIG, several files merged, or ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// List namespaced kinds in this namespace only (cluster-scoped kinds are still read).
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Seconds per API request; the whole collection may take ten times as long.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Objects per page of a list request.
    #[arg(long, value_name = "N", default_value_t = 500, hide = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: u32,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// An ATT&CK Navigator layer (format 4.5, enterprise-attack) of the ATT&CK techniques
    /// behind ours; scored and coloured by findings when check results are given.
    Navigator {
        /// The output of `ktm check --format json`.
        #[arg(long, value_name = "FILE")]
        from_check: Option<PathBuf>,
        /// Write to this file (atomically) instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The whole matrix as linked markdown pages under DIR (index.md first).
    Markdown {
        /// The folder to write (created when missing).
        dir: PathBuf,
    },
    /// The loaded matrix as one JSON document.
    Json {
        /// Write to this file (atomically) instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}
