//! The command-line front end: parse (clap), resolve a [`context::Context`], dispatch to a
//! thin command handler writing to stdout, and map the outcome to an exit code.

pub mod args;
pub mod check;
pub mod collect;
pub mod context;
pub mod hunt;
pub mod list;
pub mod output;
pub mod playbook;
pub mod search;
pub mod show;
pub mod start;
pub mod validate;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use args::{Args, Command, ExportCommand, PlaybookCommand};
use context::Context;

/// Exit status: 0 success, 1 findings/validation errors/not found, 2 operational error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Findings,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let args = Args::parse();
    let ctx = Context::from_args(&args);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match run(&args, &ctx, &mut out).and_then(|o| {
        out.flush()?;
        Ok(o)
    }) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", crate::text::sanitize(&format!("{err:#}")));
            ExitCode::from(2)
        }
    }
}

/// Runs one parsed command against `out`.
pub fn run(args: &Args, ctx: &Context, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    match &args.command {
        None => start::start_tui(ctx, args, None),
        Some(Command::Playbook(command)) => playbook_command(ctx, args, command, out),
        Some(Command::Export(command)) => export_command(ctx, command, out),
        Some(Command::List {
            what,
            tactic,
            format,
        }) => {
            let loaded = ctx.load()?;
            list::run(
                out,
                &loaded.matrix,
                *what,
                tactic.as_deref(),
                *format,
                ctx.color,
            )?;
            Ok(Outcome::Success)
        }
        Some(Command::Show { id, format, width }) => {
            let loaded = ctx.load()?;
            let found = show::run(
                out,
                &loaded.matrix,
                id,
                *format,
                ctx.width(*width),
                ctx.color,
            )?;
            Ok(if found {
                Outcome::Success
            } else {
                Outcome::Findings
            })
        }
        Some(Command::Validate { path, format }) => {
            let failed = validate::run(out, ctx, path.as_deref(), *format)?;
            Ok(outcome(failed))
        }
        Some(Command::Snapshot { output, cluster }) => snapshot(ctx, cluster, output),
        Some(Command::Hunt {
            audit_logs,
            since,
            until,
            user,
            techniques,
            format,
        }) => {
            let request = hunt::Request {
                paths: audit_logs,
                since: since.as_deref(),
                until: until.as_deref(),
                user: user.as_deref(),
                techniques,
                format: *format,
                color: ctx.color,
            };
            Ok(outcome(hunt::run(out, &ctx.load()?.matrix, &request)?))
        }
        Some(command @ Command::Check { .. }) => check_command(ctx, command, out),
        Some(Command::Search {
            query,
            kind,
            tactic,
            limit,
            format,
            no_cache,
        }) => {
            let request = search::Request {
                query: &query.join(" "),
                kind: kind.as_deref(),
                tactic: tactic.as_deref(),
                limit: usize::from(*limit),
                format: *format,
                no_cache: *no_cache,
            };
            Ok(if search::run(out, ctx, &request)? {
                Outcome::Success
            } else {
                Outcome::Findings
            })
        }
        Some(Command::Completions { shell }) => {
            clap_complete::generate(*shell, &mut Args::command(), "ktm", out);
            Ok(Outcome::Success)
        }
    }
}

/// `ktm check`: the checks over manifests, a snapshot or the live cluster.
fn check_command(ctx: &Context, command: &Command, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let Command::Check {
        manifests,
        snapshot,
        cluster,
        techniques,
        checks,
        severity_min,
        fail_on,
        exceptions,
        format,
    } = command
    else {
        anyhow::bail!("internal error: check_command called with another command");
    };
    let loaded = ctx.load()?;
    let options = check::Options {
        manifests,
        snapshot: snapshot.as_deref(),
        cluster,
        techniques,
        checks,
        severity_min: *severity_min,
        fail_on: *fail_on,
        exceptions: exceptions.as_deref(),
        format: *format,
        color: ctx.color,
    };
    let failed = check::run(out, &loaded.matrix, &options)?;
    Ok(outcome(failed))
}

/// `ktm snapshot`: list what the checks need and write it to a file.
fn snapshot(
    ctx: &Context,
    cluster: &args::ClusterArgs,
    output: &std::path::Path,
) -> anyhow::Result<Outcome> {
    let loaded = ctx.load()?;
    let kinds = collect::kinds_for(&loaded.matrix, []);
    let collected = collect::collect(cluster, &kinds)?;
    collect::write_snapshot(&collected, output)?;
    let missing = if collected.unavailable.is_empty() {
        String::new()
    } else {
        let kinds: Vec<&str> = collected.unavailable.keys().map(String::as_str).collect();
        format!("; could not read: {}", kinds.join(", "))
    };
    eprintln!(
        "wrote {} objects from context {} ({}) to {}{missing}",
        collected.objects.len(),
        crate::text::sanitize(&collected.context),
        crate::text::sanitize(&collected.server),
        output.display(),
    );
    Ok(Outcome::Success)
}

fn playbook_command(
    ctx: &Context,
    args: &Args,
    command: &PlaybookCommand,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let loaded = ctx.load()?;
    let matrix = &loaded.matrix;
    match command {
        PlaybookCommand::List { format } => playbook::list(out, matrix, *format, ctx.color)?,
        PlaybookCommand::Show {
            id,
            facilitator,
            width,
        } => playbook::show(out, matrix, id, *facilitator, ctx.width(*width), ctx.color)?,
        PlaybookCommand::Run { id, session } => {
            let found = playbook::find(matrix, id)?.id().to_owned();
            crate::walk::store::Store::new(std::path::Path::new(".")).path(session, &found)?;
            return start::start_tui(
                ctx,
                args,
                Some(start::Walk {
                    playbook: found,
                    session: session.clone(),
                }),
            );
        }
        PlaybookCommand::Export {
            session,
            format,
            output,
        } => playbook::export(
            out,
            matrix,
            context::data_dir().as_deref(),
            session,
            *format,
            output.as_deref(),
        )?,
    }
    Ok(Outcome::Success)
}

fn export_command(
    ctx: &Context,
    command: &ExportCommand,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use anyhow::Context as _;
    let loaded = ctx.load()?;
    let matrix = &loaded.matrix;
    let emit = |text: String, file: Option<&std::path::Path>, out: &mut dyn Write| match file {
        Some(path) => crate::fsutil::write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display())),
        None => out.write_all(text.as_bytes()).map_err(Into::into),
    };
    match command {
        ExportCommand::Navigator { from_check, output } => {
            let findings = match from_check {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    let report: serde_json::Value =
                        serde_json::from_str(&text).with_context(|| {
                            format!(
                                "{} is not JSON; produce it with `ktm check --format json`",
                                path.display()
                            )
                        })?;
                    if report
                        .get("findings")
                        .and_then(serde_json::Value::as_array)
                        .is_none()
                    {
                        anyhow::bail!(
                            "{} has no `findings` list; produce it with `ktm check --format json`",
                            path.display()
                        );
                    }
                    Some(crate::export::findings_by_technique(&report))
                }
                None => None,
            };
            let layer = crate::export::navigator(matrix, findings.as_ref());
            let mut text = serde_json::to_string_pretty(&layer)?;
            text.push('\n');
            emit(text, output.as_deref(), out)?;
        }
        ExportCommand::Json { output } => {
            let mut text = serde_json::to_string_pretty(&crate::export::matrix_json(matrix))?;
            text.push('\n');
            emit(text, output.as_deref(), out)?;
        }
        ExportCommand::Markdown { dir } => {
            let n = crate::export::markdown::write(matrix, dir)
                .with_context(|| format!("cannot write the pages under {}", dir.display()))?;
            eprintln!("wrote {n} pages under {}", dir.display());
        }
    }
    Ok(Outcome::Success)
}

/// Exit 1 when something was found (or failed), else 0.
fn outcome(failed: bool) -> Outcome {
    if failed {
        Outcome::Findings
    } else {
        Outcome::Success
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
