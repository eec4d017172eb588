//! Measures the classifier on labelled narratives, the rules alone against the rules with
//! the model, always with a model that never saw the narratives it is judged on.
//!
//! ```text
//! cargo run -p fengqiao-classify --release --example evaluate -- cv 5 [EXTRA.tsv...]
//! cargo run -p fengqiao-classify --release --example evaluate -- blind SET=RULES.toml...
//! cargo run -p fengqiao-classify --release --example evaluate -- run FILE.tsv...
//! ```
//!
//! `cv K`: K-fold cross-validation over the embedded training data and any extra
//! labelled files (row i in fold i mod K); each fold's model is trained on the others.
//! `blind`: for each labelled set of `tests/data`, the rules as they stood before that set
//! was written (e.g. from `git show COMMIT:crates/classify/rules/default.toml`), alone
//! and with a model trained on every other set. `run`: the shipped classifier.

use fengqiao_classify::{Classifier, RuleSet, TRAINING_DATA};

/// One labelled narrative: text, top level, class, subclass, and the set it is from.
#[derive(Clone)]
struct Row {
    columns: [String; 4],
    set: String,
}

fn rows(text: &str, default_set: &str) -> Vec<Row> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut cols = line.split('\t').map(|c| c.trim().to_string());
            let mut next = || cols.next().unwrap_or_default();
            let columns = [next(), next(), next(), next()];
            let set = Some(next()).filter(|s| !s.is_empty());
            Row {
                columns,
                set: set.unwrap_or_else(|| default_set.to_string()),
            }
        })
        .collect()
}

fn tsv(rows: &[&Row]) -> String {
    let mut text = String::from("text\ttop\tdispute_class\tdispute_subclass\n");
    for row in rows {
        text.push_str(&row.columns.join("\t"));
        text.push('\n');
    }
    text
}

/// Right top levels, disputes, right dispute classes, with misses printed if asked.
#[derive(Default, Clone, Copy)]
struct Score {
    all: usize,
    top: usize,
    disputes: usize,
    class: usize,
}

impl Score {
    fn add(&mut self, classifier: &Classifier, row: &Row, show: bool) {
        let answer = classifier.classify(&row.columns[0]);
        let got = |i: usize| answer.names.get(i).map_or("", String::as_str);
        let top_right = got(0) == row.columns[1];
        self.all += 1;
        self.top += usize::from(top_right);
        let class = &row.columns[2];
        let class_right = class.is_empty() || (top_right && got(1) == class);
        if !class.is_empty() {
            self.disputes += 1;
            self.class += usize::from(class_right);
        }
        if show && !(top_right && class_right) {
            println!(
                "  MISS {} | {} {} | {:?} {:.2} {:?}",
                row.columns[0],
                row.columns[1],
                class,
                answer.names,
                answer.confidence,
                answer.evidence
            );
        }
    }

    fn merge(&mut self, other: Self) {
        self.all += other.all;
        self.top += other.top;
        self.disputes += other.disputes;
        self.class += other.class;
    }

    fn text(self) -> String {
        format!(
            "top {:.3} ({}/{}), dispute class {:.3} ({}/{})",
            self.top as f64 / self.all.max(1) as f64,
            self.top,
            self.all,
            self.class as f64 / self.disputes.max(1) as f64,
            self.class,
            self.disputes
        )
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show = std::env::var("SHOW").is_ok();
    match args.first().map(String::as_str) {
        Some("cv") => {
            let folds: usize = args[1].parse().expect("a number of folds");
            let mut pool = rows(TRAINING_DATA, "train");
            for file in &args[2..] {
                let text = std::fs::read_to_string(file).expect("readable file");
                pool.extend(rows(&text, file));
            }
            let rules = Classifier::rules_only(RuleSet::embedded()).expect("rules");
            let (mut alone, mut with) = (Score::default(), Score::default());
            for fold in 0..folds {
                let training: Vec<&Row> = pool
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % folds != fold)
                    .map(|(_, r)| r)
                    .collect();
                let model = Classifier::with_training(RuleSet::embedded(), "fold", &tsv(&training))
                    .expect("training");
                for row in pool.iter().skip(fold).step_by(folds) {
                    alone.add(&rules, row, false);
                    with.add(&model, row, show);
                }
            }
            println!("{folds}-fold over {} narratives", pool.len());
            println!("rules alone:  {}", alone.text());
            println!("rules+model:  {}", with.text());
        }
        Some("blind") => {
            let pool = rows(TRAINING_DATA, "train");
            let (mut alone_all, mut with_all) = (Score::default(), Score::default());
            for spec in &args[1..] {
                let (set, rules_file) = spec.split_once('=').expect("SET=RULES.toml");
                let rules_text = std::fs::read_to_string(rules_file).expect("readable rules");
                let old = || RuleSet::parse(rules_file, &rules_text).expect("old rules");
                let alone_classifier = Classifier::rules_only(old()).expect("rules");
                let training: Vec<&Row> = pool.iter().filter(|r| r.set != set).collect();
                let with_classifier =
                    Classifier::with_training(old(), "others", &tsv(&training)).expect("training");
                let (mut alone, mut with) = (Score::default(), Score::default());
                for row in pool.iter().filter(|r| r.set == set) {
                    alone.add(&alone_classifier, row, false);
                    with.add(&with_classifier, row, show);
                }
                println!(
                    "{set}: rules then {} | with model {}",
                    alone.text(),
                    with.text()
                );
                alone_all.merge(alone);
                with_all.merge(with);
            }
            println!(
                "all: rules then {} | with model {}",
                alone_all.text(),
                with_all.text()
            );
        }
        Some("run") => {
            let started = std::time::Instant::now();
            let classifier = Classifier::default();
            let with_model = started.elapsed();
            let started = std::time::Instant::now();
            let rules = Classifier::rules_only(RuleSet::embedded()).expect("rules");
            let alone = started.elapsed();
            println!("built in {with_model:.0?} with the model, {alone:.0?} rules only");
            for file in &args[1..] {
                let text = std::fs::read_to_string(file).expect("readable file");
                let (mut alone, mut with) = (Score::default(), Score::default());
                for row in rows(&text, file) {
                    alone.add(&rules, &row, show);
                    with.add(&classifier, &row, show);
                }
                println!(
                    "{file}: rules alone {} | rules+model {}",
                    alone.text(),
                    with.text()
                );
            }
        }
        _ => eprintln!("usage: evaluate cv K [FILE...] | blind SET=RULES.toml... | run FILE..."),
    }
}
