//! The classifier as the dispatcher meets it: accuracy on the shared sample and on our
//! own labelled sets, the rule format and its errors, negation, confidence, and inputs
//! that must not break it; the statistical model cross-validated (never judged on what
//! it was trained on), alone and with the rules, its determinism, and the precedence of
//! an administrator's rules. Every set but `fresh7.tsv` is also the model's training
//! data, so their floors below guard what works rather than estimate unseen accuracy.

use std::path::PathBuf;
use std::sync::OnceLock;

use fengqiao_classify::{Classifier, RuleSet};

/// Building a classifier loads jieba's dictionary; one is shared by the tests.
fn classifier() -> &'static Classifier {
    static CLASSIFIER: OnceLock<Classifier> = OnceLock::new();
    CLASSIFIER.get_or_init(Classifier::default)
}

/// One labelled narrative: the text, the top-level name, and for a dispute its class
/// and (in our own set) subclass.
struct Case {
    text: String,
    top: String,
    class: String,
    subclass: String,
}

fn read_cases(tsv: &str) -> Vec<Case> {
    tsv.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut columns = line.split('\t').map(str::trim);
            let mut next = || columns.next().unwrap_or_default().to_string();
            Case {
                text: next(),
                top: next(),
                class: next(),
                subclass: next(),
            }
        })
        .collect()
}

/// Shares of right top levels, right dispute classes (over the disputes) and right
/// subclasses (over the disputes that have one), with every miss printed.
fn score(cases: &[Case]) -> (f64, f64, f64) {
    let (mut top, mut class, mut classes, mut subclass, mut subclasses) = (0, 0, 0, 0, 0);
    for case in cases {
        let answer = classifier().classify(&case.text);
        let name = |level: usize| answer.names.get(level).map_or("", String::as_str);
        let top_right = name(0) == case.top;
        let class_right = case.class.is_empty() || (top_right && name(1) == case.class);
        let sub_right = case.subclass.is_empty() || (class_right && name(2) == case.subclass);
        top += usize::from(top_right);
        if !case.class.is_empty() {
            classes += 1;
            class += usize::from(class_right);
        }
        if !case.subclass.is_empty() {
            subclasses += 1;
            subclass += usize::from(sub_right);
        }
        if !(top_right && class_right && sub_right) {
            println!(
                "MISS {} | expected {} {} {} | got {:?} {:.2} {:?}",
                case.text,
                case.top,
                case.class,
                case.subclass,
                answer.names,
                answer.confidence,
                answer.evidence
            );
        }
    }
    let share = |right: usize, all: usize| {
        if all == 0 {
            1.0
        } else {
            right as f64 / all as f64
        }
    };
    (
        share(top, cases.len()),
        share(class, classes),
        share(subclass, subclasses),
    )
}

#[test]
fn our_held_out_narratives_are_classified_at_least_ninety_percent_right() {
    let cases = read_cases(include_str!("data/held_out.tsv"));
    assert!(cases.len() >= 150, "{} cases", cases.len());

    let (top, class, subclass) = score(&cases);

    println!(
        "held out ({} narratives): top {top:.3}, dispute class {class:.3}, subclass {subclass:.3}",
        cases.len()
    );
    assert!(top >= 0.9, "top level {top:.3}");
    assert!(class >= 0.9, "dispute class {class:.3}");
    assert!(subclass >= 0.8, "dispute subclass {subclass:.3}");
}

/// A second set, written after the rules were finished. Its first run, before any
/// change, is the honest estimate for narratives the rules have not seen: top level
/// 0.710, dispute class 0.818, subclass 0.727 (62 narratives; most misses matched no
/// word at all). The gaps were then filled with words, not sentences (撬, 黑烟, 冲毁,
/// 没回家, 私分, 空地…), so it is no longer untouched; its floor guards against a
/// change that breaks what works.
#[test]
fn a_second_set_written_after_the_rules_stays_above_its_floor() {
    let cases = read_cases(include_str!("data/fresh.tsv"));

    let (top, class, subclass) = score(&cases);

    println!(
        "second set ({} narratives): top {top:.3}, dispute class {class:.3}, subclass {subclass:.3}",
        cases.len()
    );
    assert!(top >= 0.85, "top level {top:.3}");
    assert!(class >= 0.85, "dispute class {class:.3}");
}

/// A third set (130 narratives in several styles: 110 summaries, walk-in records, grid
/// reports; every top level and every dispute subclass), written before the rules were
/// changed for it. Its first run, before any change: top level 0.692, dispute class 0.729,
/// subclass 0.667 (most misses matched no word at all, or a strong word of another
/// category won: 拿走 in a family quarrel, 钥匙 in a theft). The rules were then
/// broadened by category and subclass, not by sentence; the floor is set just under
/// where it now stands, so a change that breaks what works fails here.
#[test]
fn a_third_set_written_before_its_rule_changes_stays_above_its_floor() {
    let cases = read_cases(include_str!("data/fresh2.tsv"));
    assert!(cases.len() >= 120, "{} cases", cases.len());

    let (top, class, subclass) = score(&cases);

    println!(
        "third set ({} narratives): top {top:.3}, dispute class {class:.3}, subclass {subclass:.3}",
        cases.len()
    );
    assert!(top >= 0.95, "top level {top:.3}");
    assert!(class >= 0.95, "dispute class {class:.3}");
}

/// A fourth set (66 narratives), written after the third set's changes and run once
/// before any change for it: top level 0.803, dispute class 0.783, the best estimate
/// of accuracy on narratives the rules have not seen. Its misses were again mostly
/// words not known (牵走, 决口, 蹲守…) and one of the matcher (工资 hidden in the
/// segmenter's 月工资), and were filled the same way.
#[test]
fn a_fourth_set_run_blind_once_stays_above_its_floor() {
    let cases = read_cases(include_str!("data/fresh3.tsv"));
    assert!(cases.len() >= 60, "{} cases", cases.len());

    let (top, class, subclass) = score(&cases);

    println!(
        "fourth set ({} narratives): top {top:.3}, dispute class {class:.3}, subclass {subclass:.3}",
        cases.len()
    );
    assert!(top >= 0.95, "top level {top:.3}");
    assert!(class >= 0.95, "dispute class {class:.3}");
}

/// A fifth set (63 narratives), written on purpose in rarer wording (冒领, 调包, 飙摩托,
/// 插线板冒火花, 退婚…) and run once before any change for it: top level 0.587,
/// dispute class 0.667. Keyword rules have a long tail: read this first run, not the
/// floor, as the warning that unseen phrasing is still often missed.
#[test]
fn a_fifth_set_of_rarer_wording_stays_above_its_floor() {
    let cases = read_cases(include_str!("data/fresh4.tsv"));
    assert!(cases.len() >= 60, "{} cases", cases.len());

    let (top, class, subclass) = score(&cases);

    println!(
        "fifth set ({} narratives): top {top:.3}, dispute class {class:.3}, subclass {subclass:.3}",
        cases.len()
    );
    assert!(top >= 0.95, "top level {top:.3}");
    assert!(class >= 0.95, "dispute class {class:.3}");
}

/// A sixth set (60 narratives) in the shared sample's plain 110 style, run once before
/// any change for it: top level 0.783, dispute class 0.833. Besides unknown words its
/// misses showed two patterns of the scores, since fixed by rules: a spouse or relative
/// as the other party must decide the family class over the fight words (老婆动手打了他),
/// and a harm with a claim (摔坏 + 不给赔) must outweigh the parties' roles.
#[test]
fn a_sixth_set_in_the_samples_style_stays_above_its_floor() {
    let cases = read_cases(include_str!("data/fresh5.tsv"));
    assert!(cases.len() >= 60, "{} cases", cases.len());

    let (top, class, subclass) = score(&cases);

    println!(
        "sixth set ({} narratives): top {top:.3}, dispute class {class:.3}, subclass {subclass:.3}",
        cases.len()
    );
    assert!(top >= 0.95, "top level {top:.3}");
    assert!(class >= 0.95, "dispute class {class:.3}");
}

/// A seventh set (52 narratives) in the same plain style, run once after the sixth set's
/// changes: top level 0.827, dispute class 0.909, the latest estimate for unseen
/// narratives (the sixth set's first run was 0.783 and 0.833).
#[test]
fn a_seventh_set_in_the_samples_style_stays_above_its_floor() {
    let cases = read_cases(include_str!("data/fresh6.tsv"));
    assert!(cases.len() >= 50, "{} cases", cases.len());

    let (top, class, subclass) = score(&cases);

    println!(
        "seventh set ({} narratives): top {top:.3}, dispute class {class:.3}, subclass {subclass:.3}",
        cases.len()
    );
    assert!(top >= 0.95, "top level {top:.3}");
    assert!(class >= 0.95, "dispute class {class:.3}");
}

/// An eighth set (60 narratives in the shared sample's style), written before the
/// statistical model and never trained on (`data/train.tsv` leaves it out). Its blind
/// first run: rules alone top 0.800, dispute class 0.800; rules with the model 0.883 and
/// 0.900, the estimate for unseen narratives. Nothing was changed for it since (three
/// changes made afterwards for other tests left those figures as they were).
#[test]
fn an_eighth_set_never_trained_on_stays_above_its_first_run() {
    let cases = read_cases(include_str!("data/fresh7.tsv"));
    assert!(cases.len() >= 60, "{} cases", cases.len());

    let (top, class, subclass) = score(&cases);

    println!(
        "eighth set ({} narratives): top {top:.3}, dispute class {class:.3}, subclass {subclass:.3}",
        cases.len()
    );
    assert!(top >= 0.88, "top level {top:.3}");
    assert!(class >= 0.9, "dispute class {class:.3}");
}

#[test]
fn the_shared_sample_is_classified_at_least_ninety_percent_right() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/samples/classify/narratives.tsv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the shared sample {} is missing",
            path.display()
        );
        println!("skipped: the shared sample {} is not here", path.display());
        return;
    };
    let cases = read_cases(&text);

    let (top, class, _) = score(&cases);

    println!(
        "shared sample ({} narratives): top {top:.3}, dispute class {class:.3}",
        cases.len()
    );
    assert!(top >= 0.9, "top level {top:.3}");
    assert!(class >= 0.9, "dispute class {class:.3}");
}

#[test]
fn a_dispute_gets_its_class_and_subclass_with_the_words_that_decided_it() {
    let answer = classifier().classify("报警人称与邻居因宅基地边界问题发生争吵");

    assert_eq!(answer.names, ["纠纷", "邻里类", "土地宅基地纠纷"]);
    assert_eq!(answer.codes, ["dispute", "neighbour", "land_homestead"]);
    assert!(
        answer.evidence.contains(&"宅基地".to_string()),
        "{answer:?}"
    );
    assert!(answer.confidence > 0.5, "{answer:?}");
}

#[test]
fn an_accident_is_traffic_until_the_parties_argue_about_paying() {
    let accident = classifier().classify("报警人称两车在路口追尾，有人受伤");
    let argument = classifier().classify("报警人称两车追尾，无人受伤，双方对赔偿谈不拢");

    assert_eq!(accident.names, ["交通"]);
    assert_eq!(argument.names, ["纠纷", "治安类", "交通事故纠纷"]);
}

#[test]
fn a_negated_word_does_not_count() {
    let smoke = classifier().classify("报警人称厨房冒烟起火");
    let no_fire = classifier().classify("报警人称闻到焦味，现场未起火，无人被困");

    assert_eq!(smoke.names, ["火灾与灾害"]);
    assert!(!no_fire.evidence.iter().any(|w| w == "起火"), "{no_fire:?}");
    assert!(
        no_fire.confidence < smoke.confidence,
        "{no_fire:?} vs {smoke:?}"
    );
}

/// With no rule word the model answers only when it is sure beyond its priors: a text it
/// knows nothing of, or one word it met in a few disputes (今天), is no ground.
#[test]
fn nothing_recognised_is_other_with_confidence_zero() {
    for text in ["今天天气不错", "今天", "你好"] {
        let answer = classifier().classify(text);

        assert_eq!(answer.names, ["其他"], "{text}: {answer:?}");
        assert_eq!(answer.confidence, 0.0);
        assert!(answer.evidence.is_empty());
    }
}

#[test]
fn confidence_is_higher_when_the_words_agree_than_when_they_compete() {
    let clear = classifier().classify("报警人称家中被盗，小偷撬门入室偷走现金");
    let mixed = classifier().classify("报警人称被人偷了手机，追上去后双方打架");

    assert_eq!(clear.names, ["刑事"]);
    assert!(
        clear.confidence > mixed.confidence,
        "{clear:?} vs {mixed:?}"
    );
    for answer in [&clear, &mixed] {
        assert!((0.0..=1.0).contains(&answer.confidence), "{answer:?}");
    }
}

#[test]
fn an_administrators_extension_adds_words_at_run_time() {
    let extra = "[[rule]]\ncategory = \"report_complaint\"\nweight = 6.0\nwords = [\"代孕\"]\n";
    let before = classifier().classify("有人在小区发广告招募代孕");

    let extended = Classifier::with_extension("extra.toml", extra).unwrap();
    let after = extended.classify("有人在小区发广告招募代孕");

    assert_ne!(before.names, ["举报投诉"]);
    assert_eq!(after.names, ["举报投诉"]);
    assert_eq!(after.evidence, ["代孕"]);
}

#[test]
fn an_extension_can_add_a_subclass() {
    let extra = "[[category]]\ncode = \"online_shopping\"\nname = \"网购纠纷\"\nparent = \"economic\"\n\n\
                 [[rule]]\ncategory = \"online_shopping\"\nweight = 6.0\nwords = [\"网店\"]\n";
    let extended = Classifier::with_extension("extra.toml", extra).unwrap();

    let answer = extended.classify("报警人称网店一直不发货");

    assert_eq!(answer.names, ["纠纷", "经济类", "网购纠纷"]);
}

#[test]
fn bad_rule_text_is_refused_with_its_file_and_line() {
    let cases = [
        (
            "[[rule]]\ncategory = \"criminal\"\nweight = \n",
            3,
            "extra.toml",
        ),
        (
            "\n\n[[rule]]\ncategory = \"nonsense\"\nweight = 1.0\nwords = [\"x\"]\n",
            3,
            "unknown category",
        ),
        (
            "[[rule]]\ncategory = \"criminal\"\nweight = -1.0\nwords = [\"偷\"]\n",
            1,
            "weight",
        ),
        (
            "[[rule]]\ncategory = \"criminal\"\nweight = 1.0\nwords = [\"两 个\"]\n",
            1,
            "space",
        ),
        (
            "[[rule]]\ncategory = \"criminal\"\nweight = 1.0\nwords = []\n",
            1,
            "at least one word",
        ),
        (
            "[[rule]]\ncategory = \"criminal\"\nweight = 1.0\nwords = [\"偷\"]\nhint = true\n",
            1,
            "hint",
        ),
        (
            "[[rule]]\ncategory = \"criminal\"\nwieght = 1.0\nwords = [\"偷\"]\n",
            3,
            "wieght",
        ),
        (
            "[[category]]\ncode = \"criminal\"\nname = \"刑事\"\n",
            1,
            "defined twice",
        ),
    ];
    for (text, line, needle) in cases {
        let error = Classifier::with_extension("extra.toml", text).unwrap_err();

        let message = error.to_string();
        assert_eq!(error.source_name, "extra.toml", "{message}");
        assert_eq!(error.line, line, "{message}");
        assert!(message.contains(needle), "{needle:?} not in {message}");
        assert!(
            message.starts_with(&format!("extra.toml: line {line}: ")),
            "{message}"
        );
    }
}

#[test]
fn the_embedded_rules_read_alone_are_the_default() {
    let set = RuleSet::parse("default", fengqiao_classify::DEFAULT_RULES).unwrap();
    let classifier = Classifier::new(set).unwrap();

    assert_eq!(classifier.name_of("quarrel_fight"), Some("口角斗殴"));
    assert_eq!(classifier.name_of("public_order"), Some("治安"));
    assert_eq!(
        classifier.classify("报警人称老板拖欠工资").names,
        ["纠纷", "经济类", "劳资纠纷"]
    );
}

#[test]
fn every_top_level_and_subclass_of_the_code_table_is_reachable() {
    let expected = [
        ("criminal", "刑事"),
        ("public_order", "治安"),
        ("traffic", "交通"),
        ("fire_disaster", "火灾与灾害"),
        ("dispute", "纠纷"),
        ("assistance", "求助"),
        ("report_complaint", "举报投诉"),
        ("non_police", "非警务"),
        ("invalid", "无效"),
        ("other", "其他"),
        ("family", "家庭类"),
        ("neighbour", "邻里类"),
        ("economic", "经济类"),
        ("public_order_dispute", "治安类"),
        ("marriage", "婚姻纠纷"),
        ("family_member", "家庭成员纠纷"),
        ("support_inheritance", "赡养抚养继承纠纷"),
        ("neighbour_dispute", "邻里纠纷"),
        ("property_management", "物业纠纷"),
        ("land_homestead", "土地宅基地纠纷"),
        ("wages", "劳资纠纷"),
        ("debt", "债务纠纷"),
        ("consumer_contract", "消费合同纠纷"),
        ("quarrel_fight", "口角斗殴"),
        ("traffic_accident", "交通事故纠纷"),
        ("damage_compensation", "损害赔偿纠纷"),
    ];
    let held_out = read_cases(include_str!("data/held_out.tsv"));
    for (code, name) in expected {
        assert_eq!(classifier().name_of(code), Some(name), "{code}");
        let answered = held_out.iter().any(|case| {
            classifier()
                .classify(&case.text)
                .codes
                .iter()
                .any(|c| c == code)
        });
        assert!(answered, "no held-out narrative is answered with {code}");
    }
}

#[test]
fn no_input_breaks_it() {
    let long_text = "报警人称邻居吵架".repeat(1_300);
    let mut junk = String::new();
    for n in 0..4_000_u32 {
        junk.push(char::from_u32((n * 7919) % 0x2_FFFF).unwrap_or('\u{FFFD}'));
    }
    let inputs = [
        String::new(),
        " \t\r".to_string(),
        "，。！？、；：".repeat(100),
        long_text,
        junk,
        "\u{0}\u{1}\u{7f}\u{FEFF}\u{200B}".to_string(),
        "ＡＢＣ１２３　全角".to_string(),
        "a".repeat(10_000),
        "无".repeat(5_000),
        "𠀀𠀁𪚥🚓🚒".repeat(50),
    ];
    for input in &inputs {
        let answer = classifier().classify(input);

        assert!(!answer.names.is_empty());
        assert_eq!(answer.names.len(), answer.codes.len());
        assert!((0.0..=1.0).contains(&answer.confidence), "{answer:?}");
    }
    assert_eq!(classifier().classify("").names, ["其他"]);
}

/// The sets the model is trained on, in the order `data/assemble.sh` writes them.
const TRAINING_SETS: [(&str, &str); 7] = [
    ("held_out", include_str!("data/held_out.tsv")),
    ("fresh", include_str!("data/fresh.tsv")),
    ("fresh2", include_str!("data/fresh2.tsv")),
    ("fresh3", include_str!("data/fresh3.tsv")),
    ("fresh4", include_str!("data/fresh4.tsv")),
    ("fresh5", include_str!("data/fresh5.tsv")),
    ("fresh6", include_str!("data/fresh6.tsv")),
];

#[test]
fn the_training_data_is_the_labelled_sets_without_the_blind_one() {
    let mut expected = vec!["text\ttop\tdispute_class\tdispute_subclass\tset".to_string()];
    for (set, text) in TRAINING_SETS {
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let columns: Vec<&str> = line.split('\t').collect();
            let column = |i: usize| columns.get(i).copied().unwrap_or_default();
            expected.push(format!(
                "{}\t{}\t{}\t{}\t{set}",
                column(0),
                column(1),
                column(2),
                column(3)
            ));
        }
    }
    let shipped: Vec<&str> = fengqiao_classify::TRAINING_DATA.lines().collect();

    assert_eq!(
        shipped, expected,
        "run `sh data/assemble.sh` in crates/classify"
    );
    let blind = read_cases(include_str!("data/fresh7.tsv"));
    for case in &blind {
        assert!(
            !shipped
                .iter()
                .any(|line| line.starts_with(&format!("{}\t", case.text))),
            "a blind narrative is in the training data: {}",
            case.text
        );
    }
}

/// Every labelled narrative of the crate: the training data and the blind set.
fn all_labelled() -> Vec<Case> {
    let mut cases = read_cases(fengqiao_classify::TRAINING_DATA);
    cases.extend(read_cases(include_str!("data/fresh7.tsv")));
    cases
}

fn as_tsv(cases: &[&Case]) -> String {
    let mut text = String::from("text\ttop\tdispute_class\tdispute_subclass\n");
    for case in cases {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            case.text, case.top, case.class, case.subclass
        ));
    }
    text
}

/// Right top levels and right dispute classes of `classifier` on `cases`.
fn tally(classifier: &Classifier, cases: &[&Case]) -> (usize, usize, usize) {
    let (mut top, mut class, mut disputes) = (0, 0, 0);
    for case in cases {
        let answer = classifier.classify(&case.text);
        let name = |level: usize| answer.names.get(level).map_or("", String::as_str);
        top += usize::from(name(0) == case.top);
        if !case.class.is_empty() {
            disputes += 1;
            class += usize::from(name(0) == case.top && name(1) == case.class);
        }
    }
    (top, class, disputes)
}

/// K-fold cross-validation over every labelled narrative of the crate (row i in fold
/// i mod K), each fold classified by rules with a model trained on the other folds only,
/// built from `rules`. Answers the shares of right top levels and dispute classes.
fn cross_validate(rules: impl Fn() -> RuleSet, folds: usize) -> (f64, f64) {
    let cases = all_labelled();
    let (mut top, mut class, mut disputes) = (0, 0, 0);
    for fold in 0..folds {
        let training: Vec<&Case> = cases
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != fold)
            .map(|(_, case)| case)
            .collect();
        let judged: Vec<&Case> = cases.iter().skip(fold).step_by(folds).collect();
        let classifier = Classifier::with_training(rules(), "fold", &as_tsv(&training)).unwrap();

        let (t, c, d) = tally(&classifier, &judged);
        top += t;
        class += c;
        disputes += d;
    }
    (
        top as f64 / cases.len() as f64,
        class as f64 / disputes as f64,
    )
}

/// The rules were written against these narratives, so with the rules this is no
/// estimate for unseen ones (that is the blind comparison in ARCHITECTURE.md: 0.727 →
/// 0.896); it guards against a change to the model or the combination that undoes
/// what the rules get right. Measured over these 674 narratives: top 0.954, dispute
/// class 0.984 (the rules alone: 0.978 and 0.984).
#[test]
fn rules_with_a_model_trained_on_the_other_folds_stay_above_the_floor() {
    let (top, class) = cross_validate(RuleSet::embedded, 5);

    println!("5-fold, rules with the model: top {top:.3}, dispute class {class:.3}");
    assert!(top >= 0.94, "top level {top:.3}");
    assert!(class >= 0.96, "dispute class {class:.3}");
}

/// The category tree alone, without a single keyword rule.
fn categories_only() -> RuleSet {
    let text: String = fengqiao_classify::DEFAULT_RULES
        .split("\n\n")
        .filter(|block| block.starts_with("[[category]]") || block.starts_with("fallback"))
        .collect::<Vec<_>>()
        .join("\n\n");
    RuleSet::parse("categories", &text).unwrap()
}

/// The model with no rule at all, judged only on folds it never saw: the honest
/// measure of what it adds where the rules know no word. Measured: top 0.812, dispute
/// class 0.810 (an answer of 其他 when it is not sure counts as wrong).
#[test]
fn the_model_alone_cross_validated_gets_most_narratives_right() {
    let (top, class) = cross_validate(categories_only, 5);

    println!("5-fold, the model alone: top {top:.3}, dispute class {class:.3}");
    assert!(top >= 0.78, "top level {top:.3}");
    assert!(class >= 0.78, "dispute class {class:.3}");
}

#[test]
fn a_narrative_with_no_rule_word_now_gets_a_sensible_category() {
    let text = "报警人称楼上住户每天半夜拖椅子";
    let rules_alone = Classifier::rules_only(RuleSet::embedded()).unwrap();

    let before = rules_alone.classify(text);
    let after = classifier().classify(text);

    assert_eq!(before.names, ["其他"]);
    assert_eq!(before.confidence, 0.0);
    assert_eq!(after.names, ["纠纷", "邻里类", "邻里纠纷"], "{after:?}");
    assert!(
        after.confidence > 0.3 && after.confidence < 1.0,
        "{after:?}"
    );
    assert!(!after.evidence.is_empty(), "{after:?}");
    for word in &after.evidence {
        assert!(
            text.contains(word.as_str()),
            "{word} is not in the narrative"
        );
    }
}

#[test]
fn an_administrators_weak_rule_outweighs_the_model_where_it_matches() {
    let text = "报警人称楼上住户每天半夜拖椅子";
    let extra = "[[rule]]\ncategory = \"report_complaint\"\nweight = 1.0\nwords = [\"拖椅子\"]\n";
    let extended = Classifier::with_extension("extra.toml", extra).unwrap();

    let answer = extended.classify(text);
    let elsewhere = extended.classify("报警人称家中被盗，小偷撬门入室偷走现金");

    assert_eq!(answer.names, ["举报投诉"], "{answer:?}");
    assert_eq!(answer.evidence, ["拖椅子"]);
    assert_eq!(
        elsewhere,
        classifier().classify("报警人称家中被盗，小偷撬门入室偷走现金")
    );
}

#[test]
fn two_classifiers_built_from_the_same_data_answer_exactly_alike() {
    let again = Classifier::default();
    let cases = read_cases(include_str!("data/fresh7.tsv"));

    for case in &cases {
        let first = classifier().classify(&case.text);
        let second = again.classify(&case.text);

        assert_eq!(first, second);
        assert_eq!(first.confidence.to_bits(), second.confidence.to_bits());
    }
}

#[test]
fn training_text_with_an_unknown_category_is_refused_with_its_line() {
    let labelled = "text\ttop\n报警人称被偷了\t刑事\n报警人称有人打架\t打架类\n";

    let error = Classifier::with_training(RuleSet::embedded(), "mine.tsv", labelled).unwrap_err();

    assert_eq!(error.source_name, "mine.tsv");
    assert_eq!(error.line, 3);
    assert!(error.message.contains("打架类"), "{error}");
}
