//! `fengqiao classify`: the category suggestion (警情分类建议) for narratives, one per line
//! on standard input, one JSON object per line on standard output:
//! `{"text": …, "category": ["纠纷", "邻里类", "邻里纠纷"], "confidence": 0.82,
//! "evidence": […]}`, category names exactly as in the incident_category code table.
//! Every input line gets an output line (a blank one is 其他 with confidence 0), so the
//! answers line up with the questions. The command never opens the database.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use fengqiao_classify::Classifier;
use serde::Serialize;

/// Options of `classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Extra rules in the format of the embedded default (keyword rules, combinations,
    /// new categories), added to the default rules. A bad rule stops the command before
    /// any output, naming its line.
    #[arg(long, value_name = "EXTRA.toml")]
    pub rules: Option<PathBuf>,
}

/// One line of output, keys in the contract's order.
#[derive(Serialize)]
struct Line<'a> {
    text: &'a str,
    category: &'a [String],
    confidence: f64,
    evidence: &'a [String],
}

/// The classifier with the embedded rules, extended by an administrator's file.
pub(crate) fn load(rules: Option<&std::path::Path>) -> anyhow::Result<Classifier> {
    Ok(match rules {
        None => Classifier::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the rules file {}", path.display()))?;
            Classifier::with_extension(&path.display().to_string(), &text)?
        }
    })
}

/// Classifies standard input line by line.
pub(crate) fn run(args: &ClassifyArgs) -> anyhow::Result<ExitCode> {
    let classifier = load(args.rules.as_deref())?;
    let mut input = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let read = input
            .read_until(b'\n', &mut buffer)
            .context("reading standard input")?;
        if read == 0 {
            break;
        }
        let line = buffer.strip_suffix(b"\n").unwrap_or(&buffer);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // Bytes that are not UTF-8 are replaced, not refused: the line still gets its
        // answer, and the text shows what was read.
        let text = String::from_utf8_lossy(line);
        let answer = classifier.classify(&text);
        serde_json::to_writer(
            &mut out,
            &Line {
                text: &text,
                category: &answer.names,
                confidence: (answer.confidence * 100.0).round() / 100.0,
                evidence: &answer.evidence,
            },
        )?;
        out.write_all(b"\n")?;
    }
    out.flush().context("writing to standard output")?;
    Ok(ExitCode::SUCCESS)
}
