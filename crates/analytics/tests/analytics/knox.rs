//! The Knox test: hand-computed tables, pointpats fixtures, brute-force recounts and
//! seeded permutations.

use fengqiao_analytics::{KnoxBands, KnoxParams, knox, knox_bands, knox_local};

use crate::support::{assert_close, brute_force_knox, clustered_events};

fn params(distance: f64, time: f64, permutations: usize, seed: u64) -> KnoxParams {
    KnoxParams {
        distance,
        time,
        permutations,
        seed,
    }
}

/// A is 200 m and 14 days from B (exactly on both limits), C is 201 m from A on the
/// same day, D is far from everything.
fn four_events() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    (
        vec![0.0, 200.0, 0.0, 1000.0],
        vec![0.0, 0.0, 201.0, 1000.0],
        vec![0.0, 14.0, 0.0, 100.0],
    )
}

#[test]
fn pairs_exactly_on_both_limits_count_as_close() {
    let (x, y, t) = four_events();
    let result = knox(&x, &y, &t, params(200.0, 14.0, 0, 1)).unwrap();
    // AB is close in both; AC and BC only in time; nothing else is close.
    assert_eq!(
        (result.nst, result.ns, result.nt, result.pairs),
        (1, 1, 3, 6)
    );
    assert_eq!(result.observed, [[1, 0], [2, 3]]);
    assert_eq!(result.expected_nst, 0.5);
    // P(X > 1) for X ~ Poisson(0.5) = 1 − e^−0.5 (1 + 0.5).
    let p = 1.0 - (-0.5f64).exp() * 1.5;
    assert!((result.p_poisson - p).abs() < 1e-15, "{}", result.p_poisson);
    assert_eq!(result.p_sim, None);
}

#[test]
fn limits_just_below_a_pair_leave_it_out() {
    let (x, y, t) = four_events();
    let result = knox(&x, &y, &t, params(199.999, 13.999, 0, 1)).unwrap();
    assert_eq!((result.nst, result.ns, result.nt), (0, 0, 1));
}

#[test]
fn the_local_statistic_counts_each_events_own_neighbours() {
    let (x, y, t) = four_events();
    let local = knox_local(&x, &y, &t, params(200.0, 14.0, 0, 1)).unwrap();
    assert_eq!(local.nst, vec![1, 1, 0, 0]);
    assert_eq!(local.ns, vec![1, 1, 0, 0]);
    assert_eq!(local.nt, vec![2, 2, 2, 0]);
    assert_eq!(local.p_hypergeom[2], 1.0);
}

/// 40 events; the values below were printed by pointpats 2.5.5 with
/// `Knox(s, t, delta=150, tau=7, permutations=0)` and `KnoxLocal(...)` where
/// `rng = np.random.default_rng(7)`, `x, y = rng.integers(0, 600, 40)` (twice) and
/// `t = rng.integers(0, 60, 40)`.
fn pointpats_events() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let x = [
        566, 375, 410, 538, 346, 465, 500, 135, 33, 180, 171, 524, 547, 3, 299, 492, 78, 478, 71,
        280, 489, 181, 204, 167, 431, 152, 594, 267, 286, 302, 349, 332, 305, 597, 484, 475, 420,
        373, 204, 593,
    ];
    let y = [
        279, 129, 507, 96, 514, 367, 68, 26, 266, 21, 84, 308, 582, 279, 485, 550, 494, 377, 264,
        308, 159, 298, 227, 148, 595, 7, 58, 115, 581, 415, 529, 120, 432, 221, 293, 2, 370, 498,
        398, 92,
    ];
    let t = [
        32, 16, 57, 52, 11, 30, 56, 50, 42, 38, 2, 44, 28, 5, 14, 32, 43, 30, 36, 52, 41, 21, 38,
        35, 6, 3, 39, 23, 35, 19, 13, 9, 22, 48, 24, 22, 34, 58, 23, 35,
    ];
    let f = |v: &[i32]| v.iter().map(|&v| f64::from(v)).collect();
    (f(&x), f(&y), f(&t))
}

#[test]
fn the_global_table_matches_pointpats() {
    let (x, y, t) = pointpats_events();
    let result = knox(&x, &y, &t, params(150.0, 7.0, 0, 1)).unwrap();
    assert_eq!(result.observed, [[34, 80], [150, 516]]);
    assert!((result.expected_nst - 26.892307692307693).abs() < 1e-12);
    assert!((result.p_poisson - 0.07552694295527251).abs() < 1e-12);
}

#[test]
fn the_local_counts_and_hypergeometric_p_values_match_pointpats() {
    let (x, y, t) = pointpats_events();
    let local = knox_local(&x, &y, &t, params(150.0, 7.0, 0, 1)).unwrap();
    let nsti = [
        2, 2, 1, 2, 3, 4, 1, 0, 1, 1, 1, 1, 1, 0, 3, 1, 0, 4, 2, 0, 3, 1, 2, 2, 2, 1, 2, 1, 0, 4,
        4, 1, 2, 3, 2, 0, 2, 1, 3, 2,
    ];
    assert_eq!(local.nst, nsti);
    let p_hypergeom = [
        0.4299232550006543,
        0.24220738957581067,
        0.9354125731579653,
        0.4299232550006543,
        0.295367235266616,
        0.014962475488791371,
        0.7872074248235239,
        1.0,
        0.41366396761133606,
        0.727660063186379,
        0.7872074248235239,
        0.7872074248235239,
        0.41366396761133606,
        1.0,
        0.295367235266616,
        0.727660063186379,
        1.0,
        0.03601979143774803,
        0.24220738957581067,
        1.0,
        0.295367235266616,
        0.6499568394305236,
        0.4299232550006543,
        0.4299232550006543,
        0.5118129896767668,
        0.6499568394305236,
        0.33914394440710227,
        0.7872074248235239,
        1.0,
        0.15654692959821292,
        0.15654692959821292,
        0.41366396761133606,
        0.6465856277313883,
        0.15758532321999807,
        0.5118129896767668,
        1.0,
        0.5839615744801503,
        0.9182421388309984,
        0.0968025573288731,
        0.4299232550006543,
    ];
    assert_close(&local.p_hypergeom, &p_hypergeom, 1e-12);
}

#[test]
fn counts_agree_with_a_brute_force_recount_on_clustered_data() {
    let (x, y, t) = clustered_events(1500, 11);
    for (distance, time) in [(0.0, 0.0), (50.0, 3.0), (200.0, 14.0), (750.0, 60.0)] {
        let result = knox(&x, &y, &t, params(distance, time, 0, 1)).unwrap();
        let expected = brute_force_knox(&x, &y, &t, distance, time);
        assert_eq!(
            (result.nst, result.ns, result.nt),
            expected,
            "{distance} m, {time} d"
        );
        let local = knox_local(&x, &y, &t, params(distance, time, 0, 1)).unwrap();
        let sum = |v: &[u32]| v.iter().map(|&v| u64::from(v)).sum::<u64>();
        assert_eq!(
            (sum(&local.nst), sum(&local.ns), sum(&local.nt)),
            (2 * expected.0, 2 * expected.1, 2 * expected.2)
        );
    }
}

#[test]
fn permutations_are_reproducible_for_a_seed_and_differ_across_seeds() {
    let (x, y, t) = clustered_events(3000, 5);
    let run = |seed| knox(&x, &y, &t, params(200.0, 14.0, 99, seed)).unwrap();
    let (a, b, c) = (run(42), run(42), run(43));
    assert_eq!(a, b);
    assert_ne!(a.permuted_mean, c.permuted_mean);
    // The data are built from near repeats: no permutation should reach the observed nst.
    assert_eq!(a.exceedances, Some(0));
    assert_eq!(a.p_sim, Some(0.01));
    let local = |seed| knox_local(&x, &y, &t, params(200.0, 14.0, 99, seed)).unwrap();
    assert_eq!(local(42).p_sim, local(42).p_sim);
    assert_ne!(local(42).p_sim, local(7).p_sim);
}

#[test]
fn permutation_means_sit_near_the_independence_expectation() {
    let (x, y, t) = clustered_events(3000, 9);
    let result = knox(&x, &y, &t, params(300.0, 10.0, 200, 3)).unwrap();
    let mean = result.permuted_mean.unwrap();
    // The permutation distribution of nst has mean ns·nt/pairs exactly; 200 draws
    // land well within 10 %.
    assert!(
        (mean / result.expected_nst - 1.0).abs() < 0.1,
        "{mean} vs {}",
        result.expected_nst
    );
}

#[test]
fn data_without_interaction_gives_unremarkable_p_values() {
    // Uniform and independent places and times.
    let (x, y, _) = clustered_events(2000, 21);
    let t: Vec<f64> = (0..x.len()).map(|i| ((i * 7919) % 365) as f64).collect();
    let result = knox(&x, &y, &t, params(200.0, 14.0, 99, 1)).unwrap();
    assert!(result.p_sim.unwrap() > 0.01, "{result:?}");
    let local = knox_local(&x, &y, &t, params(200.0, 14.0, 99, 1)).unwrap();
    let significant = local.p_sim.unwrap().iter().filter(|&&p| p <= 0.01).count();
    assert!(significant < x.len() / 20, "{significant} of {}", x.len());
}

#[test]
fn the_band_table_adds_up_and_its_first_cell_is_the_global_nst() {
    let (x, y, t) = clustered_events(1200, 4);
    let bands = KnoxBands::equal(100.0, 7.0, 3, 49, 8);
    let table = knox_bands(&x, &y, &t, &bands).unwrap();
    let pairs = (x.len() * (x.len() - 1) / 2) as u64;
    assert_eq!(table.observed.iter().flatten().sum::<u64>(), pairs);
    assert_eq!(table.observed.len(), 4);
    assert_eq!(table.observed[0].len(), 4);
    for (k, &edge) in [100.0, 200.0, 300.0].iter().enumerate() {
        // Cumulative bands reproduce the global test at each edge.
        let (nst, ns, _) = brute_force_knox(&x, &y, &t, edge, 7.0 * (k + 1) as f64);
        let cumulative: u64 = (0..=k)
            .flat_map(|r| (0..=k).map(move |c| (r, c)))
            .map(|(r, c)| table.observed[r][c])
            .sum();
        assert_eq!(cumulative, nst);
        let row_total: u64 = (0..=k).map(|r| table.observed[r].iter().sum::<u64>()).sum();
        assert_eq!(row_total, ns);
    }
    // Every permutation preserves the row and column totals, so their means do too.
    let expected_total: f64 = table.expected.iter().flatten().sum();
    assert!((expected_total - pairs as f64).abs() < 1e-6);
    // Near repeats make the closest cell stand out.
    assert!(table.ratio[0][0].unwrap() > 1.5);
    assert_eq!(table.p_values.as_ref().unwrap()[0][0], 0.02);
}

#[test]
fn bad_input_is_refused_with_its_position() {
    let error = knox(
        &[0.0, f64::NAN],
        &[0.0, 0.0],
        &[0.0, 0.0],
        params(1.0, 1.0, 0, 1),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "x value at index 1 is not a finite number"
    );
    assert!(knox(&[0.0], &[0.0, 1.0], &[0.0], params(1.0, 1.0, 0, 1)).is_err());
    assert!(knox(&[0.0], &[0.0], &[0.0], params(-1.0, 1.0, 0, 1)).is_err());
}

#[test]
fn a_lattice_with_many_pairs_exactly_at_the_limit_is_counted_exactly() {
    // Points every 10 m: pairs at exactly 50 m abound (50 × 0, 30 × 40 …), which is
    // where the sweep's fast single-precision test hands over to the exact one.
    let (mut x, mut y, mut t) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..40 {
        for j in 0..40 {
            x.push(1_000_000.0 + f64::from(i) * 10.0);
            y.push(3_000_000.0 + f64::from(j) * 10.0);
            t.push(f64::from((i * 7 + j * 3) % 30));
        }
    }
    for (distance, time) in [(50.0, 5.0), (30.0, 0.0), (100.0, 29.0)] {
        let result = knox(&x, &y, &t, params(distance, time, 0, 1)).unwrap();
        let expected = brute_force_knox(&x, &y, &t, distance, time);
        assert_eq!(
            (result.nst, result.ns, result.nt),
            expected,
            "{distance} m, {time} d"
        );
    }
}

#[test]
fn large_inputs_use_the_bucketed_shuffle_and_stay_unbiased() {
    // 70,000 events: above the size where permutations shuffle in buckets.
    let (x, y, _) = clustered_events(70_000, 31);
    let t: Vec<f64> = (0..x.len()).map(|i| ((i * 7919) % 365) as f64).collect();
    let result = knox(&x, &y, &t, params(100.0, 7.0, 8, 5)).unwrap();
    let mean = result.permuted_mean.unwrap();
    assert!(
        (mean / result.expected_nst - 1.0).abs() < 0.05,
        "{mean} vs {}",
        result.expected_nst
    );
}
