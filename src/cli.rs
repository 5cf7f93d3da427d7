//! The command-line front end: parse (clap), resolve a [`context::Context`], dispatch to a
//! thin command handler writing to stdout, and map the outcome to an exit code.

pub mod args;
pub mod context;
pub mod list;
pub mod output;
pub mod search;
pub mod show;
pub mod validate;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use args::{Args, Command};
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
        None => {
            let loaded = ctx.load()?;
            home(out, &loaded.matrix)?;
            Ok(Outcome::Success)
        }
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
            Ok(if failed {
                Outcome::Findings
            } else {
                Outcome::Success
            })
        }
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

/// Bare `ktm` without a terminal UI: the tactics with their technique counts.
fn home(out: &mut dyn Write, matrix: &crate::matrix::Matrix) -> io::Result<()> {
    writeln!(
        out,
        "Threat Matrix for Kubernetes: {} tactics, {} techniques, {} mitigations\n",
        matrix.tactics.len(),
        matrix.techniques.len(),
        matrix.mitigations.len()
    )?;
    for t in &matrix.tactics {
        let count = matrix.techniques_in(t.id.as_str()).count();
        writeln!(
            out,
            "  {:<22} {count:>2} techniques",
            crate::text::sanitize(&t.name)
        )?;
    }
    writeln!(
        out,
        "\nTry `ktm list techniques`, `ktm show MS-TA9018` or `ktm --help`."
    )
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
