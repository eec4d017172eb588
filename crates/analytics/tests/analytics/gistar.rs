//! Gi* against esda, on the grid, and with permutations.

use fengqiao_analytics::{Extent, GiStarOptions, SquareGrid, gi_star, gi_star_points};

use crate::support::assert_close;

/// A 5-column × 4-row grid, row-major from the south-west corner.
const VALUES: [f64; 20] = [
    0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 3.0, 5.0, 2.0, 0.0, 0.0, 4.0, 9.0, 3.0, 1.0, 0.0, 0.0, 2.0, 1.0,
    0.0,
];

/// Printed by esda 2.9.0 / libpysal 4.14.1:
/// `G_Local(VALUES, lat2W(4, 5, rook=False), transform="B", star=True, permutations=0)`,
/// attributes `Zs` and `p_norm`.
const ESDA_Z: [f64; 20] = [
    -0.4426072999803852,
    -0.042926591646563685,
    0.6009722830518937,
    -0.2575595498793829,
    -0.6885002444139325,
    -0.2575595498793829,
    1.522331319192667,
    2.708563515966173,
    1.3246259530637492,
    -0.47219250811220215,
    -0.47219250811220215,
    1.7200366853215847,
    2.708563515966173,
    1.522331319192667,
    -0.6868254663450214,
    -0.6885002444139325,
    1.030238199517532,
    1.888770032448809,
    1.2448711577503513,
    -0.4426072999803852,
];
const ESDA_P_NORM: [f64; 20] = [
    0.3290249018460808,
    0.48288002560746995,
    0.27392922365145517,
    0.3983734255682526,
    0.24556890821368083,
    0.3983734255682526,
    0.06396304216648063,
    0.0033787588069597294,
    0.0926476217810056,
    0.3183946933930617,
    0.3183946933930617,
    0.04271288667846689,
    0.0033787588069597294,
    0.06396304216648063,
    0.24609635988519202,
    0.24556890821368083,
    0.1514491009414678,
    0.029461324965274507,
    0.10658955718128443,
    0.3290249018460808,
];

#[test]
fn z_scores_and_normal_p_values_match_esda() {
    let result = gi_star(&VALUES, 5, 4, GiStarOptions::default()).unwrap();
    assert_close(&result.z, &ESDA_Z, 1e-12);
    assert_close(&result.p_norm, &ESDA_P_NORM, 1e-12);
    assert!(result.p_sim.is_none());
}

#[test]
fn the_hot_centre_is_significant_under_permutation_and_the_cold_edge_is_not() {
    let options = GiStarOptions {
        permutations: 999,
        seed: 17,
    };
    let result = gi_star(&VALUES, 5, 4, options).unwrap();
    let p = result.p_sim.unwrap();
    // Cell (2, 2) holds 9 and sits among 5, 4, 3 …
    assert!(p[12] < 0.05, "{}", p[12]);
    assert!(p[0] > 0.1, "{}", p[0]);
    // The same seed gives the same p-values.
    assert_eq!(gi_star(&VALUES, 5, 4, options).unwrap().p_sim.unwrap(), p);
}

#[test]
fn points_are_binned_half_open_with_the_last_point_in_a_column_of_its_own() {
    let x = [0.0, 249.9, 250.0, 500.0];
    let y = [0.0, 0.0, 0.0, 260.0];
    let grid = SquareGrid::covering(&x, &y, 250.0).unwrap();
    assert_eq!((grid.columns, grid.rows), (3, 2));
    let (counts, outside) = grid.counts(&x, &y).unwrap();
    assert_eq!(counts, vec![2, 1, 0, 0, 0, 1]);
    assert_eq!(outside, 0);
}

#[test]
fn a_given_extent_is_closed_on_its_far_edges_and_drops_points_outside() {
    let extent = Extent::new(0.0, 0.0, 500.0, 500.0).unwrap();
    let grid = SquareGrid::over_extent(extent, 250.0).unwrap();
    assert_eq!((grid.columns, grid.rows), (2, 2));
    let x = [500.0, -1.0, 250.0];
    let y = [500.0, 10.0, 10.0];
    let (counts, outside) = grid.counts(&x, &y).unwrap();
    assert_eq!(counts, vec![0, 1, 0, 1]);
    assert_eq!(outside, 1);
    let (result, outside) = gi_star_points(&x, &y, &grid, GiStarOptions::default()).unwrap();
    assert_eq!(outside, 1);
    assert_eq!(result.values, vec![0.0, 1.0, 0.0, 1.0]);
}

#[test]
fn a_grid_without_points_is_refused() {
    assert!(gi_star(&[0.0; 4], 2, 2, GiStarOptions::default()).is_err());
    assert!(gi_star(&[1.0; 3], 2, 2, GiStarOptions::default()).is_err());
}
