//! Narratives classified per second, on one core, printed as a figure.
//!
//! Run with `cargo bench -p fengqiao-classify --bench speed`. It classifies the
//! held-out test narratives over and over (about 100,000 in all), with the model and
//! with the rules alone.

use std::hint::black_box;
use std::time::Instant;

use fengqiao_classify::{Classifier, RuleSet};

const HELD_OUT: &str = include_str!("../tests/data/held_out.tsv");
const ROUNDS: usize = 100_000;

fn main() {
    let narratives: Vec<&str> = HELD_OUT
        .lines()
        .skip(1)
        .filter_map(|line| line.split('\t').next())
        .collect();
    let started = Instant::now();
    let classifier = Classifier::default();
    println!("classifier built in {:.0?}", started.elapsed());
    measure("rules with the model", &classifier, &narratives);
    let started = Instant::now();
    let rules = Classifier::rules_only(RuleSet::embedded()).expect("the embedded rules");
    println!("rules-only classifier built in {:.0?}", started.elapsed());
    measure("rules alone", &rules, &narratives);
}

fn measure(label: &str, classifier: &Classifier, narratives: &[&str]) {
    let started = Instant::now();
    let mut done = 0;
    while done < ROUNDS {
        for text in narratives {
            black_box(classifier.classify(black_box(text)));
        }
        done += narratives.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{label}: {done} narratives in {seconds:.2} s: {:.0} narratives/s",
        done as f64 / seconds
    );
}
